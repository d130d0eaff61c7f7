"""Grid search of the hindcast coefficients against the 2015-2021 patterns.

Runs scenarios/hindcast/2015_2021.yaml for every combination in GRID (R replications
each) and prints how many of the patterns hold, best first, then the checks
for the current defaults. Only 2015-2021 is used; 2022-2025 is held out.

    python scripts/calibrate.py [--replications 300] [--top 20]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from alliance_sim import load_scenario, patterns
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import apply_overrides

HINDCAST = Path(__file__).resolve().parents[1] / "scenarios" / "hindcast" / "2015_2021.yaml"
GRID = {
    "parameters.axelrod.reciprocity": [0.2, 0.4, 0.6],
    "parameters.axelrod.forgiveness": [0.0, 0.3],
    "parameters.axelrod.adjustment_rate": [0.04, 0.06, 0.1],
    "parameters.cha.stance": [0.1, 0.2],
    "parameters.cha.grievance": [0.4, 0.6, 0.8],
    "parameters.cha.shared_threat": [0.4, 0.6],
    "parameters.cha.brokerage": [0.6, 1.0],
}


def evaluate(scenario, replications: int) -> list[patterns.Check]:
    _, trace = run_ensemble(scenario, 0, range(replications))
    return patterns.check_all(scenario, trace)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=300)
    ap.add_argument("--top", type=int, default=20)
    args = ap.parse_args()
    base = load_scenario(HINDCAST)
    rows = []
    for values in itertools.product(*GRID.values()):
        checks = evaluate(apply_overrides(base, dict(zip(GRID, values, strict=True))), args.replications)
        rows.append((sum(c.holds for c in checks), values, "".join("x" if c.holds else "." for c in checks)))
    rows.sort(key=lambda r: -r[0])
    names = [k.split(".", 1)[1] for k in GRID]
    every = len(patterns.PATTERNS)
    print(f"{len(rows)} combinations; all {every} patterns hold in {sum(r[0] == every for r in rows)}")
    print("held  patterns  " + "  ".join(names))
    for held, values, marks in rows[: args.top]:
        print(f"{held:>4}  {marks:>8}  " + "  ".join(f"{v:>{len(n)}g}" for v, n in zip(values, names, strict=True)))
    for key in GRID:
        share = {v: sum(r[0] == every for r in rows if r[1][list(GRID).index(key)] == v) for v in GRID[key]}
        print(f"all-pass count by {key}: {share}")
    print("\ncurrent defaults:")
    for c in evaluate(base, args.replications):
        figures = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in c.figures.items())
        print(f"  {'holds ' if c.holds else 'FAILS '} {c.name}: {figures}")


if __name__ == "__main__":
    main()
