"""``simulate compare A B``: two scenarios or results folders side by side."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import EXIT_OK, EXIT_USAGE
from ..run import simulate
from ..scenario import ScenarioError
from .args import PARAMETERS_HELP, Parser


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
    p.add_argument("--parameters", metavar="posterior|defaults|FILE", help="for scenario files: " + PARAMETERS_HELP)
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
    from ..store import load_results

    if path.is_dir():
        return load_results(path)
    return simulate(
        path, replications=args.replications, seed=args.seed, months=args.months, parameters=args.parameters
    )


def compare_report(table, name_a: str, name_b: str, pairing: str = "") -> str:
    """The comparison as a terminal table: means under A and B, difference B - A, 95% interval."""
    lines = [
        f"{name_b} minus {name_a} (95% intervals: {', '.join(sorted(set(table['method'])))})",
        *([pairing] if pairing else []),
    ]
    width = max(22, *(len(m) + 2 for m in table["metric"]))
    lines.append(f"{'metric':<{width}}{'A':>9}{'B':>9}{'B - A':>10}   95% interval")
    for r in table.itertuples():
        if r.diff != r.diff:  # NaN: no value on one side (e.g. no rupture to time)
            lines.append(f"{r.metric:<{width}}no values to compare (n_a = {r.n_a}, n_b = {r.n_b})")
            continue
        interval = (
            f"[{r.ci_low:.4f}, {r.ci_high:.4f}]"
            if r.ci_low == r.ci_low
            else f"too few values for an interval (n_a = {r.n_a}, n_b = {r.n_b})"
        )
        lines.append(f"{r.metric:<{width}}{r.mean_a:>9.3f}{r.mean_b:>9.3f}{r.diff:>10.4f}   {interval}")
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
    from .. import analysis, metrics

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
        from .. import plots
        from ..store import write_figure, write_text

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
