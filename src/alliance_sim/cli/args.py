"""Command-line arguments of ``simulate``: the parser, its value types and one-line usage errors."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import EXIT_USAGE
from ..run import package_version
from ..sweep.executors import DASK_TIMEOUT
from ..sweep.spec import MAX_POINTS

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


PARAMETERS_HELP = (
    "each replication's coefficients: 'posterior' draws a calibrated set per replication from "
    "data/posterior/v1.csv (coefficients the scenario or --set gives are kept), 'defaults' runs the point "
    "estimates, FILE draws from another posterior CSV (default: the scenario's parameter_draws, else posterior)"
)

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
    p.add_argument(
        "--parameters",
        metavar="posterior|defaults|FILE",
        help=PARAMETERS_HELP,
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
    p.add_argument(
        "--save-trajectories",
        nargs="?",
        const="",
        metavar="METRICS",
        help="also store every replication's monthly values (float32) in trajectories.parquet: the comma-separated "
        "step metrics or driver_<term> named (default: every step metric); give it after the scenario file",
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
