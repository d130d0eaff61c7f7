"""Metrics: step metrics (one value per replication per month), run summaries
(one value per replication) and driver terms. Each is a named, documented
function; the registries below are built from them and feed the manifest and
the docs. A step metric is a compiled function of one replication's state
row; :func:`record` writes them all each month inside the month step.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import slots as S
from .jit import cbrt, njit

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
    "linkage",
    "reciprocity",
    "noise",
    "ratchet",
    "gate",
)

DRIVER_DOCS = {
    "baseline": "Pull toward the target intercept net of the current level (cha.baseline - coop) x adjustment rate.",
    "threat": "Cha/Walt: shared threat (min of ROK and JPN perceived threat).",
    "abandonment": "Cha: symmetric abandonment fear (min of the two).",
    "asymmetry": "Cha: asymmetric abandonment fear |A_ROK - A_JPN| (negative).",
    "grievance": "Cha: public antipathy toward the partner (negative).",
    "brokerage": "Patron brokerage effort.",
    "stance": "Cha: the two governments' joint position on the history axis (hawk -1 .. pragmatist +1).",
    "events": "Summit boosts.",
    "linkage": "Issue linkage: trade measures or security linkage in force (negative).",
    "reciprocity": "Axelrod: the partner's last move answered in kind (tit for tat).",
    "noise": "Axelrod: misread partner's moves (mostly cooperation read as defection), as answered.",
    "ratchet": "Institutions: the part of a cooling move the institutional stock held back (positive).",
    "gate": "Putnam/Fearon: the part of the move the domestic gate (or the [0,1] bound) removed.",
}


def step_metric(fn: Callable) -> Callable:
    STEP_METRICS[fn.__name__] = fn
    return fn


def summary(fn: Callable) -> Callable:
    SUMMARIES[fn.__name__] = fn
    return fn


@njit
def dyad(s, i, j):
    """Dyad cooperation: the mean of the two directed values (0 ROK, 1 JPN, 2 USA)."""
    return 0.5 * (s[S.COOP + 3 * i + j] + s[S.COOP + 3 * j + i])


@step_metric
@njit
def coop_rok_jpn(s):
    """ROK-JPN security cooperation (intelligence sharing, exercises, summitry), 0..1."""
    return dyad(s, S.ROK, S.JPN)


@step_metric
@njit
def coop_rok_usa(s):
    """ROK-USA alliance cooperation, 0..1."""
    return dyad(s, S.ROK, S.USA)


@step_metric
@njit
def coop_jpn_usa(s):
    """JPN-USA alliance cooperation, 0..1."""
    return dyad(s, S.JPN, S.USA)


@step_metric
@njit
def cohesion(s):
    """Trilateral cohesion: geometric mean of the three dyads, 0..1."""
    # at most 1: the C library's cube root of 1 - 2 ulp is 1 + 1 ulp
    return min(cbrt(coop_rok_jpn(s) * coop_rok_usa(s) * coop_jpn_usa(s)), 1.0)


@step_metric
@njit
def threat_rok(s):
    """Threat perceived by ROK from PRK and CHN (Walt), 0..1."""
    return s[S.ROK * S.ALLY_SLOTS + S.THREAT]


@step_metric
@njit
def threat_jpn(s):
    """Threat perceived by JPN from PRK and CHN (Walt), 0..1."""
    return s[S.JPN * S.ALLY_SLOTS + S.THREAT]


@step_metric
@njit
def abandonment_rok(s):
    """ROK's fear of US abandonment: 1 - perceived US commitment (Snyder), 0..1."""
    return 1.0 - s[S.ROK * S.ALLY_SLOTS + S.PERCEIVED]


@step_metric
@njit
def abandonment_jpn(s):
    """JPN's fear of US abandonment: 1 - perceived US commitment (Snyder), 0..1."""
    return 1.0 - s[S.JPN * S.ALLY_SLOTS + S.PERCEIVED]


@step_metric
@njit
def prk_tests(s):
    """Missiles launched by PRK this month (count)."""
    return s[S.PRK_TESTS]


@step_metric
@njit
def chn_pressure(s):
    """Chinese economic and political pressure on ROK (the wedge), 0..1."""
    return s[S.CHN_PRESSURE]


@step_metric
@njit
def institutions(s):
    """The ROK-JPN institutional stock (pacts, data links, exercises, commitments), 0..1."""
    return s[S.INSTITUTIONS]


@step_metric
@njit
def leaders_meeting(s):
    """The ROK and JPN leaders met this month (1) or not (0)."""
    return s[S.MEETING]


leaders_meeting.indicator = True  # type: ignore[attr-defined]


@njit
def top_rung(s):
    """The higher of the two governments' rungs on the escalation ladder (2 trade measures, 3 security linkage)."""
    return max(s[S.ROK * S.ALLY_SLOTS + S.RUNG], s[S.JPN * S.ALLY_SLOTS + S.RUNG])


