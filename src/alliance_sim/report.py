"""The results-folder report: figures as PNG and a short ``report.md`` that links them.

Used by ``simulate FILE --report``; works on any :class:`Results` (a scenario run or
a sweep) that has been written to a folder, or on a folder given explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import analysis, metrics, plots
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


def _observable_lines(results: Results, point: int = 0) -> list[str]:
    """One line per observable breakdown (besides rupture): its probability over the horizon."""
    runs = results.runs[results.runs.point == point]
    lines = []
    for name, (_, label) in metrics.OBSERVABLES.items():
        if name == "rupture" or name not in runs:
            continue
        k, n = int(runs[name].sum()), len(runs)
        lo, hi = analysis.wilson(k, n)
        lines.append(
            f"- {label[0].upper() + label[1:]}: **{k / n:.1%}** ({k} of {n} futures; 95% Wilson interval {lo:.1%}–{hi:.1%})."
        )
    return lines


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


def _variance_section(results: Results) -> list[str]:
    """Where the spread comes from: the variance decomposition, from fresh runs of the scenario."""
    from . import uncertainty

    frame = uncertainty.of_results(results, base=REPORT_BASE)
    runs = REPORT_BASE * (len(uncertainty.GROUPS) + 2)
    return [
        "## Where the spread comes from",
        "",
        uncertainty.READING + f" From {runs:,} further runs of the scenario (Sobol' design, base {REPORT_BASE:,}).",
        "",
        uncertainty.table(frame),
        "",
    ]


#: Base size of the report's variance decomposition (its runs: 5 times as many).
REPORT_BASE = 1024


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
        *[f"**Warning:** {w}." for w in results.manifest.get("warnings") or []],
        *([""] if results.manifest.get("warnings") else []),
        "Observable breakdowns, probability over the horizon:",
        "",
        *_observable_lines(results, int(results.runs.point.min())),
        "",
        _rupture_line(results, int(results.runs.point.min())),
        "",
        "Run summaries (`run`: across futures) and step metrics in the last month (`final_month`):",
        "",
        markdown_table(table),
        "",
        *_variance_section(results),
        "## Figures",
        "",
        *figures,
    ]
    return "\n".join(lines), written


#: Outcomes a sweep report looks at, in order of preference.
SWEEP_OUTCOMES = ("rupture", "coop_rok_jpn_final", "cohesion_mean")


def varying_outcomes(results: Results) -> list[str]:
    """The sweep outcomes whose per-point value varies: rupture only where some point reaches 5%."""
    out = []
    for outcome in SWEEP_OUTCOMES:
        if outcome not in results.runs.columns:
            continue
        y = analysis.aggregate(results, outcome)
        if outcome == "rupture" and not (np.nanmax(y) >= 0.05):
            continue
        if np.nanstd(y) > 0:
            out.append(outcome)
    return out


def _figure(results_fig, folder: Path, name: str, written: list[Path]) -> None:
    path = folder / name
    write_figure(results_fig, path)
    written.append(path)


def _extremes(results: Results, outcome: str, k: int = 5) -> pd.DataFrame:
    """The k design points with the highest and the k with the lowest outcome."""
    table = analysis.response(results, outcome)
    table = table.sort_values("estimate", ascending=False)
    if len(table) > 2 * k:
        table = pd.concat([table.head(k), table.tail(k)])
    return table


def sweep_report(results: Results, folder: Path) -> tuple[str, list[Path]]:
    """Figures and Markdown for a sweep, chosen by what its design supports.

    - Sobol design: the S1/ST table and figure of every outcome that varies, with the
      convergence verdict of :func:`analysis.sobol_check`.
    - Morris design: the elementary-effects table.
    - Any design: a ranking of the parameters (:func:`analysis.influence`); for a grid,
      the heatmap of the two most influential parameters, one panel per value of a third
      (no silent pooling), and the response to the most influential one, one line per
      value of the second; PRIM boxes (:func:`analysis.discover`) when the outcome has both
      classes and the ``explore`` extra is installed.
    """
    written: list[Path] = []
    text: list[str] = []
    design_ = results.manifest.get("design") or {}
    sampler = design_.get("sampler")
    outcomes = varying_outcomes(results)
    if not outcomes:
        text += ["No outcome varies over the design: nothing to rank or to draw.", ""]
        return "\n".join([*_header(results), *text]), written
    if sampler in analysis.SOBOL_SAMPLERS:
        # Rupture is a rare threshold event: its variance sits in a few design points and its
        # Sobol indices converge only with far larger designs; PRIM answers "where" instead.
        for outcome in [o for o in outcomes if o != "rupture"]:
            indices = analysis.sobol(results, outcome, warn=False)
            check = indices.attrs["check"]
            name = f"sobol_{outcome}.png"
            _figure(plots.sobol_indices(indices, outcome), folder, name, written)
            wide = indices.pivot(index="parameter", columns="index", values=["estimate", "conf"])
            wide = wide.loc[list(dict.fromkeys(indices["parameter"]))]
            table = pd.DataFrame(
                {
                    "parameter": wide.index,
                    "S1": [
                        f"{e:.3f} ± {c:.3f}"
                        for e, c in zip(wide[("estimate", "S1")], wide[("conf", "S1")], strict=True)
                    ],
                    "ST": [
                        f"{e:.3f} ± {c:.3f}"
                        for e, c in zip(wide[("estimate", "ST")], wide[("conf", "ST")], strict=True)
                    ],
                }
            )
            text += [
                f"### Sobol indices of {outcome}",
                "",
                ("**Converged.** " if check.passed else "**Warning: not converged.** ") + check.message(outcome),
                "",
                "First-order (S1) and total (ST) indices with 95% bootstrap half-widths:",
                "",
                markdown_table(table),
                "",
                f"![Sobol {outcome}]({name})",
                "",
            ]
        if "rupture" in outcomes:
            share = analysis.aggregate(results, "rupture")
            check = analysis.sobol(results, "rupture", warn=False).attrs["check"]
            text += [
                "### Rupture",
                "",
                f"Rupture happens at {np.mean(share > 0):.0%} of the design points (in {np.mean(share):.1%} of all "
                "futures): a rare threshold event whose variance sits in a corner of the design. Its Sobol indices "
                + (
                    "pass the convergence check, but a box says more about where it happens."
                    if check.passed
                    else f"do not converge at this size ({check.message('rupture').rstrip('.')}), so none are given; "
                    "scenario discovery says where it happens instead."
                ),
                "",
                *_discovery_section(results, "rupture", folder, written),
            ]
        else:
            text += [
                "Rupture probability is below 5% at every design point: its variance is replication noise, "
                "so no Sobol indices are given for it.",
                "",
            ]
        return "\n".join([*_header(results), "## Sensitivity", "", *text]), written
    outcome = outcomes[0]
    if sampler == "morris":
        text += ["## Morris elementary effects", ""]
        for o in outcomes:
            text += [f"### {o}", "", markdown_table(analysis.morris(results, o)), ""]
    scores, method = analysis.influence(results, outcome)
    text += [
        f"## Which parameters matter for {outcome}",
        "",
        f"Ranking by {method}:",
        "",
        markdown_table(scores),
        "",
    ]
    params = list(scores["parameter"])
    if sampler == "grid" and len(params) >= 2:
        x, y = params[0], params[1]
        _figure(plots.sweep_response(results, outcome, x=x, y=y), folder, "sweep_response.png", written)
        others = [p for p in analysis.parameter_columns(results) if p not in (x, y)]
        text += [
            "## Figures",
            "",
            f"### {outcome} over the two most influential parameters",
            "",
            f"Each cell is one design point: `{x}` across, `{y}` up"
            + (f", one panel per value of `{others[0]}`." if len(others) == 1 else ".")
            + (f" Pooled over {', '.join(others)}." if len(others) > 1 else ""),
            "",
            "![response](sweep_response.png)",
            "",
        ]
        _figure(plots.sweep_response(results, outcome, x=x), folder, "sweep_lines.png", written)
        text += [
            f"### {outcome} against `{x}`",
            "",
            "One line per value of the second parameter, one panel per value of a third; any pooling is named "
            "in the title.",
            "",
            "![lines](sweep_lines.png)",
            "",
        ]
    elif sampler == "grid":
        _figure(plots.sweep_response(results, outcome), folder, "sweep_response.png", written)
        text += ["## Figures", "", "![response](sweep_response.png)", ""]
    text += _discovery_section(results, outcome, folder, written)
    text += [
        f"## Design points with the highest and lowest {outcome}",
        "",
        markdown_table(_extremes(results, outcome)),
        "",
        f"({results.runs.point.nunique()} design points in all; every one is in `runs.parquet`.)",
        "",
    ]
    return "\n".join([*_header(results), *text]), written


def _discovery_section(results: Results, outcome: str, folder: Path, written: list[Path]) -> list[str]:
    """PRIM boxes of the outcome, when it has both classes and EMA Workbench is installed."""
    spec: dict[str, Any]
    if outcome == "rupture":
        spec = {"outcome": "rupture"}
    else:
        y = results.runs[outcome].astype(float)
        spec = {"outcome": outcome, "threshold": float(y.quantile(0.25)), "below": True}
    gaps = analysis.gap_inputs(results)
    try:
        found = analysis.discover(results, derived=gaps, **spec)
    except analysis.MissingExtra:
        return ["(PRIM boxes need the explore extra: pip install 'alliance-sim[explore]'.)", ""]
    except ValueError as exc:
        return [f"(No PRIM boxes: {exc}.)", ""]
    _figure(plots.discovery(found), folder, "discovery.png", written)
    stats = found.stats.iloc[0]
    derived = (
        [
            "Besides the swept parameters, PRIM is offered the gap between two actors' values of the same field "
            f"({', '.join(f'`{g}`' for g in gaps)}): its boxes are aligned with the axes and would miss an asymmetry "
            "otherwise.",
            "",
        ]
        if gaps
        else []
    )
    return [
        f"## Scenario discovery (PRIM): where {found.outcome} concentrates",
        "",
        *derived,
        f"Base rate {found.base_rate:.1%} of {found.n} futures; the chosen box holds {stats['coverage']:.0%} of "
        f"them (coverage) and {stats['density']:.0%} of the futures inside it are cases (density).",
        "",
        markdown_table(found.boxes.drop(columns="box")),
        "",
        "![discovery](discovery.png)",
        "",
    ]


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
