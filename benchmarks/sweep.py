"""Sweep benchmarks: memory (peak RSS) and throughput. A script that prints figures, not a test.

    python benchmarks/sweep.py                 # everything (about 10 minutes on 2 cores)
    python benchmarks/sweep.py --only memory   # peak RSS at 10,000 and 100,000 runs
    python benchmarks/sweep.py --only throughput --runs 1000000
    python benchmarks/sweep.py --only profile  # where the time of one task goes

Every sweep runs ``scenarios/base.yaml`` at 120 months with 1,000 replications per
design point, in a fresh child process so that peak RSS belongs to that sweep alone.
Peak RSS is reported for the parent (the process that schedules tasks and merges the
results) and for the largest worker. Targets: 100k-run peak <= 1.1 x 10k-run peak;
1,000,000 runs with 2 workers <= 30 s, and >= 1.8x speed-up from 1 to 2 workers.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPLICATIONS = 1000
MONTHS = 120


def spec(runs: int) -> dict:
    """A grid over base.yaml with runs / 1000 design points of 1,000 replications."""
    points = runs // REPLICATIONS
    if points >= 1000 and round(points ** (1 / 3)) ** 3 == points:
        side = round(points ** (1 / 3))
        parameters = {
            "actors.ROK.us_trust": {"low": 0.6, "high": 1.0, "steps": side},
            "actors.JPN.us_trust": {"low": 0.6, "high": 1.0, "steps": side},
            "events.prk_tests.rate_per_month": {"low": 1.0, "high": 6.0, "steps": side},
        }
    else:
        parameters = {"actors.USA.commitment": {"low": 0.5, "high": 0.95, "steps": points}}
    return {
        "scenario": str(ROOT / "scenarios" / "base.yaml"),
        "parameters": parameters,
        "replications": REPLICATIONS,
        "months": MONTHS,
        "seed": 1,
    }


def child(runs: int, workers: int) -> None:
    """Run one sweep in this (fresh) process and print its figures as JSON."""
    from alliance_sim.sweep import execute, load_sweep

    sweep = load_sweep(spec(runs))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        outcome = execute(sweep, Path(tmp) / "out", workers=workers)
        wall = time.perf_counter() - started
        assert outcome.complete and outcome.rows == runs, outcome
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    figures = {
        "runs": runs,
        "workers": workers,
        "wall": wall,
        "parent_mb": own.ru_maxrss / 1024,
        "worker_mb": kids.ru_maxrss / 1024,  # the largest worker
        "cpu": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime,
        "sys": own.ru_stime + kids.ru_stime,
        "parent_cpu": own.ru_utime + own.ru_stime,
    }
    print(json.dumps(figures))


def measure(runs: int, workers: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(runs), str(workers)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def memory() -> None:
    print(f"== memory: peak RSS, 2 workers, {REPLICATIONS} replications x {MONTHS} months per point ({load()})")
    figures = [measure(n, 2) for n in (10_000, 100_000)]
    for f in figures:
        print(
            f"{f['runs']:>9,} runs: parent {f['parent_mb']:7.1f} MB   largest worker {f['worker_mb']:7.1f} MB"
            f"   ({f['wall']:.1f} s)"
        )
    small, large = figures
    for key, label in (("parent_mb", "parent"), ("worker_mb", "worker")):
        ratio = large[key] / small[key]
        print(f"{label}: 100k / 10k = {ratio:.3f}  (target <= 1.1: {'met' if ratio <= 1.1 else 'MISSED'})")


def throughput(runs: int) -> None:
    print(
        f"== throughput: {runs:,} runs of base.yaml at {MONTHS} months ({runs // REPLICATIONS} points x {REPLICATIONS})"
    )
    print(f"   before: {load()}")
    two = measure(runs, 2)
    print(f"2 workers: {two['wall']:7.1f} s  ({runs / two['wall']:,.0f} runs/s)  target <= 30 s")
    print(f"           CPU {two['cpu']:.1f} s, {two['cpu'] / two['wall']:.2f} cores busy on average   ({load()})")
    one = measure(runs, 1)
    print(f"1 worker:  {one['wall']:7.1f} s  ({runs / one['wall']:,.0f} runs/s)")
    print(f"           CPU {one['cpu']:.1f} s, {one['cpu'] / one['wall']:.2f} cores busy on average   ({load()})")
    print(f"speed-up 1 -> 2 workers: {one['wall'] / two['wall']:.2f}x  (target >= 1.8x)")
    # Other processes on the machine take cores from the 2-worker run more than from the
    # 1-worker run; the CPU figures separate that from the sweep's own overhead.
    print(f"CPU per run, 2 workers / 1 worker: {two['cpu'] / one['cpu']:.3f} (1.0 = no parallel overhead)")


def profile(tasks: int = 20) -> None:
    """Where the time of one task (one point x 1,000 replications x 120 months) goes, in this process.

    As a sweep worker runs it: posterior draws, the spin-up start (each replication spun up by
    the first task, then kept: :data:`alliance_sim.spinup.CACHE_ROWS`), the run (in the trace arrays
    of the task before, as a worker lends them: :func:`alliance_sim.sweep.tasks.buffers`), the
    summaries, the series (an Arrow table) and the task's two parts (Arrow IPC files, the runs
    part built from its columns: :func:`alliance_sim.store.frame_table`). Stage times are the mean
    over ``tasks`` tasks after a first, untimed one.
    """
    from alliance_sim import metrics, posterior
    from alliance_sim.ensemble import build
    from alliance_sim.model import AllianceModel
    from alliance_sim.run import series_arrow
    from alliance_sim.scenario import apply_overrides
    from alliance_sim.store import frame_table, write_arrow
    from alliance_sim.sweep import load_sweep
    from alliance_sim.sweep.tasks import buffers

    sweep = load_sweep(spec((tasks + 1) * REPLICATIONS))
    values = sweep.point_values()
    draws = posterior.load_default()
    stages = dict.fromkeys(["draws+arrays", "spin-up start", "model step", "summaries", "series", "parts"], 0.0)
    with tempfile.TemporaryDirectory() as tmp:
        for p in range(tasks + 1):
            t0 = time.perf_counter()
            scenario = apply_overrides(sweep.scenario, values[p])
            parts = [(scenario, p, range(REPLICATIONS))]
            ensemble = build(parts, coefficients=draws.draw(parts).values)
            t1 = time.perf_counter()
            model = AllianceModel(scenario, ensemble=ensemble, collect=False, zero_traces=False, buffers=buffers())
            t2 = time.perf_counter()
            model.run()
            t3 = time.perf_counter()
            runs = {name: fn(model.trace, scenario.parameters) for name, fn in metrics.SUMMARIES.items()}
            trace = dict(model.trace) | {f"driver_{k}": v for k, v in model.drivers.items()}
            t4 = time.perf_counter()
            series = series_arrow(scenario, trace, p)
            t5 = time.perf_counter()
            write_arrow(frame_table(runs), Path(tmp) / "runs.arrow")
            write_arrow(series, Path(tmp) / "series.arrow")
            t6 = time.perf_counter()
            if p == 0:  # compiles or loads the month step, and spins the replications up
                continue
            for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
                stages[key] += dt
    total = sum(stages.values())
    print(f"== profile: one task = 1 point x {REPLICATIONS} replications x {MONTHS} months, mean of {tasks} ({load()})")
    for key, value in stages.items():
        print(f"{key:<14}{value / tasks * 1000:8.1f} ms  {value / total:6.1%}")
    print(f"{'total':<14}{total / tasks * 1000:8.1f} ms  -> {REPLICATIONS * tasks / total:,.0f} runs/s per core")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", choices=["memory", "throughput", "profile"])
    p.add_argument("--runs", type=int, default=1_000_000, help="runs in the throughput sweep")
    p.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.only in (None, "profile"):
        profile()
    if args.only in (None, "memory"):
        memory()
    if args.only in (None, "throughput"):
        throughput(args.runs)


if __name__ == "__main__":
    main()
