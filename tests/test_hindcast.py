"""Pattern-oriented calibration: the 2015-2021 hindcast reproduces the direction and
rank order of the record (data/calibration/SOURCES.md). Inputs only are encoded;
export controls and the GSOMIA decision are outcomes and are not."""

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from alliance_sim import load_scenario, patterns
from alliance_sim.model import AllianceModel
from alliance_sim.run import run_ensemble

HINDCAST = ROOT / "scenarios" / "hindcast" / "2015_2021.yaml"
R = 500


@pytest.fixture(scope="module")
def hindcast():
    s = load_scenario(HINDCAST)
    _, trace = run_ensemble(s, 0, range(R))
    return patterns.Hindcast(s, trace)


def test_outcome_events_are_not_encoded():
    timeline = pd.read_csv(ROOT / "data" / "calibration" / "timeline.csv")
    outcome_months = set(timeline.loc[timeline.role == "outcome", "date"])
    assert outcome_months == {"2019-07", "2019-08"}
    dated = {name: getattr(e, "at", None) for name, e in load_scenario(HINDCAST).events.items()}
    assert not {name for name, at in dated.items() if at in outcome_months}


def test_launch_rates_follow_the_yearly_counts():
    # The note column holds an unquoted comma in the 2017 row, so read the first two fields only.
    rows = (ROOT / "data" / "calibration" / "prk_missile_launches.csv").read_text().splitlines()[1:]
    counts = {int(r.split(",")[0]): int(r.split(",")[1]) for r in rows}
    events = load_scenario(HINDCAST).events
    for year in (2016, 2017, 2019, 2020, 2021):
        assert events[f"launches_{year}"].rate_per_month == pytest.approx(counts[year] / 12, abs=0.01)
    assert not any(getattr(e, "from_", "").startswith("2018") for e in events.values() if e.type == "missile_tests")


@pytest.mark.parametrize("check", patterns.PATTERNS, ids=lambda c: c.__name__)
def test_pattern_holds(hindcast, check):
    result = check(hindcast)
    assert result.holds, result.figures


def test_pattern1_rok_entrapment_rises_with_thaad():
    s = load_scenario(HINDCAST)
    model = AllianceModel(s, replications=100)
    entrapment = []
    for _ in range(36):
        model.step()
        entrapment.append(model.actor("ROK").entrapment.mean())
    assert np.mean(entrapment[24:36]) > np.mean(entrapment[0:12]) + 0.02


def test_checks_fail_on_a_flat_history(hindcast):
    # The checks can fail: a trace with no movement at all meets none of the patterns.
    flat = {k: np.full_like(v, 0.5) for k, v in hindcast.trace.items()}
    assert not any(c.holds for c in patterns.check_all(hindcast.s, flat))
