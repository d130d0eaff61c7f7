"""The 2015-2021 calibration patterns as checks on a hindcast ensemble.

Each check reads the ensemble-mean series of a run of
``scenarios/hindcast/2015_2021.yaml`` and returns its figures plus whether the
pattern holds (direction and rank order, as in data/calibration/SOURCES.md).
Used by ``tests/test_hindcast.py`` and ``scripts/calibrate.py --grid``; as continuous distances
(the end of this module) by :mod:`alliance_sim.abc`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .names import month_index


@dataclass(frozen=True)
class Check:
    name: str
    holds: bool
    figures: dict


class Hindcast:
    """Ensemble means of a hindcast trace, indexed by calendar month and year."""

    def __init__(self, scenario, trace: dict):
        self.s, self.trace = scenario, trace
        self.mean = {k: v.mean(axis=1) for k, v in trace.items()}

    def month(self, label: str) -> int:
        """Step index of the calendar month ``label`` (YYYY-MM)."""
        return month_index(self.s.start, label)

    def year(self, y: int) -> slice:
        return slice(self.month(f"{y}-01"), self.month(f"{y}-12") + 1)

    def avg(self, metric: str, first: str, last: str) -> float:
        return float(self.mean[metric][self.month(first) : self.month(last) + 1].mean())

    def rupture_share(self, y: int) -> float:
        below = self.trace["coop_rok_jpn"][self.year(y)] < self.s.parameters.thresholds.rupture
        return float(below.any(axis=0).mean())


def threat_spike_2017(h: Hindcast) -> Check:
    """Pattern 1: the Sep 2017 threat spike raises cohesion modestly; the US dyads stay high."""
    rise = h.avg("cohesion", "2017-10", "2017-12") - h.avg("cohesion", "2017-06", "2017-08")
    threat = h.avg("threat_rok", "2017-10", "2017-12") - h.avg("threat_rok", "2017-06", "2017-08")
    jpn_usa, rok_usa = h.avg("coop_jpn_usa", "2017-01", "2017-12"), h.avg("coop_rok_usa", "2017-01", "2017-12")
    rok_jpn = h.avg("coop_rok_jpn", "2017-01", "2017-12")
    holds = 0 < rise < 0.05 and threat > 0.1 and jpn_usa > 0.8 and rok_usa > 0.75 and rok_jpn < rok_usa
    return Check(
        "1. 2017 threat spike",
        holds,
        {"cohesion_rise": rise, "threat_rise": threat, "jpn_usa": jpn_usa, "rok_usa": rok_usa},
    )


def detente_2018(h: Hindcast) -> Check:
    """Pattern 2: ROK-JPN decays through the 2018 detente; the Oct 2018 ruling is a shock."""
    c = h.mean["coop_rok_jpn"]
    jan, sep, dec = h.month("2018-01"), h.month("2018-09"), h.month("2018-12")
    before, after = (c[jan] - c[sep]) / 8, (c[sep] - c[dec]) / 3
    return Check(
        "2. 2018 detente", bool(before > 0 and after > 2 * before), {"fall_per_month_before": before, "after": after}
    )


def dispute_2019(h: Hindcast) -> Check:
    """Pattern 3: 2019 holds the ROK-JPN minimum; the US dyads dip only slightly; no rupture in most futures."""
    c = h.mean["coop_rok_jpn"]
    low = int(np.argmin(c))
    y19, y18 = h.year(2019), h.year(2018)
    dips = {d: float(h.mean[d][y19].mean() - h.mean[d][y18].mean()) for d in ("coop_rok_usa", "coop_jpn_usa")}
    shares = {y: h.rupture_share(y) for y in range(2015, 2022)}
    holds = (
        y19.start <= low < y19.stop
        and all(abs(v) < 0.03 for v in dips.values())
        and max(shares, key=shares.__getitem__) == 2019
        and shares[2019] < 0.5
    )
    return Check("3. 2019 dispute", holds, {"minimum_month": low + 1, "dips": dips, "rupture_2019": shares[2019]})


def freeze_2020_21(h: Hindcast) -> Check:
    """Pattern 4: little recovery in 2020-21 without a change at home."""
    c = h.mean["coop_rok_jpn"]
    recovery = float(c[h.year(2021)].mean() - c.min())
    below_2018 = float(c[h.year(2018)].mean() - c[h.year(2021)].mean())
    return Check(
        "4. 2020-21 freeze", recovery < 0.05 and below_2018 > 0.02, {"recovery": recovery, "below_2018": below_2018}
    )


def timing_2019(h: Hindcast) -> Check:
    """Timing: trade measures emerge in 2019, months after the Oct 2018 ruling, in most futures.

    Japan's export controls came in July 2019, eight months after the ruling; they are an
    outcome, not encoded. Checked: trade measures by Dec 2019 in more than half the futures,
    their median first month in 2019, and hardly any (< 10%) before Dec 2018.
    """
    on = h.trace["trade_measures"] > 0
    first = np.where(on.any(axis=0), on.argmax(axis=0), np.iinfo(np.int64).max)
    by_2019 = float((first <= h.month("2019-12")).mean())
    early = float((first < h.month("2018-12")).mean())
    seen = first[first <= h.month("2021-12")]  # the futures with trade measures by the end of the hindcast
    median = float(np.median(seen)) if seen.size else np.nan
    y19 = h.year(2019)
    holds = by_2019 > 0.5 and y19.start <= median < y19.stop and early < 0.1
    return Check(
        "2019 timing",
        bool(holds),
        {"trade_by_2019": by_2019, "median_first_month": median + 1, "before_dec_2018": early},
    )


def thaad_2016_17(h: Hindcast) -> Check:
    """Pattern 5: in the 2016-17 THAAD dispute ROK-China political cooperation falls while trade keeps growing.

    Checked on the ensemble means: political cooperation in 2017 at least 0.05 below 2015, and
    trade in 2017 above 2016 (the economic and political channels are separate).
    """
    fall, growth = (float(x) for x in _thaad_figures(h))
    return Check("5. 2016-17 THAAD", fall >= 0.05 and growth > 0.0, {"ties_fall": fall, "trade_growth_2017": growth})


def _thaad_figures(h: Hindcast) -> tuple[np.ndarray, np.ndarray]:
    """The 2015-2017 fall of mean ROK-China political cooperation and the 2017 growth of mean trade over 2016."""
    ties, trade = h.mean["chn_ties_rok"], h.mean["chn_trade_rok"]
    fall = _year_mean(ties, h.year(2015)) - _year_mean(ties, h.year(2017))
    return fall, _year_mean(trade, h.year(2017)) / _year_mean(trade, h.year(2016)) - 1.0


PATTERNS = (threat_spike_2017, detente_2018, dispute_2019, freeze_2020_21, timing_2019, thaad_2016_17)


def check_all(scenario, trace: dict) -> list[Check]:
    """Every pattern check on one hindcast ensemble."""
    h = Hindcast(scenario, trace)
    return [p(h) for p in PATTERNS]


# ---------------------------------------------------------------- continuous distances
#
# The checks above as distances for approximate Bayesian computation (alliance_sim.abc):
# each condition of a check becomes a hinge, 0 while the condition holds and growing with
# the violation in units of a scale (the condition's own margin, or a typical size of the
# quantity). A pattern's distance is the sum of its hinges, and it is 0 exactly when the
# check holds: where a check fails on a tie (a comparison met with equality) the distance
# is TINY instead of 0. They take a Hindcast (one ensemble: months x R traces) or
# Candidates (many small ensembles: months x candidates x r) and return one distance per
# ensemble.

#: The distance of a failed check whose hinges are all 0 (it fails on a tie).
TINY = 1e-9


class Candidates(Hindcast):
    """Many small ensembles at once: traces of shape (months, candidates, r), one ensemble per candidate.

    The means are over each candidate's own r replications (the last axis), summed in
    replication order, so a candidate's figures do not depend on which others ran with it.
    """

    def __init__(self, scenario, trace: dict):
        self.s, self.trace = scenario, trace
        self.mean = {k: _mean_last(v) for k, v in trace.items()}


def _mean_last(v: np.ndarray) -> np.ndarray:
    total = v[..., 0].copy()
    for j in range(1, v.shape[-1]):
        total += v[..., j]
    return total / v.shape[-1]


def _relu(x) -> np.ndarray:
    return np.maximum(np.asarray(x, dtype=float), 0.0)


def _distance(holds, violation) -> np.ndarray:
    """0 where the check holds, else the violation (at least :data:`TINY`)."""
    return np.where(holds, 0.0, np.maximum(violation, TINY))


def _avg(h: Hindcast, metric: str, first: str, last: str) -> np.ndarray:
    return h.mean[metric][h.month(first) : h.month(last) + 1].mean(axis=0)


def _year_mean(c: np.ndarray, y: slice) -> np.ndarray:
    return c[y].mean(axis=0)


def threat_spike_2017_distance(h: Hindcast) -> np.ndarray:
    """Pattern 1 as a distance: cohesion rise outside (0, 0.05) in units of 0.05, ROK threat
    rise short of 0.1 in units of 0.1, US dyads short of 0.8 and 0.75 and ROK-JPN above ROK-US
    in units of 0.05."""
    rise = _avg(h, "cohesion", "2017-10", "2017-12") - _avg(h, "cohesion", "2017-06", "2017-08")
    threat = _avg(h, "threat_rok", "2017-10", "2017-12") - _avg(h, "threat_rok", "2017-06", "2017-08")
    jpn_usa, rok_usa = _avg(h, "coop_jpn_usa", "2017-01", "2017-12"), _avg(h, "coop_rok_usa", "2017-01", "2017-12")
    rok_jpn = _avg(h, "coop_rok_jpn", "2017-01", "2017-12")
    holds = (rise > 0) & (rise < 0.05) & (threat > 0.1) & (jpn_usa > 0.8) & (rok_usa > 0.75) & (rok_jpn < rok_usa)
    violation = (
        (_relu(-rise) + _relu(rise - 0.05)) / 0.05
        + _relu(0.1 - threat) / 0.1
        + (_relu(0.8 - jpn_usa) + _relu(0.75 - rok_usa) + _relu(rok_jpn - rok_usa)) / 0.05
    )
    return _distance(holds, violation)


def detente_2018_distance(h: Hindcast) -> np.ndarray:
    """Pattern 2 as a distance: a rise of ROK-JPN in Jan-Sep 2018, and a post-ruling fall short of
    twice the earlier one, in units of 0.005 a month (the size of the defaults' fall before the ruling)."""
    c = h.mean["coop_rok_jpn"]
    jan, sep, dec = h.month("2018-01"), h.month("2018-09"), h.month("2018-12")
    before, after = (c[jan] - c[sep]) / 8, (c[sep] - c[dec]) / 3
    holds = (before > 0) & (after > 2 * before)
    return _distance(holds, (_relu(-before) + _relu(2 * before - after)) / 0.005)


def dispute_2019_distance(h: Hindcast) -> np.ndarray:
    """Pattern 3 as a distance: how far the 2019 low of mean ROK-JPN sits above the period's minimum
    (units of 0.02); US-dyad dips beyond 0.03 (units of 0.03); how far another year's rupture share
    exceeds 2019's (units of 0.1), or, with no rupture in 2019 at all, how far the closest future stayed
    above the threshold (units of 0.05); a 2019 share above one half (units of 0.5)."""
    c = h.mean["coop_rok_jpn"]
    y19, y18 = h.year(2019), h.year(2018)
    low = np.argmin(c, axis=0)
    dips = [_year_mean(h.mean[d], y19) - _year_mean(h.mean[d], y18) for d in ("coop_rok_usa", "coop_jpn_usa")]
    trace, threshold = h.trace["coop_rok_jpn"], h.s.parameters.thresholds.rupture
    shares = {y: (trace[h.year(y)] < threshold).any(axis=0).mean(axis=-1) for y in range(2015, 2022)}
    earlier = np.max([shares[y] for y in range(2015, 2019)], axis=0)
    later = np.max([shares[y] for y in range(2020, 2022)], axis=0)
    s19 = shares[2019]
    closest = trace[y19].min(axis=0).min(axis=-1)
    holds = (
        (y19.start <= low)
        & (low < y19.stop)
        & np.all([np.abs(d) < 0.03 for d in dips], axis=0)
        & (s19 > earlier)
        & (s19 >= later)
        & (s19 < 0.5)
    )
    violation = (
        (c[y19].min(axis=0) - c.min(axis=0)) / 0.02
        + sum(_relu(np.abs(d) - 0.03) for d in dips) / 0.03
        + (_relu(earlier - s19) + _relu(later - s19)) / 0.1
        + np.where(s19 == 0, _relu(closest - threshold) / 0.05, 0.0)
        + _relu(s19 - 0.5) / 0.5
    )
    return _distance(holds, violation)


def freeze_2020_21_distance(h: Hindcast) -> np.ndarray:
    """Pattern 4 as a distance: 2021 recovery above 0.05 (units of 0.05) and 2021 less than 0.02 below
    2018 (units of 0.02)."""
    c = h.mean["coop_rok_jpn"]
    recovery = _year_mean(c, h.year(2021)) - c.min(axis=0)
    below_2018 = _year_mean(c, h.year(2018)) - _year_mean(c, h.year(2021))
    holds = (recovery < 0.05) & (below_2018 > 0.02)
    return _distance(holds, _relu(recovery - 0.05) / 0.05 + _relu(0.02 - below_2018) / 0.02)


def timing_2019_distance(h: Hindcast) -> np.ndarray:
    """The 2019 timing check as a distance: the share with trade measures by Dec 2019 short of one half
    (units of 0.5); the median first month outside 2019 (units of 12 months; 1 if no future has them);
    the share before Dec 2018 above 0.1 (units of 0.1)."""
    on = h.trace["trade_measures"] > 0
    first = np.where(on.any(axis=0), on.argmax(axis=0), np.iinfo(np.int64).max)
    by_2019 = (first <= h.month("2019-12")).mean(axis=-1)
    early = (first < h.month("2018-12")).mean(axis=-1)
    seen = np.where(first <= h.month("2021-12"), first, np.nan)
    any_seen = ~np.isnan(seen).all(axis=-1)
    median = np.nanmedian(np.where(any_seen[..., None], seen, 0.0), axis=-1)
    y19 = h.year(2019)
    holds = any_seen & (by_2019 > 0.5) & (y19.start <= median) & (median < y19.stop) & (early < 0.1)
    off = np.where(any_seen, (_relu(y19.start - median) + _relu(median - y19.stop)) / 12, 1.0)
    return _distance(holds, _relu(0.5 - by_2019) / 0.5 + off + _relu(early - 0.1) / 0.1)


def thaad_2016_17_distance(h: Hindcast) -> np.ndarray:
    """Pattern 5 as a distance: a 2015-2017 fall of ROK-China political cooperation short of 0.05 (units of
    0.05), and a 2017 fall of trade below 2016 (units of 1%)."""
    fall, growth = _thaad_figures(h)
    holds = (fall >= 0.05) & (growth > 0.0)
    return _distance(holds, _relu(0.05 - fall) / 0.05 + _relu(-growth) / 0.01)


DISTANCES = (
    threat_spike_2017_distance,
    detente_2018_distance,
    dispute_2019_distance,
    freeze_2020_21_distance,
    timing_2019_distance,
    thaad_2016_17_distance,
)


def distances(h: Hindcast) -> np.ndarray:
    """Every pattern's distance, (6, ...) in :data:`PATTERNS` order."""
    return np.array([d(h) for d in DISTANCES])
