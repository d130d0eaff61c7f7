"""The 2015-2021 calibration patterns as checks on a hindcast ensemble.

Each check reads the ensemble-mean series of a run of
``scenarios/hindcast/2015_2021.yaml`` and returns its figures plus whether the
pattern holds (direction and rank order, as in data/calibration/SOURCES.md).
Used by ``tests/test_hindcast.py`` and ``scripts/calibrate.py``.
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
        "5. 2019 timing",
        bool(holds),
        {"trade_by_2019": by_2019, "median_first_month": median + 1, "before_dec_2018": early},
    )


PATTERNS = (threat_spike_2017, detente_2018, dispute_2019, freeze_2020_21, timing_2019)


def check_all(scenario, trace: dict) -> list[Check]:
    """Every pattern check on one hindcast ensemble."""
    h = Hindcast(scenario, trace)
    return [p(h) for p in PATTERNS]
