"""Where the spread of futures comes from: a variance decomposition over parameters, incidents and noise.

Each future of a scenario is a function of three groups of random inputs:

- **parameters**: its coefficient set (a row of the posterior; a single set, so no variance,
  when the run uses the point estimates);
- **incidents**: what happens, the numbers of the incident streams (every event's stream:
  history incidents, nuclear tests, US regimes, elections and the new leaders' positions,
  event numbers drawn from distributions; and PRK's launch counts);
- **noise**: month-to-month noise, the numbers of the noise streams (misperception,
  approval shocks, steps on the escalation ladder, leaders' meetings, repudiations of an
  agreement).

The engine addresses the two groups of streams by separate replication words
(:class:`alliance_sim.ensemble.Ensemble` ``addresses``), so a group can be held fixed while
the others change. Each group is one factor of a Sobol' design (SALib's sampler, base size
N, a power of two): a row's three uniforms pick its coefficient set and the two 32-bit
replication words of its streams. The N (3 + 2) rows run as one ensemble, and SALib's
analysis gives, per outcome, each group's first-order index (the share of the variance its
inputs explain alone; Saltelli et al. 2010) and total index (with its interactions; Jansen
1999), with bootstrap 95% intervals. The indices of an observable event decompose the
variance p (1 - p) of its indicator: a parameter share near 1 says that the event's
probability is set by the coefficients, near 0 that it is down to what happens.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analysis
from SALib.sample import sobol as sobol_sample

from . import metrics
from .ensemble import build
from .posterior import Posterior, load, pinned
from .run import run_ensemble
from .scenario import Scenario

GROUPS = ("parameters", "incidents", "noise")
PROBLEM = {"num_vars": len(GROUPS), "names": list(GROUPS), "bounds": [[0.0, 1.0]] * len(GROUPS)}
#: Base size of the decompositions in docs/scenarios.md (their runs: 5 times as many).
DOCS_BASE = 2048
#: Fewest futures on each side (with and without the event) for the indices of an indicator.
MIN_EVENTS = 100


def outcomes(runs: pd.DataFrame, trace: dict, scenario: Scenario) -> dict[str, np.ndarray]:
    """The decomposed outcomes per replication: ROK-JPN at the horizon, then each observable event
    the scenario can show (:func:`alliance_sim.metrics.possible_observables`)."""
    values = {"ROK-JPN, final month": trace["coop_rok_jpn"][-1]}
    possible = metrics.possible_observables(ev.type for ev in scenario.events.values())
    for name, (short, _) in metrics.OBSERVABLES.items():
        if name in runs and name in possible:
            values[f"{short} probability"] = runs[name].to_numpy(dtype=float)
    return values


def design(base: int, sets: int, seed: int) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows' coefficient-set indices (None without sets) and stream addresses (rows, 2)."""
    x = sobol_sample.sample(PROBLEM, base, calc_second_order=False, scramble=True, seed=seed)
    addresses = np.floor(x[:, 1:] * 2.0**32).astype(np.int64)
    return (np.floor(x[:, 0] * sets).astype(np.int64) if sets >= 1 else None), addresses


def decompose(
    scenario: Scenario,
    posterior: Posterior | None = None,
    base: int = 1024,
    seed: int | None = None,
    held: Iterable[str] | None = None,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of parameters, incidents and noise, per outcome.

    ``posterior``: the coefficient sets to draw from (the coefficients the scenario sets are
    held, as in a run); None: the scenario's point estimates.
    Runs ``base * 5`` futures. One row per outcome and group: ``first_order``, ``total`` and
    their 95% half-widths, with the outcome's ``mean`` and ``variance``; NaN indices for an
    outcome without variance, or an event seen (or missed) in fewer than :data:`MIN_EVENTS` futures.
    """
    if base < 2 or base & (base - 1):
        raise ValueError(f"base must be a power of two of at least 2, got {base}")
    seed = scenario.seed if seed is None else seed
    index, addresses = design(base, 0 if posterior is None else posterior.sets, seed)
    coefficients = None
    if posterior is not None and index is not None:
        held = set(pinned(scenario) if held is None else held)
        coefficients = {path: posterior.table[index, j] for j, path in enumerate(posterior.columns) if path not in held}
    ensemble = build([(scenario, 0, np.arange(len(addresses)))], coefficients, addresses)
    runs, trace = run_ensemble(scenario, ensemble=ensemble)
    rows = []
    for name, y in outcomes(runs, trace, scenario).items():
        y = np.asarray(y, dtype=float)
        binary = np.isin(y, (0.0, 1.0)).all()
        seen = min(int(y.sum()), int((1 - y).sum())) if binary else len(y)
        if y.var() > 0 and seen >= MIN_EVENTS:
            s = sobol_analysis.analyze(PROBLEM, y, calc_second_order=False, seed=seed)
            found = list(zip(s["S1"], s["S1_conf"], s["ST"], s["ST_conf"], strict=True))
        else:
            found = [(np.nan,) * 4] * len(GROUPS)
        for group, (s1, s1_conf, st, st_conf) in zip(GROUPS, found, strict=True):
            rows.append(
                {
                    "outcome": name,
                    "group": group,
                    "first_order": s1,
                    "first_order_conf": s1_conf,
                    "total": st,
                    "total_conf": st_conf,
                    "mean": y.mean(),
                    "variance": y.var(),
                }
            )
    return pd.DataFrame(rows)


def of_results(results, base: int = 1024) -> pd.DataFrame:
    """:func:`decompose` for a scenario run's results: its resolved scenario, the posterior it drew from and
    the coefficients it held (from the manifest)."""
    scenario = Scenario.model_validate(results.manifest["scenario"])  # resolved: every key set
    info = results.manifest.get("parameter_draws") or {"mode": "defaults"}
    posterior = None if info.get("mode") == "defaults" else load(info["file"], info["sha256"])
    return decompose(scenario, posterior, base=base, held=info.get("held", []))


def table(frame: pd.DataFrame) -> str:
    """A Markdown table: per outcome, each group's first-order and total share of the variance (95% half-widths)."""
    lines = [
        "| outcome | mean | " + " | ".join(f"{g}: first order; total" for g in GROUPS) + " |",
        "|---|---|" + "---|" * len(GROUPS),
    ]
    for name, rows in frame.groupby("outcome", sort=False):
        cells = []
        for r in rows.itertuples():
            if r.first_order != r.first_order:
                cells.append("— (too few futures on one side)")
                continue
            cells.append(
                f"{max(r.first_order, 0):.2f} ± {r.first_order_conf:.2f}; {min(max(r.total, 0), 1):.2f} ± {r.total_conf:.2f}"
            )
        lines.append(f"| {name} | {rows['mean'].iloc[0]:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: How to read the table, for the report and the docs.
READING = (
    "Share of the variance of each outcome across futures that comes from each group of inputs "
    "(Sobol' indices over three groups: the coefficient set drawn from the posterior, the incident "
    "streams, the noise streams; see `alliance_sim.uncertainty`). First order: the group alone; "
    "total: with its interactions. First-order shares add up to at most 1; the rest is interaction. "
    "Negative estimates are shown as 0, totals are capped at 1; ± is the 95% bootstrap half-width."
)
