"""Random incidents: history incidents, US commitment regimes, drawn event numbers, and the
sources of uncertainty of the base scenario, each shown to be live."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from alliance_sim import load_scenario
from alliance_sim import slots as S
from alliance_sim.events import history_incidents, us_retrenchment
from alliance_sim.model import AllianceModel
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import Scenario, apply_overrides
from tests.conftest import SCENARIOS

ROK_DISPUTE = S.ROK * S.ALLY_SLOTS + S.DISPUTE
ROK_ANTIPATHY = S.ROK * S.ALLY_SLOTS + S.ANTIPATHY


def incident_month(rate, extra, bits, size, tail, cap, major, t, u):
    """ROK's dispute and antipathy after one month of the handler from a zero state."""
    s = np.zeros(S.N_SLOTS)
    a = np.array([rate, extra, float(bits), size, tail, cap, major, np.nan])
    history_incidents(s, np.zeros(1), a, t, 0, 100, u)
    return s[ROK_DISPUTE], s[ROK_ANTIPATHY]


def test_incident_counts_are_poisson_with_flashpoint_months():
    # size = cap: every incident opens exactly `size`, so the dispute counts the incidents.
    rng = np.random.default_rng(1)
    size, n = 0.01, 20_000
    for t, rate in ((0, 0.4), (1, 0.4 + 0.5)):  # bit 1 set: step 1 is a flashpoint month
        counts = np.array(
            [incident_month(0.4, 0.5, 0b10, size, 10.0, size, 2.0, t, rng.random(4))[0] / size for _ in range(n)]
        )
        assert np.allclose(counts, np.round(counts))
        pmf = stats.poisson.pmf(np.arange(3), rate)
        expected = sum(k * p for k, p in enumerate(pmf)) + 3 * (1 - pmf.sum())  # at most three a month
        sd = math.sqrt(stats.poisson.var(rate) / n)
        assert abs(counts.mean() - expected) < 4 * sd


def test_incident_sizes_have_a_pareto_tail_and_only_major_ones_raise_antipathy():
    rng = np.random.default_rng(2)
    rate, size, tail = 0.2, 0.01, 1.5
    one = (math.exp(-rate), math.exp(-rate) * (1 + rate))  # u[0] in this range: exactly one incident
    sizes, raised = [], []
    for _ in range(20_000):
        u = rng.random(4)
        u[0] = rng.uniform(*one)
        dispute, antipathy = incident_month(rate, 0.0, 0, size, tail, 1.0, 0.05, 0, u)
        sizes.append(dispute)
        raised.append(antipathy)
    sizes, raised = np.array(sizes), np.array(raised)
    assert sizes.min() >= size
    for x in (2 * size, 5 * size):  # P(size > x) = (size / x) ** tail
        share, p = (sizes > x).mean(), (size / x) ** tail
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / len(sizes))
    assert np.array_equal(raised > 0, sizes >= 0.05)
    assert np.allclose(raised[raised > 0], sizes[raised > 0])


def test_flashpoint_bits_follow_the_calendar_from_the_start_month():
    scenario = Scenario.model_validate(
        {"name": "t", "start": "2025-11", "events": {"h": {"type": "history_incidents", "from": "2025-11"}}}
    )
    bits = int(scenario.events["h"].args("2025-11")[2])
    flash = [t for t in range(24) if bits >> (t % 12) & 1]
    # steps 3, 4, 5, 9 are 2026-02, -03, -04, -08 (Feb, Mar, Apr, Aug)
    assert flash == [3, 4, 5, 9, 15, 16, 17, 21]


