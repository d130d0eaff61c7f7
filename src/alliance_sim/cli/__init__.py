"""The ``simulate`` command.

Exit status: 0 done; 2 bad input or usage (one ``error:`` line, never a traceback);
3 a sweep not complete; 130 interrupted; 141 standard output closed early (for
example ``simulate base.yaml | head -1``: the results folder is written, but not
all of the summary was read; 141 = 128 + SIGPIPE, what a shell reports for a
program killed by a broken pipe).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import metrics, posterior
from ..analysis import wilson
from ..errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from ..jit import is_cached
from ..run import GIB, simulate
from ..scenario import ScenarioError, apply_overrides, load_scenario, parse_override, scenario_sources
from ..store import new_folder
from ..trajectories import choose
from ..yamlfile import read_yaml
from .args import FLAG_FIELDS, SHOWN_FINAL, SHOWN_SUMMARIES, parser
from .compare import compare_main
from .sweep import sweep_main

__all__ = ["entry", "main"]


def coefficients_line(draws: dict) -> str:
    """Where the replications' coefficients came from: the posterior file and its sets, or the point estimates."""
    if draws.get("mode") != "posterior":
        return "coefficients: point estimates"
    held = f"; {len(draws['held'])} held at the scenario's values" if draws.get("held") else ""
    return f"coefficients: a set per replication from {draws['file']} ({draws['sets']:,} sets{held})"


def report(results) -> str:
    """A short terminal table: mean and 90% interval of key metrics, the observable breakdowns' probabilities."""
    runs, series, m = results.runs, results.series, results.manifest
    lines = [
        f"{m['name']}: {m['replications']} replications x {m['months']} months from {m['start']} "
        f"(seed {m['seed']}, {m['wall_seconds']:.2f} s)",
        coefficients_line(m.get("parameter_draws") or {}),
        f"{'metric':<24}{'mean':>8}{'p05':>8}{'p95':>8}",
    ]
    for name in SHOWN_SUMMARIES:
        col = runs[name].astype(float)
        lines.append(f"{name:<24}{col.mean():>8.3f}{col.quantile(0.05):>8.3f}{col.quantile(0.95):>8.3f}")
    last = series[series.month == series.month.max()].set_index("metric")
    for name in SHOWN_FINAL:
        row = last.loc[name]
        lines.append(f"{name + ' (final)':<24}{row['mean']:>8.3f}{row['p05']:>8.3f}{row['p95']:>8.3f}")
    lines.append(f"{'within the horizon':<24}{'chance':>8}  95% Wilson interval")
    events = (m.get("scenario") or {}).get("events") or {}
    possible = metrics.possible_observables(ev.get("type") for ev in events.values() if isinstance(ev, dict))
    for name, (short, _) in metrics.OBSERVABLES.items():
        if name in runs and name in possible:
            k, n = int(runs[name].sum()), len(runs)
            lo, hi = wilson(k, n)
            lines.append(f"{short:<24}{k / n:>8.3f}  {lo:.3f}-{hi:.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["compare"]:
        return compare_main(argv[1:])
    if argv[:1] == ["explore"]:
        from ..explore import main as explore_main

        return explore_main(argv[1:])
    args = parser().parse_args(argv)
    try:
        data, _ = read_yaml(Path(args.file))  # within the reader's limits (size, depth, aliases), read once here
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if "sweep" in data:  # a sweep file has a top-level ``sweep:`` key (sweep.is_sweep_file)
        if args.save_trajectories is not None:
            print(f"error: {args.file}: --save-trajectories applies to scenario files only", file=sys.stderr)
            return EXIT_USAGE
        if args.report:
            print(
                f"error: {args.file}: --report applies to scenario files; for a sweep use "
                "alliance_sim.report.write_report(load_results(DIR))",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return sweep_main(args)
    return scenario_main(args)


def scenario_main(args: argparse.Namespace) -> int:
    """``simulate SCENARIO.yaml``: run one scenario's ensemble, print the summary, write the folder."""
    sweep_only = [f"--{k}" for k in ("workers", "scheduler", "resume") if getattr(args, k) is not None]
    if args.executor != "process":
        sweep_only.append("--executor")
    if sweep_only:
        print(f"error: {args.file}: {', '.join(sweep_only)} apply to sweep files only", file=sys.stderr)
        return EXIT_USAGE
    try:
        trajectories = choose(args.save_trajectories)
    except ValueError as exc:
        print(f"error: --save-trajectories: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = None
    try:
        overrides = dict(parse_override(o) for o in args.overrides)
        scenario = load_scenario(args.file, overrides)
        for flag, field in FLAG_FIELDS.items():
            value = getattr(args, field)
            if value is not None:
                scenario = apply_overrides(scenario, {field: value}, args.file, origin=f" (from {flag})")
        draws = posterior.choose(args.parameters, scenario)  # a missing posterior stops here, before anything
        out = args.out or new_folder("results", scenario.name)
        if not args.quiet and not is_cached():
            print("compiling the model's month step (first run of this version only, about 20 s)", file=sys.stderr)
        # simulate locks the folder and checks it is new or empty before computing
        results = simulate(
            scenario,
            out=out,
            chunk=args.chunk,
            progress=not args.quiet,
            sources=scenario_sources(args.file),
            max_memory=None if args.max_memory is None else args.max_memory * GIB,
            trajectories=trajectories,
            parameters="defaults" if draws is None else draws,
        )
    except (ScenarioError, OSError) as exc:  # OSError: FileExistsError, NotADirectoryError, PermissionError
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        where = (
            f"{out} is incomplete (it has no manifest.json)"
            if out is not None and out.is_dir() and any(out.iterdir())
            else "nothing was written"
        )
        print(f"interrupted; {where}", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(report(results))
    if args.report:
        from ..report import write_report  # matplotlib loads only when a report is asked for

        print(f"report written to {write_report(results)}")
    print(f"results written to {results.path}")
    return EXIT_OK


def entry() -> None:
    """The console script: ``main`` with a reader that stops early (``| head``) ending quietly, status 141."""
    try:
        status = main()
        sys.stdout.flush()  # inside the try: a pipe closed early fails here, not at interpreter exit
    except BrokenPipeError:
        # Python's documented idiom: point stdout at devnull so the exit flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = EXIT_BROKEN_PIPE
    sys.exit(status)