@step_metric
@njit
def trade_measures(s):
    """Trade measures in force between ROK and JPN this month (1) or not (0): either government on rung 2 or higher."""
    return 1.0 if top_rung(s) >= 2.0 else 0.0


trade_measures.indicator = True  # type: ignore[attr-defined]


@step_metric
@njit
def security_linkage(s):
    """Security cooperation linked to the dispute this month (a GSOMIA notice): either government on rung 3 (1) or not (0)."""
    return 1.0 if top_rung(s) >= 3.0 else 0.0


security_linkage.indicator = True  # type: ignore[attr-defined]


@step_metric
@njit
def agreement_repudiated(s):
    """A government repudiated the ROK-JPN agreements in force this month (1) or not (0)."""
    return s[S.REPUDIATED]


agreement_repudiated.indicator = True  # type: ignore[attr-defined]

#: Months without a leaders' meeting after which the diplomatic track counts as broken.
NO_MEETING_MONTHS = 12.0


@njit
def broken_tracks(s):
    """How many of the three tracks of the ROK-JPN relationship are broken this month: trade (trade
    measures in force), security (security cooperation linked to the dispute) and diplomacy (twelve
    months or more since the leaders last met). The ladder nests them: security linkage is the rung
    above trade measures, so it breaks two tracks on its own."""
    return trade_measures(s) + security_linkage(s) + (1.0 if s[S.MEETING_GAP] >= NO_MEETING_MONTHS else 0.0)


@step_metric
@njit
def rupture(s):
    """Rupture this month (1) or not (0): at least two of the three tracks broken (trade measures, security linkage, a year without a leaders' meeting)."""
    return 1.0 if broken_tracks(s) >= 2.0 else 0.0


rupture.indicator = True  # type: ignore[attr-defined]


@step_metric
@njit
def chn_ties_rok(s):
    """ROK-China political cooperation (summits, high-level exchanges), 0..1."""
    return s[S.CHN_TIES]


@step_metric
@njit
def chn_trade_rok(s):
    """ROK-China trade, an index (1 at the start of the storyline: the spin-up's start when there is one)."""
    return s[S.CHN_TRADE]


#: The step metrics :func:`record` writes, in its order (the first rows of a model's trace).
RECORDED = (
    "coop_rok_jpn",
    "coop_rok_usa",
    "coop_jpn_usa",
    "cohesion",
    "threat_rok",
    "threat_jpn",
    "abandonment_rok",
    "abandonment_jpn",
    "prk_tests",
    "chn_pressure",
    "institutions",
    "leaders_meeting",
    "trade_measures",
    "security_linkage",
    "agreement_repudiated",
    "rupture",
    "chn_ties_rok",
    "chn_trade_rok",
)


def extra_metrics() -> dict[str, Callable]:
    """Step metrics registered after the compiled ones: plain functions of the model, computed each month in Python.

    A user's own indicator (``metrics.STEP_METRICS["summit_held"] = fn``, ``fn(model)`` returning
    a vector over replications) runs this way, month by month, at Python speed.
    """
    names = list(STEP_METRICS)
    if tuple(names[: len(RECORDED)]) != RECORDED:
        raise RuntimeError(f"the compiled step metrics must come first in STEP_METRICS, in the order {RECORDED}")
    return {name: STEP_METRICS[name] for name in names[len(RECORDED) :]}


@njit(inline="always")  # a call would pass its two arrays field by field on the stack
def record(s, trace, t, r):
    """Write every step metric of state ``s`` into ``trace[:, t, r]``, in :data:`STEP_METRICS` order."""
    trace[0, t, r] = coop_rok_jpn(s)
    trace[1, t, r] = coop_rok_usa(s)
    trace[2, t, r] = coop_jpn_usa(s)
    trace[3, t, r] = cohesion(s)
    trace[4, t, r] = threat_rok(s)
    trace[5, t, r] = threat_jpn(s)
    trace[6, t, r] = abandonment_rok(s)
    trace[7, t, r] = abandonment_jpn(s)
    trace[8, t, r] = prk_tests(s)
    trace[9, t, r] = chn_pressure(s)
    trace[10, t, r] = institutions(s)
    trace[11, t, r] = leaders_meeting(s)
    trace[12, t, r] = trade_measures(s)
    trace[13, t, r] = security_linkage(s)
    trace[14, t, r] = agreement_repudiated(s)
    trace[15, t, r] = rupture(s)
    trace[16, t, r] = chn_ties_rok(s)
    trace[17, t, r] = chn_trade_rok(s)


def below_threshold(trace: dict, params) -> np.ndarray:
    """Months (rows) in which the latent ROK-JPN cooperation index is below ``thresholds.rupture``."""
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


def _first_month(flags: np.ndarray) -> np.ndarray:
    """First month (1 = the start month) a 0/1 trace is 1, per replication; NaN if never."""
    on = flags > 0
    return np.where(on.any(axis=0), on.argmax(axis=0) + 1.0, np.nan)