def test_retrenchment_is_a_markov_chain_with_its_long_run_share():
    rng = np.random.default_rng(3)
    enter, leave, months = 0.05, 0.2, 200_000
    s = np.zeros(S.N_SLOTS)
    a = np.array([enter, leave, 0.1, 0.5, 0.0, np.nan, np.nan, np.nan])
    regime = np.empty(months)
    for t in range(months):
        s[S.IN_RETRENCH], s[S.IN_BROKERAGE_KEPT] = 0.0, 1.0
        us_retrenchment(s, np.zeros(1), a, t, 0, months, rng.random(4))
        regime[t] = s[S.US_REGIME]
        assert s[S.IN_RETRENCH] == (0.1 if regime[t] else 0.0)
        assert s[S.IN_BROKERAGE_KEPT] == (0.5 if regime[t] else 1.0)
    assert regime[0] == 0.0  # initial: steady
    assert abs(regime.mean() - enter / (enter + leave)) < 0.02
    spells = np.diff(np.flatnonzero(np.diff(regime) != 0))[1::2]  # lengths of every other spell
    assert spells.size > 100


def test_retrenchment_cuts_commitment_and_can_stop_brokerage():
    events = {
        "r": {
            "type": "us_retrenchment",
            "from": "2025-01",
            "initial": "retrenched",
            "leave": 0.0,
            "cut": 0.2,
            "brokerage": 0.0,
        }
    }
    low = {"ROK": {"coop": {"JPN": 0.1}}, "JPN": {"coop": {"ROK": 0.1}}}  # deep below the brokerage threshold
    runs = {}
    for name, ev in (("with", events), ("without", {})):
        s = Scenario.model_validate(
            {"name": "t", "start": "2025-01", "months": 3, "replications": 50, "events": ev, "actors": low}
        )
        m = AllianceModel(s, replications=50)
        m.step()
        runs[name] = m
    usa_with, usa_without = runs["with"].actor("USA"), runs["without"].actor("USA")
    assert np.allclose(usa_without.commitment_to["ROK"] - usa_with.commitment_to["ROK"], 0.2)
    assert (usa_without.effort > 0.3).all() and (usa_with.effort == 0).all()


DRAWN = {
    "name": "t",
    "start": "2025-01",
    "months": 3,
    "replications": 4000,
    "seed": 9,
    "events": {
        "ruling": {
            "type": "history_dispute",
            "at": "2025-01",
            "magnitude": {"dist": "uniform", "low": 0.05, "high": 0.25},
        }
    },
}


def test_a_drawn_magnitude_is_one_draw_per_replication_whatever_the_chunking():
    s = Scenario.model_validate(DRAWN)
    m = AllianceModel(s, replications=np.arange(4000))
    m.step()
    # the dispute opened is the magnitude, decayed once by ladder.dispute_decay (0.1) this month
    magnitude = m.actor("ROK").dispute / 0.9
    assert stats.kstest(magnitude, stats.uniform(0.05, 0.2).cdf).pvalue > 0.001
    assert magnitude.min() >= 0.05 and magnitude.max() <= 0.25
    part = AllianceModel(s, replications=np.arange(1000, 2000))
    part.step()
    assert np.array_equal(part.actor("ROK").dispute, m.actor("ROK").dispute[1000:2000])


def test_other_events_keep_their_numbers_when_a_key_is_drawn():
    test = {"type": "nuclear_test", "from": "2025-01", "probability": 0.5}
    shocked = []
    for magnitude in (0.15, DRAWN["events"]["ruling"]["magnitude"]):
        events = {"ruling": {**DRAWN["events"]["ruling"], "magnitude": magnitude}, "test": test}
        m = AllianceModel(Scenario.model_validate({**DRAWN, "events": events}), replications=4000)
        m.step()
        shocked.append(m.actor("PRK").shock > 0)
    assert 0.45 < shocked[0].mean() < 0.55
    assert np.array_equal(*shocked)  # the same futures see the nuclear test


@pytest.mark.parametrize(
    "value, message",
    [
        ({"dist": "uniform", "low": 0.1, "high": 3}, "reach outside the key's range [0.0, 1.0]"),
        ({"dist": "normal", "mean": 2, "sd": 0.1}, "centre 2 lies outside"),
        ({"dist": "gamma", "shape": 2}, "does not match any of the expected tags"),
        ({"dist": "uniform", "low": 0.1}, "events.ruling.magnitude.uniform.high: required key is missing"),
    ],
)
def test_a_bad_distribution_names_file_line_and_key(tmp_path, value, message):
    from alliance_sim.errors import ScenarioError

    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nstart: 2025-01\nevents:\n  ruling:\n    type: history_dispute\n    at: 2025-03\n"
        f"    magnitude: {value}\n"
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"{path}:7" in text and "events.ruling.magnitude" in text and message in text


