"""Write the results tables of docs/scenarios.md from real runs of the scenario library.

For each scenario: mean cohesion, ROK-JPN cooperation at months 12 and 60, and the
leaders' meetings a year, and the probabilities of a year without a leaders' meeting, trade
measures, security linkage and rupture (Wilson 95% interval), each with its difference from base (or, in a
``results:NAME vs OTHER`` block, from scenario OTHER: a counterfactual pair) and a 95%
interval. Every run draws each replication's coefficient set from the shipped posterior
(data/posterior/v1.csv), so the values integrate parameter uncertainty; a further column
gives the 5-95% range of each value *across* coefficient sets (64 sets x 128 futures, the
Monte Carlo part removed; see :func:`between_sets`). Scenarios share base's seed and horizon,
so replication r shares its random numbers and coefficient set with base's replication r (see
docs/scenarios.md): differences of continuous metrics use a paired t interval over the
replications (scipy.stats.ttest_rel); differences of probabilities use Newcombe's interval.
``variance:NAME`` blocks hold the variance decomposition of scenario NAME
(:mod:`alliance_sim.uncertainty`).

    python scripts/scenario_tables.py [--check]      # --check: exit 1 if the doc is stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
from scipy.stats import ttest_1samp, ttest_rel

from alliance_sim import load_scenario, metrics, uncertainty
from alliance_sim.analysis import newcombe, wilson
from alliance_sim.posterior import DEFAULT_FILE, load
from alliance_sim.run import run_ensemble

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "scenarios.md"
BLOCK = re.compile(r"(<!-- BEGIN results:(\w+)(?: vs (\w+))? -->\n)(.*?)(<!-- END results:\2(?: vs \3)? -->)", re.S)
VARIANCE = re.compile(r"(<!-- BEGIN variance:(\w+) -->\n)(.*?)(<!-- END variance:\2 -->)", re.S)
#: The design of the spread across coefficient sets: sets, futures per set.
SETS, PER_SET = 64, 128


def posterior():
    """The shipped posterior (not $ALLIANCE_SIM_POSTERIOR: the docs describe the shipped one)."""
    return load(DEFAULT_FILE)


def outcomes(name: str, sets: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per-replication outcomes of a scenario at its own seed: its own size with drawn coefficient sets,
    or (``sets``) one future per entry, running that coefficient set."""
    s = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    post = posterior()
    if sets is None:
        reps = np.arange(s.replications)
        coefficients = post.draw([(s, 0, reps)]).values
    else:
        reps = np.arange(len(sets))
        coefficients = {path: post.table[sets, j] for j, path in enumerate(post.columns)}
    runs, trace = run_ensemble(s, 0, reps, coefficients=coefficients)
    return {
        "mean cohesion": runs["cohesion_mean"].to_numpy(),
        "ROK-JPN, month 12": trace["coop_rok_jpn"][11],
        "ROK-JPN, month 60": trace["coop_rok_jpn"][59],
        "leaders' meetings a year": runs["meetings_per_year"].to_numpy(),
        "year without a leaders' meeting": runs["year_without_meeting"].to_numpy(),
        "trade measures": runs["trade_measures_ever"].to_numpy(),
        "security linkage": runs["security_linkage_ever"].to_numpy(),
        "rupture": runs["rupture"].to_numpy(),
    } | (  # only where an agreement is in force: elsewhere it cannot happen, by construction
        {"agreement repudiated": runs["agreement_repudiated_ever"].to_numpy()}
        if "agreement_repudiated_ever" in metrics.possible_observables(ev.type for ev in s.events.values())
        else {}
    )


def between_sets(name: str) -> dict[str, tuple[float, float]]:
    """The 5-95% range of each metric's value across coefficient sets.

    :data:`SETS` sets spread over the posterior file, :data:`PER_SET` futures each (seed keys
    0..SETS*PER_SET-1). Each set's mean carries Monte Carlo noise (a probability from 128
    futures is off by up to 0.044), which is not parameter uncertainty: the set means are
    shrunk toward their grand mean by sqrt(between / total), where between is the variance of
    the set means less the mean within-set variance over PER_SET (empirical Bayes, method of
    moments), and the range is taken over the shrunk means.
    """
    post = posterior()
    chosen = np.linspace(0, post.sets - 1, SETS).round().astype(np.int64)
    values = outcomes(name, np.repeat(chosen, PER_SET))
    out = {}
    for metric, x in values.items():
        per_set = np.asarray(x, dtype=float).reshape(SETS, PER_SET)
        means = per_set.mean(axis=1)
        total = means.var(ddof=1)
        between = max(total - per_set.var(axis=1, ddof=1).mean() / PER_SET, 0.0)
        shrunk = means.mean() + (means - means.mean()) * (np.sqrt(between / total) if total > 0 else 0.0)
        out[metric] = (float(np.percentile(shrunk, 5)), float(np.percentile(shrunk, 95)))
    return out


def table(name: str, own: dict, base: dict, spread: dict, against: str = "base") -> str:
    rows = [
        f"| metric | value (95% interval) | across coefficient sets (5-95%) | difference from {against} (95% interval) |",
        "|---|---|---|---|",
    ]
    for metric, x in own.items():
        b = base.get(metric, np.zeros_like(x))  # an outcome the other scenario cannot have: none there
        sd = f"{spread[metric][0]:.3f} to {spread[metric][1]:.3f}"
        if x.dtype == bool:  # an observable event: its probability over the horizon
            k, n, kb = int(x.sum()), len(x), int(b.sum())
            lo, hi = wilson(k, n)
            d, dlo, dhi = newcombe(kb, len(b), k, n)
            dtext = "—" if name == against else f"{d:+.3f} ({dlo:+.3f} to {dhi:+.3f})"
            rows.append(f"| {metric} probability | {k / n:.3f} ({lo:.3f} to {hi:.3f}) | {sd} | {dtext} |")
            continue
        ci = ttest_1samp(x, 0).confidence_interval() if x.std() > 0 else None
        value = f"{x.mean():.3f}" + (f" ({ci.low:.3f} to {ci.high:.3f})" if ci else "")
        if name == against:
            rows.append(f"| {metric} | {value} | {sd} | — |")
            continue
        diff = ttest_rel(x, b).confidence_interval() if np.any(x != b) else None
        dtext = f"{(x - b).mean():+.3f}" + (f" ({diff.low:+.3f} to {diff.high:+.3f})" if diff else "")
        rows.append(f"| {metric} | {value} | {sd} | {dtext} |")
    return "\n".join(rows)


def render(text: str) -> str:
    cache: dict[str, dict] = {}

    def of(name: str) -> dict:
        if name not in cache:
            cache[name] = outcomes(name)
        return cache[name]

    def block(m: re.Match) -> str:
        name, against = m.group(2), m.group(3) or "base"
        return m.group(1) + table(name, of(name), of(against), between_sets(name), against) + "\n" + m.group(5)

    def variance(m: re.Match) -> str:
        s = load_scenario(ROOT / "scenarios" / f"{m.group(2)}.yaml")
        frame = uncertainty.decompose(s, posterior(), base=uncertainty.DOCS_BASE)
        return m.group(1) + uncertainty.table(frame) + "\n" + m.group(4)

    return VARIANCE.sub(variance, BLOCK.sub(block, text))


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
