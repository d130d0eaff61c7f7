"""Throughput of the ensemble engine on scenarios/base.yaml at 120 months.

Prints runs/s for one ensemble of R = 1, 100, 1,000 and 10,000 replications on
the compiled path, the same at R = 1 and 10 on the pure-Python path (the same
functions with ``NUMBA_DISABLE_JIT=1``, in a child process), the first-run
compile time (in a child process with an empty cache), then the wall time of
one R = 1,000 ensemble against 1,000 single-replication runs (the same 1,000
futures, one model each), and their ratio; and, for reference, what a run costs the Mesa
way (a model per replication, stepped month by month with its DataCollector).

    python benchmarks/ensemble.py [--months 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from alliance_sim import load_scenario, spinup
from alliance_sim.model import AllianceModel
from alliance_sim.run import run_ensemble

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "base.yaml"


def best_of(repeat: int, fn) -> float:
    """Best wall time of ``repeat`` calls, each with an empty spin-up cache: every run spins its
    replications up (a process keeps spin-up end states, :data:`alliance_sim.spinup.CACHE_ROWS`)."""
    times = []
    for _ in range(repeat):
        spinup.clear()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def path() -> str:
    return "pure Python (NUMBA_DISABLE_JIT=1)" if os.environ.get("NUMBA_DISABLE_JIT") == "1" else "compiled"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="1,100,1000,10000", help=argparse.SUPPRESS)
    args = ap.parse_args()
    s = load_scenario(BASE, {"months": args.months})
    run_ensemble(s, 0, range(2))  # load the compiled step (or compile it) outside the timings
    sizes = [int(x) for x in args.sizes.split(",")]
    print(f"base.yaml, {args.months} months, best of {args.repeat}, path: {path()}")
    print(f"{'R':>7} {'seconds':>9} {'runs/s':>10}")
    for r in sizes:
        sec = best_of(args.repeat, lambda r=r: run_ensemble(s, 0, range(r)))
        print(f"{r:>7} {sec:>9.3f} {r / sec:>10.0f}")
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return
    child = [sys.executable, __file__, "--months", str(args.months), "--repeat", "1", "--sizes", "1,10"]
    subprocess.run(child, env={**os.environ, "NUMBA_DISABLE_JIT": "1"}, check=True)
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        warm = [sys.executable, "-c", "from alliance_sim.jit import warm; warm()"]
        subprocess.run(warm, env={**os.environ, "NUMBA_CACHE_DIR": cache}, check=True)
        print(f"first-run compile (empty cache, interpreter start included): {time.perf_counter() - started:.1f} s")
    ensemble = best_of(args.repeat, lambda: run_ensemble(s, 0, range(1000)))
    spinup.clear()
    t = time.perf_counter()
    for rep in range(1000):
        run_ensemble(s, 0, [rep])
    singles = time.perf_counter() - t
    print(f"one R=1000 ensemble: {ensemble:.3f} s; 1000 single runs: {singles:.2f} s; ratio {singles / ensemble:.0f}x")
    # For reference, the way a Mesa user steps one future at a time: a model per replication, stepped month by
    # month with its DataCollector (on by default for small models), as mesa.batch_run would run it.
    spinup.clear()
    t = time.perf_counter()
    for rep in range(100):
        AllianceModel(s, replication=rep).run()
    mesa_way = (time.perf_counter() - t) / 100
    print(
        f"Mesa way (one model per replication, stepped, DataCollector), 100 of them: {mesa_way * 1000:.1f} ms a run; "
        f"ensemble / Mesa way {mesa_way * 1000 / ensemble:.0f}x"
    )


if __name__ == "__main__":
    main()