# ---- the sources of uncertainty of the base scenario are each live


def spread(scenario, metric, month):
    _, trace = run_ensemble(scenario, 0, range(2000))
    return trace[metric][month].std()


#: ROK-JPN below the US brokerage threshold, the US retrenching in half the futures
LOW = {
    "spin_up": None,  # start from these values, not from the spin-up's end state
    "actors.ROK.coop.JPN": 0.3,
    "actors.JPN.coop.ROK": 0.3,
    "events.us_retrenchment.enter": 0.02,
    "events.us_retrenchment.leave": 0.02,
}
#: source: (overrides of base that switch it off, metric, month, overrides of base that set the stage)
SWITCHES = {
    "history incidents": (
        {"events.history_incidents.rate_per_month": 0.0, "events.history_incidents.flashpoint_rate": 0.0},
        "coop_rok_jpn",
        59,
        {},
    ),
    "PRK nuclear-test chance": ({"events.prk_nuclear_test.probability": 0.0}, "threat_rok", 59, {}),
    "US commitment regimes": (
        {"events.us_retrenchment.enter": 0.0, "events.us_retrenchment.initial": "steady"},
        "abandonment_rok",
        59,
        {},
    ),
    # the US brokers less while it retrenches: felt while ROK-JPN is low enough to need brokering
    "whether the US brokers": ({"events.us_retrenchment.brokerage": 1.0}, "coop_rok_jpn", 3, LOW),
    "leader types": ({"parameters.positions.spread": 0.0}, "coop_rok_jpn", 59, {}),
}


@pytest.mark.parametrize("source", SWITCHES)
def test_switching_a_source_of_uncertainty_off_narrows_the_spread(source):
    off, metric, month, stage = SWITCHES[source]
    base = apply_overrides(load_scenario(SCENARIOS / "base.yaml"), stage)
    on_sd, off_sd = spread(base, metric, month), spread(apply_overrides(base, off), metric, month)
    # removing randomness narrows the spread of futures; the standard error of a standard
    # deviation of 2,000 values is about 1.6%, so a 5% narrowing (3 standard errors) is no accident
    assert off_sd < 0.95 * on_sd, (source, on_sd, off_sd)


def test_drawing_coefficients_from_the_posterior_widens_the_spread():
    # the fifth source: parameter uncertainty. The shipped posterior (not the suite's default,
    # which holds only the point estimates) against the point estimates, same seed keys.
    from alliance_sim.posterior import DEFAULT_FILE, load

    base = load_scenario(SCENARIOS / "base.yaml")
    reps = np.arange(2000)
    draws = load(DEFAULT_FILE).draw([(base, 0, reps)])
    _, drawn = run_ensemble(base, 0, reps, coefficients=draws.values)
    _, point = run_ensemble(base, 0, reps)
    assert point["coop_rok_jpn"][-1].std() < 0.9 * drawn["coop_rok_jpn"][-1].std()


def test_retrenchment_starts_in_the_first_month_of_the_run_and_ends_with_its_window():
    events = {
        "r": {
            "type": "us_retrenchment",
            "from": "2024-06",
            "to": "2025-02",
            "initial": "retrenched",
            "enter": 0.0,
            "leave": 0.0,
        }
    }
    s = Scenario.model_validate({"name": "t", "start": "2025-01", "months": 3, "events": events})
    m = AllianceModel(s, replications=8)
    m.step()
    assert (m.actor("USA").regime == 1).all()  # the window opened before the run: its first month counts
    m.step()
    m.step()
    assert (m.actor("USA").regime == 0).all()  # closed after 2025-02


def test_incident_size_above_the_cap_is_refused():
    with pytest.raises(ValueError, match="above cap"):
        Scenario.model_validate(
            {
                "name": "t",
                "start": "2025-01",
                "events": {"h": {"type": "history_incidents", "from": "2025-01", "size": 0.5, "cap": 0.4}},
            }
        )
