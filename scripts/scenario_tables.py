"""Write the results tables of docs/scenarios.md from real runs of the scenario library.

For each scenario: mean cohesion, ROK-JPN cooperation at months 12 and 60, and the
leaders' meetings a year, and the probabilities of a year without a leaders' meeting, trade
measures, security linkage and rupture (Wilson 95% interval), each with its difference from base (or, in a
``results:NAME vs OTHER`` block, from scenario OTHER: a counterfactual pair) and a 95%
interval. Scenarios share base's seed and horizon, so replication r shares most of its
random numbers with base's replication r (see docs/scenarios.md): differences of continuous
metrics use a paired t interval over the replications (scipy.stats.ttest_rel); differences
of probabilities use Newcombe's interval.

    python scripts/scenario_tables.py [--check]      # --check: exit 1 if the doc is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from scipy.stats import ttest_1samp, ttest_rel

from alliance_sim import load_scenario
from alliance_sim.analysis import newcombe, wilson
from alliance_sim.run import run_ensemble

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"
BLOCK = re.compile(r"(<!-- BEGIN results:(\w+)(?: vs (\w+))? -->\n)(.*?)(<!-- END results:\2(?: vs \3)? -->)", re.S)


def outcomes(name: str) -> dict[str, np.ndarray]:
    """Per-replication outcomes of a scenario at its own size and seed."""
    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    runs, trace = run_ensemble(s)
    return {
        "mean cohesion": runs["cohesion_mean"].to_numpy(),
        "ROK-JPN, month 12": trace["coop_rok_jpn"][11],
        "ROK-JPN, month 60": trace["coop_rok_jpn"][59],
        "leaders' meetings a year": runs["meetings_per_year"].to_numpy(),
        "year without a leaders' meeting": runs["year_without_meeting"].to_numpy(),
        "trade measures": runs["trade_measures_ever"].to_numpy(),
        "security linkage": runs["security_linkage_ever"].to_numpy(),
        "rupture": runs["rupture"].to_numpy(),
    }


def table(name: str, own: dict, base: dict, against: str = "base") -> str:
    rows = [f"| metric | value (95% interval) | difference from {against} (95% interval) |", "|---|---|---|"]
    for metric, x in own.items():
        b = base[metric]
        if x.dtype == bool:  # an observable event: its probability over the horizon
            k, n, kb = int(x.sum()), len(x), int(b.sum())
            lo, hi = wilson(k, n)
            d, dlo, dhi = newcombe(kb, len(b), k, n)
            dtext = "—" if name == against else f"{d:+.3f} ({dlo:+.3f} to {dhi:+.3f})"
            rows.append(f"| {metric} probability | {k / n:.3f} ({lo:.3f} to {hi:.3f}) | {dtext} |")
            continue
        ci = ttest_1samp(x, 0).confidence_interval() if x.std() > 0 else None
        value = f"{x.mean():.3f}" + (f" ({ci.low:.3f} to {ci.high:.3f})" if ci else "")
        if name == against:
            rows.append(f"| {metric} | {value} | — |")
            continue
        diff = ttest_rel(x, b).confidence_interval() if np.any(x != b) else None
        dtext = f"{(x - b).mean():+.3f}" + (f" ({diff.low:+.3f} to {diff.high:+.3f})" if diff else "")
        rows.append(f"| {metric} | {value} | {dtext} |")
    return "\n".join(rows)


def render(text: str) -> str:
    cache: dict[str, dict] = {}

    def of(name: str) -> dict:
        if name not in cache:
            cache[name] = outcomes(name)
        return cache[name]

    def block(m: re.Match) -> str:
        against = m.group(3) or "base"
        return m.group(1) + table(m.group(2), of(m.group(2)), of(against), against) + "\n" + m.group(5)

    return BLOCK.sub(block, text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if docs/scenarios.md is stale")
    args = ap.parse_args()
    text = DOC.read_text(encoding="utf-8")
    new = render(text)
    if args.check:
        return int(new != text)
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