def _observed(metric: str, ever: str, first: str, ever_name: str | None = None) -> None:
    """Register the two run summaries of an indicator step metric: ``<metric>_ever`` (it was on in at
    least one month; or ``ever_name``) and ``first_<metric>_month``; ``ever`` and ``first`` are their
    definitions."""

    def happened(trace, params) -> np.ndarray:
        return (trace[metric] > 0).any(axis=0)

    def first_month(trace, params) -> np.ndarray:
        return _first_month(trace[metric])

    ever_name = ever_name or f"{metric}_ever"
    for fn, name, doc in ((happened, ever_name, ever), (first_month, f"first_{metric}_month", first)):
        fn.__name__ = fn.__qualname__ = name
        fn.__doc__ = doc
        summary(fn)


_observed(
    "rupture",
    "A rupture in at least one month: two of the three tracks broken at once (an observable breakdown).",
    "First month (1 = the start month) of a rupture (two of the three tracks broken); NaN (null) if none.",
    ever_name="rupture",
)


@summary
def months_in_rupture(trace, params) -> np.ndarray:
    """Number of months in rupture (two of the three tracks broken)."""
    return (trace["rupture"] > 0).sum(axis=0)


@summary
def below_threshold_ever(trace, params) -> np.ndarray:
    """The latent ROK-JPN cooperation index fell below thresholds.rupture in at least one month (a derived quantity)."""
    return below_threshold(trace, params).any(axis=0)


@summary
def first_below_threshold_month(trace, params) -> np.ndarray:
    """First month (1 = the start month) the latent ROK-JPN index was below thresholds.rupture; NaN (null) if none."""
    return _first_month(below_threshold(trace, params))


@summary
def months_below_threshold(trace, params) -> np.ndarray:
    """Number of months the latent ROK-JPN cooperation index spent below thresholds.rupture."""
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


_observed(
    "trade_measures",
    "Trade measures between ROK and JPN came into force in at least one month (an observable breakdown).",
    "First month (1 = the start month) with trade measures in force; NaN (null) if none.",
)
_observed(
    "security_linkage",
    "Security cooperation was linked to the dispute (a GSOMIA notice) in at least one month.",
    "First month (1 = the start month) with security cooperation linked to the dispute; NaN (null) if none.",
)
_observed(
    "agreement_repudiated",
    "A government repudiated the ROK-JPN agreements in force in at least one month (an observable breakdown).",
    "First month (1 = the start month) in which the agreements were repudiated; NaN (null) if never.",
)


@summary
def meetings_per_year(trace, params) -> np.ndarray:
    """ROK-JPN leaders' meetings per year of the horizon."""
    met = trace["leaders_meeting"]
    return met.sum(axis=0) * (12.0 / met.shape[0])


@summary
def year_without_meeting(trace, params) -> np.ndarray:
    """Twelve consecutive months passed without a ROK-JPN leaders' meeting (never, in a horizon under a year)."""
    met = trace["leaders_meeting"] > 0
    if met.shape[0] < 12:
        return np.zeros(met.shape[1], dtype=bool)
    # meetings in every 12-month window, from a running count
    count = np.concatenate([np.zeros((1, met.shape[1])), np.cumsum(met, axis=0)])
    return ((count[12:] - count[:-12]) == 0).any(axis=0)


@summary
def coop_rok_jpn_final(trace, params) -> np.ndarray:
    """ROK-JPN cooperation in the last month."""
    return trace["coop_rok_jpn"][-1].copy()


#: Observable breakdowns, as per-replication flags among the summaries: (short name, description).
OBSERVABLES = {
    "trade_measures_ever": ("trade measures", "trade measures between ROK and JPN"),
    "security_linkage_ever": ("security linkage", "security cooperation linked to the dispute (a GSOMIA notice)"),
    "year_without_meeting": ("year without meeting", "a year without a ROK-JPN leaders' meeting"),
    "agreement_repudiated_ever": ("agreement repudiated", "a government repudiated the ROK-JPN agreements in force"),
    "rupture": ("rupture", "rupture: two of trade measures, security linkage and a year without a meeting at once"),
}


def possible_observables(event_types) -> list[str]:
    """The observables a scenario with events of ``event_types`` can show: an agreement can only be
    repudiated where one is in force (elsewhere its probability is zero by construction)."""
    types = set(event_types)
    return [name for name in OBSERVABLES if name != "agreement_repudiated_ever" or "agreement" in types]


def definitions() -> dict[str, dict[str, str]]:
    """Names and one-line definitions of every metric, for the manifest."""

    def first_line(fn):
        return (fn.__doc__ or "").strip().splitlines()[0]

    return {
        "step": {k: first_line(f) for k, f in STEP_METRICS.items()},
        "summary": {k: first_line(f) for k, f in SUMMARIES.items()},
        "drivers": {f"driver_{k}": v for k, v in DRIVER_DOCS.items()},
    }
