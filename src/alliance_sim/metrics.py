"""Metrics: step metrics (one value per replication per month), run summaries
(one value per replication) and driver terms. Each is a named, documented
function; the registries below are built from them and feed the manifest and
the docs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import numpy as np

STEP_METRICS: dict[str, Callable] = {}
SUMMARIES: dict[str, Callable] = {}

#: Doctrine terms of the ROK-JPN cooperation change, in the order they are reported.
DRIVERS = (
    "baseline",
    "threat",
    "abandonment",
    "asymmetry",
    "grievance",
    "brokerage",
    "stance",
    "events",
    "reciprocity",
    "noise",
    "gate",
)

DRIVER_DOCS = {
    "baseline": "Pull toward the target intercept net of the current level (cha.baseline - coop) x adjustment rate.",
    "threat": "Cha/Walt: shared threat (min of ROK and JPN perceived threat).",
    "abandonment": "Cha: symmetric abandonment fear (min of the two).",
    "asymmetry": "Cha: asymmetric abandonment fear |A_ROK - A_JPN| (negative).",
    "grievance": "Cha: public antipathy toward the partner (negative).",
    "brokerage": "Patron brokerage effort.",
    "stance": "Government alignment stance.",
    "events": "Summit boosts.",
    "reciprocity": "Axelrod: the partner's last move answered in kind (tit for tat).",
    "noise": "Axelrod: misperception of the partner's move.",
    "gate": "Putnam/Fearon: the part of the move the domestic gate (or the [0,1] bound) removed.",
}


def step_metric(fn: Callable) -> Callable:
    STEP_METRICS[fn.__name__] = fn
    return fn


def summary(fn: Callable) -> Callable:
    SUMMARIES[fn.__name__] = fn
    return fn


def of_cooperation(fn: Callable) -> Callable:
    """Compute a function of ``model.coop`` once per cooperation state.

    The value is kept in ``model.coop_cache``, which the model empties whenever it
    sets ``coop``: last month's cohesion and dyads, recorded at the end of a step,
    are the ones the next step's actors read. Callers must not modify the array.
    """

    @wraps(fn)
    def cached(model, *args):
        key = (fn.__name__, *args)
        value = model.coop_cache.get(key)
        if value is None:
            value = model.coop_cache[key] = fn(model, *args)
        return value

    return cached


@of_cooperation
def dyad(model, a: str, b: str) -> np.ndarray:
    """Dyad cooperation: the mean of the two directed values."""
    return 0.5 * (model.coop[(a, b)] + model.coop[(b, a)])


@step_metric
def coop_rok_jpn(model) -> np.ndarray:
    """ROK-JPN security cooperation (intelligence sharing, exercises, summitry), 0..1."""
    return dyad(model, "ROK", "JPN")


@step_metric
def coop_rok_usa(model) -> np.ndarray:
    """ROK-USA alliance cooperation, 0..1."""
    return dyad(model, "ROK", "USA")


@step_metric
def coop_jpn_usa(model) -> np.ndarray:
    """JPN-USA alliance cooperation, 0..1."""
    return dyad(model, "JPN", "USA")


@step_metric
@of_cooperation
def cohesion(model) -> np.ndarray:
    """Trilateral cohesion: geometric mean of the three dyads, 0..1."""
    return np.cbrt(coop_rok_jpn(model) * coop_rok_usa(model) * coop_jpn_usa(model))


@step_metric
def threat_rok(model) -> np.ndarray:
    """Threat perceived by ROK from PRK and CHN (Walt), 0..1."""
    return model.actor("ROK").threat.copy()


@step_metric
def threat_jpn(model) -> np.ndarray:
    """Threat perceived by JPN from PRK and CHN (Walt), 0..1."""
    return model.actor("JPN").threat.copy()


@step_metric
def abandonment_rok(model) -> np.ndarray:
    """ROK's fear of US abandonment: 1 - perceived US commitment (Snyder), 0..1."""
    return model.actor("ROK").abandonment


@step_metric
def abandonment_jpn(model) -> np.ndarray:
    """JPN's fear of US abandonment: 1 - perceived US commitment (Snyder), 0..1."""
    return model.actor("JPN").abandonment


@step_metric
def prk_tests(model) -> np.ndarray:
    """Missiles launched by PRK this month (count)."""
    return model.actor("PRK").tests.copy()


@step_metric
def chn_pressure(model) -> np.ndarray:
    """Chinese economic and political pressure on ROK (the wedge), 0..1."""
    return model.actor("CHN").pressure.copy()


def below_threshold(trace: dict, params) -> np.ndarray:
    """Months (rows) in which ROK-JPN cooperation is below the rupture threshold."""
    return trace["coop_rok_jpn"] < params.thresholds.rupture


@summary
def cohesion_mean(trace, params) -> np.ndarray:
    """Mean trilateral cohesion over the horizon."""
    # Column-major, so every replication is summed the same way (pairwise) whatever
    # the chunk size; row-major would sum a one-column chunk differently.
    return np.asfortranarray(trace["cohesion"]).mean(axis=0)


@summary
def cohesion_min(trace, params) -> np.ndarray:
    """Lowest monthly trilateral cohesion."""
    return trace["cohesion"].min(axis=0)


@summary
def cohesion_final(trace, params) -> np.ndarray:
    """Trilateral cohesion in the last month."""
    return trace["cohesion"][-1].copy()


@summary
def rupture(trace, params) -> np.ndarray:
    """ROK-JPN cooperation fell below thresholds.rupture in at least one month."""
    return below_threshold(trace, params).any(axis=0)


@summary
def first_rupture_month(trace, params) -> np.ndarray:
    """First month (1 = the start month) below the rupture threshold; NaN (null) if none."""
    below = below_threshold(trace, params)
    return np.where(below.any(axis=0), below.argmax(axis=0) + 1.0, np.nan)


@summary
def months_in_rupture(trace, params) -> np.ndarray:
    """Number of months below the rupture threshold."""
    return below_threshold(trace, params).sum(axis=0)


@summary
def recovery_months(trace, params) -> np.ndarray:
    """Months after the largest one-month fall in cohesion until it is back to its level before the fall; NaN if never."""
    c = trace["cohesion"]
    if c.shape[0] < 2:  # a one-month horizon has no fall to recover from
        return np.full(c.shape[1], np.nan)
    fall = np.diff(c, axis=0)  # fall[t] is the change into month t + 1
    worst = fall.argmin(axis=0)  # the drop ends in month worst + 1 (0-based row)
    cols = np.arange(c.shape[1])
    before = c[worst, cols]
    rows = np.arange(c.shape[0])[:, None]
    back = (rows > worst + 1) & (c >= before)
    months = back.argmax(axis=0) - (worst + 1)
    return np.where(back.any(axis=0), months.astype(float), np.nan)


@summary
def coop_rok_jpn_final(trace, params) -> np.ndarray:
    """ROK-JPN cooperation in the last month."""
    return trace["coop_rok_jpn"][-1].copy()


def definitions() -> dict[str, dict[str, str]]:
    """Names and one-line definitions of every metric, for the manifest."""

    def first_line(fn):
        return (fn.__doc__ or "").strip().splitlines()[0]

    return {
        "step": {k: first_line(f) for k, f in STEP_METRICS.items()},
        "summary": {k: first_line(f) for k, f in SUMMARIES.items()},
        "drivers": {f"driver_{k}": v for k, v in DRIVER_DOCS.items()},
    }
