"""The ``simulate`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .analysis import wilson
from .run import simulate
from .scenario import ScenarioError, apply_overrides, load_scenario, parse_override, scenario_sources
from .store import check_writable, new_folder
from .sweep import is_sweep_file
from .sweep import main as sweep_main

#: Summaries and final-month step metrics shown in the terminal table.
SHOWN_SUMMARIES = ("cohesion_mean", "cohesion_min", "cohesion_final", "coop_rok_jpn_final", "months_in_rupture")
SHOWN_FINAL = ("coop_rok_usa", "coop_jpn_usa", "threat_rok", "abandonment_rok", "abandonment_jpn", "chn_pressure")


def positive(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def nonnegative(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


#: Command-line flags that set a top-level scenario field.
FLAG_FIELDS = {"--replications": "replications", "--seed": "seed", "--months": "months"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="simulate",
        description="Run an alliance-sim scenario ensemble and write a results folder.",
    )
    p.add_argument("file", help="scenario or sweep YAML file (a sweep file has a top-level 'sweep:' key)")
    p.add_argument("--replications", "-n", type=positive, help="ensemble size (overrides the scenario)")
    p.add_argument("--seed", type=nonnegative, help="root seed (overrides the scenario)")
    p.add_argument("--months", type=positive, help="horizon in months (overrides the scenario)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="override a dotted path"
    )
    p.add_argument("--out", type=Path, help="results folder (default: results/<name>/<timestamp>-<id>)")
    p.add_argument("--chunk", type=positive, help="replications per ensemble chunk (does not change results)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the results folder")
    p.add_argument(
        "--report", action="store_true", help="also write figures (PNG) and report.md into the results folder"
    )
    p.epilog = (
        "Compare two scenarios or results folders with: simulate compare A B [--out DIR]. "
        "Explore scenarios in the browser with: simulate explore [SCENARIO]"
    )
    p.add_argument("--workers", type=positive, help="sweeps: parallel worker processes (default: the core count)")
    p.add_argument("--executor", choices=["process", "dask"], default="process", help="sweeps: where tasks run")
    p.add_argument("--scheduler", metavar="ADDRESS", help="sweeps: Dask scheduler address (default: a LocalCluster)")
    p.add_argument("--resume", type=Path, metavar="DIR", help="sweeps: complete an interrupted sweep in DIR")
    return p


def report(results) -> str:
    """A short terminal table: mean and 90% interval of key metrics, rupture probability."""
    runs, series, m = results.runs, results.series, results.manifest
    lines = [
        f"{m['name']}: {m['replications']} replications x {m['months']} months from {m['start']} "
        f"(seed {m['seed']}, {m['wall_seconds']:.2f} s)",
        f"{'metric':<24}{'mean':>8}{'p05':>8}{'p95':>8}",
    ]
    for name in SHOWN_SUMMARIES:
        col = runs[name].astype(float)
        lines.append(f"{name:<24}{col.mean():>8.3f}{col.quantile(0.05):>8.3f}{col.quantile(0.95):>8.3f}")
    last = series[series.month == series.month.max()].set_index("metric")
    for name in SHOWN_FINAL:
        row = last.loc[name]
        lines.append(f"{name + ' (final)':<24}{row['mean']:>8.3f}{row['p05']:>8.3f}{row['p95']:>8.3f}")
    k, n = int(runs["rupture"].sum()), len(runs)
    lo, hi = wilson(k, n)
    lines.append(f"rupture probability      {k / n:.3f}  (95% Wilson interval {lo:.3f}-{hi:.3f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["compare"]:
        return compare_main(argv[1:])
    if argv[:1] == ["explore"]:
        from .explore import main as explore_main

        return explore_main(argv[1:])
    args = parser().parse_args(argv)
    if is_sweep_file(args.file):
        if args.report:
            print(
                f"error: {args.file}: --report applies to scenario files; for a sweep use "
                "alliance_sim.report.write_report(load_results(DIR))",
                file=sys.stderr,
            )
            return 2
        return sweep_main(args)
    sweep_only = [f"--{k}" for k in ("workers", "scheduler", "resume") if getattr(args, k) is not None]
    if args.executor != "process":
        sweep_only.append("--executor")
    if sweep_only:
        print(f"error: {args.file}: {', '.join(sweep_only)} apply to sweep files only", file=sys.stderr)
        return 2
    out = None
    try:
        overrides = dict(parse_override(o) for o in args.overrides)
        scenario = load_scenario(args.file, overrides)
        for flag, field in FLAG_FIELDS.items():
            value = getattr(args, field)
            if value is not None:
                scenario = apply_overrides(scenario, {field: value}, args.file, origin=f" (from {flag})")
        out = args.out or new_folder("results", scenario.name)
        check_writable(out)
        out.mkdir(parents=True, exist_ok=True)  # fail before computing if the folder cannot be made
        results = simulate(
            scenario, out=out, chunk=args.chunk, progress=not args.quiet, sources=scenario_sources(args.file)
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # includes FileExistsError, NotADirectoryError, PermissionError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        where = (
            f"{out} is incomplete (it has no manifest.json)"
            if out is not None and out.exists()
            else "nothing was written"
        )
        print(f"interrupted; {where}", file=sys.stderr)
        return 130
    if not args.quiet:
        print(report(results))
    if args.report:
        from .report import write_report  # matplotlib loads only when a report is asked for

        print(f"report written to {write_report(results)}")
    print(f"results written to {results.path}")
    return 0


def compare_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="simulate compare",
        description="Compare two scenarios (YAML files, run now) or results folders: differences B minus A "
        "in the run summaries with 95%% intervals (Welch; rupture probability: Newcombe).",
    )
    p.add_argument("a", type=Path, help="scenario file or results folder A (the reference)")
    p.add_argument("b", type=Path, help="scenario file or results folder B (the alternative)")
    p.add_argument("--replications", "-n", type=int, help="ensemble size for scenario files")
    p.add_argument("--seed", type=int, help="root seed for scenario files")
    p.add_argument("--months", type=int, help="horizon in months for scenario files")
    p.add_argument("--paired", action="store_true", help="pair replications by seed key (common random numbers)")
    p.add_argument("--metric", default="coop_rok_jpn", help="step metric drawn over time in the figure")
    p.add_argument("--out", type=Path, help="folder to write compare.png and comparison.csv into")
    return p


def load_or_run(path: Path, args: argparse.Namespace):
    """A results folder is loaded; a scenario file is run in memory."""
    from .store import load_results

    if path.is_dir():
        return load_results(path)
    return simulate(path, replications=args.replications, seed=args.seed, months=args.months)


def compare_report(table, name_a: str, name_b: str) -> str:
    """The comparison as a terminal table: means under A and B, difference B - A, 95% interval."""
    lines = [
        f"{name_b} minus {name_a} (95% intervals: {', '.join(sorted(set(table['method'])))})",
        f"{'metric':<22}{'A':>9}{'B':>9}{'B - A':>10}   95% interval",
    ]
    for r in table.itertuples():
        if r.diff != r.diff:  # NaN: no value on one side (e.g. no rupture to time)
            lines.append(f"{r.metric:<22}{'no values to compare (n_a = ' + str(r.n_a) + ', n_b = ' + str(r.n_b) + ')'}")
            continue
        lines.append(
            f"{r.metric:<22}{r.mean_a:>9.3f}{r.mean_b:>9.3f}{r.diff:>10.4f}   [{r.ci_low:.4f}, {r.ci_high:.4f}]"
        )
    lines.append(f"A = {name_a}, B = {name_b}")
    return "\n".join(lines)


def compare_main(argv: list[str]) -> int:
    from . import analysis

    args = compare_parser().parse_args(argv)
    try:
        if args.out is not None and (args.out / "comparison.csv").exists():
            raise FileExistsError(f"{args.out} already holds a comparison; choose another --out")
        a, b = load_or_run(args.a, args), load_or_run(args.b, args)
        table = analysis.compare(a, b, paired=args.paired)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    name_a, name_b = analysis.label(a, str(args.a)), analysis.label(b, str(args.b))
    if name_a == name_b:
        name_a, name_b = f"{name_a} (A)", f"{name_b} (B)"
    print(compare_report(table, name_a, name_b))
    if args.out is not None:
        from . import plots
        from .store import write_figure, write_text

        try:
            fig = plots.compare_scenarios(a, b, metric=args.metric, labels=(name_a, name_b), paired=args.paired)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        args.out.mkdir(parents=True, exist_ok=True)
        write_figure(fig, args.out / "compare.png")
        write_text(table.to_csv(index=False), args.out / "comparison.csv")
        print(f"comparison written to {args.out}")
    return 0


def entry() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())


if __name__ == "__main__":  # python -m alliance_sim.cli (used by the resume tests)
    sys.exit(main())
