"""Memory of single runs: ``estimate_memory`` against the peak traced by tracemalloc, and peak RSS.

    python benchmarks/memory.py            # the grid below, about two minutes on 2 cores
    python benchmarks/memory.py --big      # also 1,000,000 x 120 months (about 5 minutes, < 1 GB)

Each case runs base.yaml in a fresh child process, so peak RSS belongs to that run
alone (RSS adds about 200 MiB of interpreter and libraries to the traced peak).
``estimate_memory`` is meant to stay within 10% of the traced peak.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from alliance_sim.jit import warm

ROOT = Path(__file__).resolve().parents[1]

#: (replications, months, chunk, quantiles or None, trajectories or None)
CASES = [
    (1_000, 24, 5_000, None, None),
    (2_000, 60, 5_000, None, None),
    (10_000, 60, 1_000, None, None),
    (5_000, 60, 700, None, None),
    (40_000, 12, 5_000, None, None),
    (40_000, 12, 40_000, None, None),
    (20_000, 60, 1_000, None, None),
    (15_000, 120, 5_000, None, None),
    (30_000, 120, 7_777, None, None),
    (10_000, 60, 5_000, None, "cohesion"),
    (3_000, 60, 700, None, "cohesion,driver_gate,driver_noise"),
    (20_000, 120, 5_000, None, ""),
]

CHILD = """
import json, resource, sys, tempfile, time, tracemalloc, warnings
from pathlib import Path
warnings.simplefilter("ignore")
from alliance_sim import load_scenario
from alliance_sim.run import estimate_memory, simulate
from alliance_sim.trajectories import choose
r, months, chunk, quantiles, stored = json.loads(sys.argv[1])
scenario = load_scenario(sys.argv[2]).model_copy(update={"replications": r, "months": months})
names = choose(stored)
out = Path(tempfile.mkdtemp()) / "out" if names else None
tracemalloc.start()
started = time.perf_counter()
simulate(scenario, chunk=chunk, quantiles=quantiles, trajectories=names, out=out, max_memory=float("inf"),
         parameters="defaults")  # point estimates: a posterior adds estimate_memory(..., drawn=columns)
wall = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"estimate": estimate_memory(scenario, None, chunk, quantiles, len(names)),
                  "traced": peak, "rss": rss, "wall": wall}))
"""


def measure(case) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(case), str(ROOT / "scenarios" / "base.yaml")],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also run 1,000,000 replications x 120 months")
    args = parser.parse_args()
    cases = CASES + ([(1_000_000, 120, 5_000, None, None)] if args.big else [])
    warm()  # compile the month step once (disk cache), so that no case counts the compiler's memory
    mib = 2**20
    print(
        f"{'replications':>12} {'months':>6} {'chunk':>6} {'quantiles':<9} {'trajectories':<14} "
        f"{'estimate':>9} {'traced':>9} {'ratio':>6} {'RSS':>9} {'wall':>7}"
    )
    for case in cases:
        r, months, chunk, quantiles, stored = case
        m = measure(case)
        label = "-" if stored is None else (stored or "all step")[:14]
        print(
            f"{r:>12,} {months:>6} {chunk:>6,} {quantiles or 'auto':<9} {label:<14} {m['estimate'] / mib:>7.1f}Mi {m['traced'] / mib:>7.1f}Mi "
            f"{m['traced'] / m['estimate']:>6.3f} {m['rss'] / mib:>7.0f}Mi {m['wall']:>6.1f}s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
