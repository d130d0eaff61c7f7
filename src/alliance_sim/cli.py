"""The ``simulate`` command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scipy.stats import binomtest

from .run import simulate
from .scenario import ScenarioError, load_scenario, parse_override
from .store import check_writable, new_folder
from .sweep import is_sweep_file
from .sweep import main as sweep_main

#: Summaries and final-month step metrics shown in the terminal table.
SHOWN_SUMMARIES = ("cohesion_mean", "cohesion_min", "cohesion_final", "coop_rok_jpn_final", "months_in_rupture")
SHOWN_FINAL = ("coop_rok_usa", "coop_jpn_usa", "threat_rok", "abandonment_rok", "abandonment_jpn", "chn_pressure")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="simulate",
        description="Run an alliance-sim scenario ensemble and write a results folder.",
    )
    p.add_argument("file", help="scenario or sweep YAML file (a sweep file has a top-level 'sweep:' key)")
    p.add_argument("--replications", "-n", type=int, help="ensemble size (overrides the scenario)")
    p.add_argument("--seed", type=int, help="root seed (overrides the scenario)")
    p.add_argument("--months", type=int, help="horizon in months (overrides the scenario)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE", help="override a dotted path"
    )
    p.add_argument("--out", type=Path, help="results folder (default: results/<name>/<timestamp>-<id>)")
    p.add_argument("--chunk", type=int, help="replications per ensemble chunk (does not change results)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only the results folder")
    p.add_argument("--workers", type=int, help="sweeps: parallel worker processes (default: the core count)")
    p.add_argument("--executor", choices=["process", "dask"], default="process", help="sweeps: where tasks run")
    p.add_argument("--scheduler", metavar="ADDRESS", help="sweeps: Dask scheduler address (default: a LocalCluster)")
    p.add_argument("--resume", type=Path, metavar="DIR", help="sweeps: complete an interrupted sweep in DIR")
    return p


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson 95% interval for a proportion k/n."""
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


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
    args = parser().parse_args(argv)
    if is_sweep_file(args.file):
        return sweep_main(args)
    try:
        overrides = dict(parse_override(o) for o in args.overrides)
        scenario = load_scenario(args.file, overrides)
        out = args.out or new_folder("results", scenario.name)
        check_writable(out)
        results = simulate(
            scenario,
            replications=args.replications,
            seed=args.seed,
            months=args.months,
            out=out,
            chunk=args.chunk,
            progress=not args.quiet,
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileExistsError, NotADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    results.manifest["sources"] = [str(args.file)]
    if not args.quiet:
        print(report(results))
    print(f"results written to {results.path}")
    return 0


def entry() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())


if __name__ == "__main__":  # python -m alliance_sim.cli (used by the resume tests)
    sys.exit(main())
