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
import shlex
import sys
from pathlib import Path

from .analysis import wilson
from .errors import EXIT_BROKEN_PIPE, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .run import GIB, package_version, simulate
from .scenario import ScenarioError, apply_overrides, load_scenario, parse_override, scenario_sources
from .store import new_folder
from .sweep import SweepError, execute, is_sweep_file, load_sweep
from .sweep.executors import DASK_TIMEOUT
from .sweep.spec import MAX_POINTS
from .sweep.store import FAILURES, SWEEP_JSON
from .yamlfile import read_yaml

#: Summaries and final-month step metrics shown in the terminal table.
SHOWN_SUMMARIES = ("cohesion_mean", "cohesion_min", "cohesion_final", "coop_rok_jpn_final", "months_in_rupture")
SHOWN_FINAL = ("coop_rok_usa", "coop_jpn_usa", "threat_rok", "abandonment_rok", "abandonment_jpn", "chn_pressure")


def positive(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def gigabytes(text: str) -> float:
    """argparse type: a positive number of GiB."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of GiB, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``error: ...`` and a hint, not the whole usage block."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"error: {message}\nrun '{self.prog} --help' for the options\n")


def nonnegative(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


#: Command-line flags that set a top-level scenario field.
FLAG_FIELDS = {"--replications": "replications", "--seed": "seed", "--months": "months"}


def parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="simulate",
        description="Run an alliance-sim scenario ensemble and write a results folder.",
    )
    p.add_argument("--version", action="version", version=f"simulate {package_version()}")
    p.add_argument("file", help="scenario or sweep YAML file (a sweep file has a top-level 'sweep:' key)")
    p.add_argument("--replications", "-n", type=positive, help="ensemble size (overrides the scenario)")
    p.add_argument("--seed", type=nonnegative, help="root seed (overrides the scenario)")
    p.add_argument("--months", type=positive, help="horizon in months (overrides the scenario)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="override a dotted path"
    )
    p.add_argument("--out", type=Path, help="new or empty results folder (default: results/<name>/<timestamp>-<id>)")
    p.add_argument("--chunk", type=positive, help="replications per ensemble chunk (does not change results)")
    p.add_argument(
        "--max-memory",
        type=gigabytes,
        metavar="GB",
        help="refuse a run (for a sweep: a task) estimated to need more memory than this many GiB "
        "(default: 4, or half the RAM if that is less)",
    )
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
    p.add_argument(
        "--max-points",
        type=positive,
        default=MAX_POINTS,
        metavar="N",
        help=f"sweeps: refuse a design of more than N points (default {MAX_POINTS:,})",
    )
    p.add_argument(
        "--dask-timeout",
        type=positive,
        default=int(DASK_TIMEOUT),
        metavar="SECONDS",
        help="sweeps on Dask: how long to wait for the scheduler, or for workers once none are left (default 60)",
    )
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
    try:
        read_yaml(Path(args.file))  # within the reader's limits (size, depth, aliases) before anything else
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if is_sweep_file(args.file):
        if args.report:
            print(
                f"error: {args.file}: --report applies to scenario files; for a sweep use "
                "alliance_sim.report.write_report(load_results(DIR))",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return sweep_main(args)
    sweep_only = [f"--{k}" for k in ("workers", "scheduler", "resume") if getattr(args, k) is not None]
    if args.executor != "process":
        sweep_only.append("--executor")
    if sweep_only:
        print(f"error: {args.file}: {', '.join(sweep_only)} apply to sweep files only", file=sys.stderr)
        return EXIT_USAGE
    out = None
    try:
        overrides = dict(parse_override(o) for o in args.overrides)
        scenario = load_scenario(args.file, overrides)
        for flag, field in FLAG_FIELDS.items():
            value = getattr(args, field)
            if value is not None:
                scenario = apply_overrides(scenario, {field: value}, args.file, origin=f" (from {flag})")
        out = args.out or new_folder("results", scenario.name)
        # simulate locks the folder and checks it is new or empty before computing
        results = simulate(
            scenario,
            out=out,
            chunk=args.chunk,
            progress=not args.quiet,
            sources=scenario_sources(args.file),
            max_memory=None if args.max_memory is None else args.max_memory * GIB,
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # includes FileExistsError, NotADirectoryError, PermissionError
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
        from .report import write_report  # matplotlib loads only when a report is asked for

        print(f"report written to {write_report(results)}")
    print(f"results written to {results.path}")
    return EXIT_OK


def _resume_command(args) -> str:
    cmd = ["simulate", str(args.file)]
    for flag, value in (
        ("--replications", args.replications),
        ("--seed", args.seed),
        ("--months", args.months),
        ("--chunk", args.chunk),
        ("--workers", args.workers),
        ("--scheduler", args.scheduler),
        ("--dask-timeout", None if args.dask_timeout == int(DASK_TIMEOUT) else args.dask_timeout),
        ("--max-points", None if args.max_points == MAX_POINTS else args.max_points),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    if args.executor not in (None, "process"):
        cmd += ["--executor", args.executor]
    for o in args.overrides:
        cmd += ["--set", o]
    return shlex.join(cmd)


def sweep_main(args: argparse.Namespace) -> int:
    """``simulate SWEEP.yaml``: run a sweep from parsed command-line arguments; return the exit status.

    Exit status: 0 complete, 2 invalid input, 3 not complete (tasks failed or were not run), 130 interrupted.
    """
    folder = None
    try:
        sweep = load_sweep(
            args.file,
            replications=args.replications,
            seed=args.seed,
            months=args.months,
            chunk=args.chunk,
            overrides=args.overrides,
            max_points=args.max_points,
            max_memory=None if args.max_memory is None else args.max_memory * GIB,
        )
        if args.resume and args.out and Path(args.resume) != Path(args.out):
            raise SweepError("give either --out or --resume, not two different folders")
        folder = Path(args.resume or args.out or new_folder("results", sweep.name))
        if not args.quiet:
            print(
                f"{sweep.name}: {sweep.points} design points ({sweep.spec.sampler}) x {sweep.replications} "
                f"replications = {sweep.runs:,} runs of {sweep.scenario.months} months -> {folder}",
                file=sys.stderr,
            )
        outcome = execute(
            sweep,
            folder,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            resume=args.resume is not None,
            progress=not args.quiet,
            dask_timeout=args.dask_timeout,
        )
    except (ScenarioError, OSError) as exc:  # OSError: the folder cannot be made or written
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # a SweepInterrupted, or Ctrl-C while the pool was starting
        if folder is None or not (folder / SWEEP_JSON).exists():
            print("interrupted before the sweep started; nothing to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
        print("interrupted; completed tasks are saved. Resume with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(folder))}", file=sys.stderr)
        return EXIT_INTERRUPTED
    return _sweep_outcome(args, sweep, outcome)


def _sweep_outcome(args: argparse.Namespace, sweep, outcome) -> int:
    """Say what an execution of a sweep did; return the exit status."""
    if outcome.quarantined:
        print(
            f"{len(outcome.quarantined)} part(s) did not match the hash logged when they were written and were "
            f"moved to quarantine/ (their tasks ran again): {', '.join(outcome.quarantined[:5])}",
            file=sys.stderr,
        )
    if outcome.stopped:
        print(f"the sweep stopped early: {outcome.stopped}", file=sys.stderr)
    if not outcome.complete:
        unrun = sum(f["error"].startswith("not run") for f in outcome.failures)
        what = f"{len(outcome.failures) - unrun} task(s) failed" + (f", {unrun} not run" if unrun else "")
        print(f"{what}; {outcome.points_done} of {sweep.points} design points complete:", file=sys.stderr)
        for f in outcome.failures[:20]:
            print(f"  {f['task']} (point {f['point']}, spawn keys {f['spawn_keys']}): {f['error']}", file=sys.stderr)
        if len(outcome.failures) > 20:
            print(f"  ... and {len(outcome.failures) - 20} more", file=sys.stderr)
        print(f"tracebacks in {outcome.folder / FAILURES}; after a fix, rerun the failed tasks with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(outcome.folder))}", file=sys.stderr)
        print(f"partial results written to {outcome.folder}")
        return EXIT_INCOMPLETE
    if not outcome.executor:
        print("sweep already complete; nothing to run")
    elif not args.quiet:
        print(f"{outcome.rows:,} runs in {outcome.wall:.1f} s on {outcome.executor}")
    print(f"results written to {outcome.folder}")
    return EXIT_OK


def compare_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="simulate compare",
        description="Compare two scenarios (YAML files, run now) or results folders: differences B minus A "
        "in the run summaries with 95%% intervals. Replications are paired by seed key when both runs share "
        "them (common random numbers, as library scenarios do); otherwise Welch. Rupture probability: Newcombe.",
    )
    p.add_argument("a", type=Path, help="scenario file or results folder A (the reference)")
    p.add_argument("b", type=Path, help="scenario file or results folder B (the alternative)")
    p.add_argument("--replications", "-n", type=int, help="ensemble size for scenario files")
    p.add_argument("--seed", type=int, help="root seed for scenario files")
    p.add_argument("--months", type=int, help="horizon in months for scenario files")
    pairing = p.add_mutually_exclusive_group()
    pairing.add_argument(
        "--paired", action="store_true", help="require pairing by seed key (error if the runs do not share them)"
    )
    pairing.add_argument(
        "--unpaired", action="store_true", help="treat the runs as independent samples (Welch) even if they share seeds"
    )
    p.add_argument("--metric", default="coop_rok_jpn", help="step metric drawn over time in the figure")
    p.add_argument("--out", type=Path, help="folder to write compare.png and comparison.csv into")
    return p


def load_or_run(path: Path, args: argparse.Namespace):
    """A results folder is loaded; a scenario file is run in memory."""
    from .store import load_results

    if path.is_dir():
        return load_results(path)
    return simulate(path, replications=args.replications, seed=args.seed, months=args.months)


def compare_report(table, name_a: str, name_b: str, pairing: str = "") -> str:
    """The comparison as a terminal table: means under A and B, difference B - A, 95% interval."""
    lines = [
        f"{name_b} minus {name_a} (95% intervals: {', '.join(sorted(set(table['method'])))})",
        *([pairing] if pairing else []),
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


def pairing_note(a, b, paired: bool) -> str:
    """One line saying how the replications were matched, and why."""
    if paired:
        seeds = sorted({int(s) for s in a.runs["seed"].unique()})
        return (
            f"paired by seed key: both runs share seed {', '.join(map(str, seeds))} and every spawn key "
            "(common random numbers); --unpaired for independent-sample intervals"
        )
    return "unpaired (Welch): the runs do not share their seed keys"


def compare_main(argv: list[str]) -> int:
    from . import analysis, metrics

    args = compare_parser().parse_args(argv)
    valid = [*metrics.STEP_METRICS, *(f"driver_{d}" for d in metrics.DRIVERS)]
    if args.metric not in valid:
        # checked before any run: a typo must not cost two ensembles
        print(
            f"error: --metric: unknown step metric {args.metric!r}; choose one of {', '.join(valid)}", file=sys.stderr
        )
        return 2
    try:
        if args.out is not None and (args.out / "comparison.csv").exists():
            raise FileExistsError(f"{args.out} already holds a comparison; choose another --out")
        a, b = load_or_run(args.a, args), load_or_run(args.b, args)
        paired = False if args.unpaired else analysis.shares_seed_keys(a, b)
        if args.paired and not paired:
            raise ValueError("--paired: the two runs do not share every seed and spawn_key; drop --paired")
        table = analysis.compare(a, b, paired=paired)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    name_a, name_b = analysis.label(a, str(args.a)), analysis.label(b, str(args.b))
    if name_a == name_b:
        name_a, name_b = f"{name_a} (A)", f"{name_b} (B)"
    print(compare_report(table, name_a, name_b, pairing_note(a, b, paired)))
    if args.out is not None:
        from . import plots
        from .store import write_figure, write_text

        try:
            fig = plots.compare_scenarios(a, b, metric=args.metric, labels=(name_a, name_b), paired=paired)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        args.out.mkdir(parents=True, exist_ok=True)
        write_figure(fig, args.out / "compare.png")
        write_text(table.to_csv(index=False), args.out / "comparison.csv")
        print(f"comparison written to {args.out}")
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


if __name__ == "__main__":  # python -m alliance_sim.cli (used by the resume tests)
    entry()
