"""The results-folder report: figures as PNG and a short ``report.md`` that links them.

Used by ``simulate FILE --report``; works on any :class:`Results` (a scenario run or
a sweep) that has been written to a folder, or on a folder given explicitly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis, plots
from .store import Results, write_figure, write_text

#: Figures of a single scenario run: file name, builder, heading, what the reader sees.
SCENARIO_FIGURES = (
    (
        "envelopes.png",
        plots.envelopes,
        "Envelopes",
        "Ensemble mean and 5–95% band of the three dyads and trilateral cohesion, month by month.",
    ),
    (
        "attribution.png",
        plots.attribution,
        "Driver attribution",
        "Contribution of each doctrine term to the monthly change in ROK–JPN cooperation (ensemble mean), "
        "above the cooperation level it produced.",
    ),
    (
        "survival.png",
        plots.survival,
        "Survival without rupture",
        "Share of futures in which ROK–JPN cooperation has not yet fallen below the rupture threshold.",
    ),
)


def _number(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.3f}"


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (floats to three decimals)."""
    cells = [[_number(v) if isinstance(v, float) else str(v) for v in row] for row in frame.itertuples(index=False)]
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    return "\n".join([head, rule, *("| " + " | ".join(c) + " |" for c in cells)])


def _rupture_line(results: Results, point: int = 0) -> str:
    runs = results.runs[results.runs.point == point]
    k, n = int(runs["rupture"].sum()), len(runs)
    lo, hi = analysis.wilson(k, n)
    threshold = analysis.rupture_threshold(results)
    below = f" (ROK–JPN cooperation below {threshold:g} in at least one month)" if threshold is not None else ""
    return f"Rupture probability{below}: **{k / n:.1%}** ({k} of {n} futures; 95% Wilson interval {lo:.1%}–{hi:.1%})."


def _header(results: Results) -> list[str]:
    m = results.manifest
    lines = [f"# alliance-sim report: {analysis.label(results)}", ""]
    if m.get("kind") == "sweep":
        d = m.get("design") or {}
        lines.append(
            f"Sweep over {len(analysis.parameter_columns(results))} parameters, sampler `{d.get('sampler')}`, "
        )
        lines.append(f"{results.runs.point.nunique()} design points, {len(results.runs)} replications in all.")
    else:
        lines.append(
            f"{m.get('replications')} replications × {m.get('months')} months from {m.get('start')}, "
            f"seed {m.get('seed')}; alliance-sim {m.get('package_version')}"
            + (f" (git {str(m['git_commit'])[:10]})" if m.get("git_commit") else "")
            + "."
        )
    description = (m.get("scenario") or {}).get("description")
    if description:
        lines += ["", f"> {description.strip()}"]
    return [*lines, ""]


def scenario_report(results: Results, folder: Path) -> tuple[str, list[Path]]:
    """Figures and Markdown for a single scenario run."""
    written = []
    figures = []
    for name, build, heading, caption in SCENARIO_FIGURES:
        path = folder / name
        write_figure(build(results), path)
        written.append(path)
        figures += [f"### {heading}", "", caption, "", f"![{heading}]({name})", ""]
    table = analysis.summarize(results)
    table = table[(table.point == table.point.min()) & (table.metric != "rupture")]
    table = table[["scope", "metric", "mean", "p05", "p50", "p95", "n"]]
    lines = [
        *_header(results),
        "## Summary",
        "",
        _rupture_line(results, int(results.runs.point.min())),
        "",
        "Run summaries (`run`: across futures) and step metrics in the last month (`final_month`):",
        "",
        markdown_table(table),
        "",
        "## Figures",
        "",
        *figures,
    ]
    return "\n".join(lines), written


def sweep_report(results: Results, folder: Path) -> tuple[str, list[Path]]:
    """Figures and Markdown for a sweep: response of the rupture probability, Sobol indices if designed for."""
    written, figures = [], []
    response = analysis.response(results, "rupture")
    sampler = (results.manifest.get("design") or {}).get("sampler")
    if sampler not in analysis.SOBOL_SAMPLERS:
        path = folder / "sweep_response.png"
        write_figure(plots.sweep_response(results, "rupture"), path)
        written.append(path)
        figures += ["### Rupture probability over the design", "", "![rupture response](sweep_response.png)", ""]
    else:
        for outcome in ("rupture", "cohesion_mean"):
            path = folder / f"sobol_{outcome}.png"
            indices = analysis.sobol(results, outcome)
            write_figure(plots.sobol_indices(indices, outcome), path)
            written.append(path)
            figures += [f"### Sobol indices of {outcome}", "", f"![Sobol {outcome}](sobol_{outcome}.png)", ""]
    lines = [
        *_header(results),
        "## Rupture probability per design point (95% Wilson interval)",
        "",
        markdown_table(response.head(50)),
        "",
        *([f"(first 50 of {len(response)} points)", ""] if len(response) > 50 else []),
        "## Figures",
        "",
        *figures,
    ]
    return "\n".join(lines), written


def write_report(results: Results, folder: str | Path | None = None) -> Path:
    """Write the figures (PNG) and ``report.md`` into ``folder`` (default: the results folder).

    Returns
    -------
    The path of ``report.md``.

    Raises
    ------
    ValueError : if no folder is given and the results were never written.
    """
    folder = Path(folder) if folder is not None else results.path
    if folder is None:
        raise ValueError("results have no folder; pass one")
    folder.mkdir(parents=True, exist_ok=True)
    build = sweep_report if results.manifest.get("kind") == "sweep" else scenario_report
    text, _ = build(results, folder)
    path = folder / "report.md"
    write_text(text + "\n", path)
    return path
