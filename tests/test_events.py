"""Each event kind acts on the state it documents, in the month it documents."""

import re

import numpy as np
import pytest

from alliance_sim.coefficients import Parameters
from alliance_sim.events import EVENT_TYPES, DatedEvent, Event, Process
from alliance_sim.model import AllianceModel
from alliance_sim.names import month_index, month_label
from alliance_sim.scenario import Scenario

R = 64


def model_for(events, months=6, parameters=None, **actors):
    s = Scenario.model_validate(
        {
            "name": "t",
            "start": "2025-01",
            "months": months,
            "replications": R,
            "seed": 3,
            "events": events,
            "actors": actors,
            "parameters": parameters or {},
        }
    )
    return AllianceModel(s, replications=R)


def steps(model, n):
    for _ in range(n):
        model.step()
    return model


def test_month_arithmetic():
    assert month_index("2025-01", "2026-03") == 14
    assert month_label("2025-11", 3) == "2026-02"


def concrete_kinds() -> set[type[Event]]:
    """Every class below Event that defines its own compiled ``handler``: the kinds a scenario can use."""
    found, todo = set(), [Event]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if "handler" in vars(sub):
                found.add(sub)
    return found


def test_registry_holds_every_event_kind_under_its_yaml_type():
    # The registry fills itself as classes are defined; check it against the class tree, so a
    # kind whose type Literal repeats another's (and silently replaces it) or is missing fails.
    assert set(EVENT_TYPES.values()) == concrete_kinds()
    assert not {Event, DatedEvent, Process} & set(EVENT_TYPES.values())
    for name, cls in EVENT_TYPES.items():
        # the YAML type is the class name in snake_case (MissileTests -> missile_tests)
        assert name == re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()
        # and a scenario's event of that type is validated as that class
        parsed = model_for({"e": {"type": name, **cls.sample}}).spec.events["e"]
        assert type(parsed) is cls


def test_missile_tests_only_inside_their_window():
    m = model_for({"t": {"type": "missile_tests", "rate_per_month": 10, "from": "2025-03", "to": "2025-04"}})
    counts = []
    for _ in range(6):
        m.step()
        counts.append(m.actor("PRK").tests.mean())
    assert counts[0] == counts[1] == counts[4] == counts[5] == 0
    assert counts[2] > 5 and counts[3] > 5


def test_nuclear_test_shock():
    quiet, nuke = model_for({}), model_for({"n": {"type": "nuclear_test", "at": "2025-02"}})
    steps(quiet, 2), steps(nuke, 2)
    w = nuke.p.walt
    np.testing.assert_allclose(nuke.actor("PRK").shock - quiet.actor("PRK").shock, w.nuclear_shock)


def test_impeachment_window_and_reinstatement():
    m = model_for({"i": {"type": "impeachment", "from": "2025-02", "to": "2025-04"}})
    flags = [steps(m, 1).actor("ROK").interim.all() for _ in range(5)]
    assert flags == [False, True, True, False, False]


def test_removed_leader_stays_interim_until_election():
    m = model_for(
        {
            "i": {"type": "impeachment", "from": "2025-01", "to": "2025-02", "removed": True},
            "e": {"type": "election", "actor": "ROK", "at": "2025-05"},
        }
    )
    flags = [steps(m, 1).actor("ROK").interim.all() for _ in range(5)]
    assert flags == [True, True, True, True, False]


@pytest.mark.parametrize(("approval", "kept"), [(0.99, 1.0), (0.01, 0.0)])
def test_election_outcome_follows_approval(approval, kept):
    m = model_for({"e": {"type": "election", "actor": "ROK", "at": "2025-01"}}, ROK={"approval": approval})
    m.step()
    assert (m.actor("ROK").camp == 1.0).mean() == pytest.approx(kept, abs=0.02)


def test_election_is_a_coin_flip_at_the_midpoint():
    m = model_for({"e": {"type": "election", "actor": "JPN", "at": "2025-01"}}, JPN={"approval": 0.45})
    m.step()
    assert 0.25 < (m.actor("JPN").camp == 1.0).mean() < 0.75


def test_political_transition():
    m = steps(
        model_for(
            {"p": {"type": "political_transition", "actor": "ROK", "government": "progressive", "at": "2025-02"}}
        ),
        2,
    )
    assert (m.actor("ROK").camp == -1).all()
    # no position given: each future draws one from the progressive camp's distribution
    position = m.actor("ROK").position
    assert np.unique(position).size == position.size and (np.abs(position) <= 1).all()


def test_political_transition_with_a_position():
    event = {"type": "political_transition", "actor": "JPN", "government": "conservative", "position": 0.7}
    m = steps(model_for({"p": {**event, "at": "2025-02"}}), 2)
    assert (m.actor("JPN").position == 0.7).all()


def test_an_elected_leaders_position_comes_from_the_winning_camps_distribution():
    # approval 0: the incumbent (conservative) camp loses almost everywhere; the progressive winner's
    # position is normal(mean, spread) clipped to -1..1: mean and spread set here, R = 4000
    positions = {"rok_progressive": 0.2, "spread": 0.3}
    s = Scenario.model_validate(
        {
            "name": "t",
            "start": "2025-01",
            "months": 1,
            "seed": 3,
            "events": {"e": {"type": "election", "actor": "ROK", "at": "2025-01"}},
            "actors": {"ROK": {"approval": 0.0}},
            "parameters": {"positions": positions},
        }
    )
    m = AllianceModel(s, replications=4000)
    m.step()
    won = m.actor("ROK").camp == -1
    assert won.mean() > 0.99  # the incumbent keeps office with chance logistic(12 x -0.45) = 0.45%
    p = m.actor("ROK").position[won]
    assert abs(p.mean() - 0.2) < 4 * 0.3 / np.sqrt(p.size)  # clipping at +-1 is 2.7 sd away: negligible
    assert 0.28 < p.std() < 0.32


@pytest.mark.parametrize(("changes", "same"), [(True, False), (False, True)])
def test_a_kept_camp_keeps_its_leader_unless_the_leader_changes(changes, same):
    event = {"type": "election", "actor": "JPN", "at": "2025-01", "leader_changes": changes}
    m = model_for({"e": event}, JPN={"approval": 1.0, "position": -0.3})
    m.step()
    assert (m.actor("JPN").camp == 1.0).all()  # approval 1: the LDP stays everywhere
    assert (m.actor("JPN").position == -0.3).all() == same


def test_history_dispute_raises_antipathy():
    quiet = steps(model_for({}), 1)
    hit = steps(model_for({"h": {"type": "history_dispute", "magnitude": 0.3, "jpn": 0.5, "at": "2025-01"}}), 1)
    # both then decay by the same reversion factor in the same month
    k = 1 - hit.p.domestic.grievance_reversion
    np.testing.assert_allclose(hit.actor("ROK").antipathy - quiet.actor("ROK").antipathy, 0.3 * k)
    np.testing.assert_allclose(hit.actor("JPN").antipathy - quiet.actor("JPN").antipathy, 0.15 * k)


def test_burden_sharing_scaled_by_transactionalism():
    m = steps(
        model_for(
            {"b": {"type": "us_burden_sharing", "magnitude": 0.2, "at": "2025-01"}}, USA={"transactionalism": 0.5}
        ),
        1,
    )
    usa = m.actor("USA")
    np.testing.assert_allclose(usa.commitment_to["ROK"], 0.8 - 0.2 * (0.5 + 0.5))
    np.testing.assert_allclose(usa.commitment_to["JPN"], 0.8)


def test_reassurance_raises_signal():
    m = steps(model_for({"r": {"type": "us_reassurance", "magnitude": 0.1, "target": "both", "at": "2025-01"}}), 1)
    np.testing.assert_allclose(m.actor("USA").commitment_to["JPN"], 0.9)


def test_china_coercion_channels_are_separate():
    econ = steps(
        model_for({"c": {"type": "china_coercion", "channel": "economic", "magnitude": 0.3, "at": "2025-01"}}), 1
    )
    sea = steps(
        model_for(
            {"c": {"type": "china_coercion", "channel": "maritime", "target": "JPN", "magnitude": 0.3, "at": "2025-01"}}
        ),
        1,
    )
    quiet = steps(model_for({}), 1)
    assert (econ.actor("CHN").pressure > quiet.actor("CHN").pressure + 0.29).all()
    np.testing.assert_allclose(econ.actor("CHN").threat_to["JPN"], quiet.actor("CHN").threat_to["JPN"])
    assert (sea.actor("CHN").threat_to["JPN"] > quiet.actor("CHN").threat_to["JPN"]).all()
    np.testing.assert_allclose(sea.actor("CHN").threat_to["ROK"], quiet.actor("CHN").threat_to["ROK"])
    np.testing.assert_allclose(sea.actor("CHN").pressure, quiet.actor("CHN").pressure)


def test_russia_alignment_raises_backing_and_capability():
    m = steps(model_for({"r": {"type": "prk_russia_alignment", "magnitude": 0.4, "at": "2025-01"}}), 1)
    prk = m.actor("PRK")
    np.testing.assert_allclose(prk.russia, 0.4)
    np.testing.assert_allclose(prk.capability(), 0.35 * (1 + prk.p.walt.russia_capability * 0.4))


def test_summit_boosts_parties_and_detente():
    summit = {"type": "summit", "parties": ["ROK", "JPN", "PRK"], "magnitude": 0.2, "at": "2025-01"}
    m = steps(model_for({"s": summit}, parameters={"meetings": {"rate": 0.0}}), 1)  # no leaders' meetings besides
    assert (m.summit_boost[("ROK", "JPN")] == 0.2).all() and (m.summit_boost[("ROK", "USA")] == 0).all()
    np.testing.assert_allclose(m.actor("PRK").detente, 0.2 * (1 - m.p.diplomacy.detente_decay))


def test_events_outside_the_horizon_are_ignored():
    late = steps(model_for({"late": {"type": "history_dispute", "magnitude": 0.5, "at": "2031-01"}}), 6)
    quiet = steps(model_for({}), 6)
    assert late.S.tobytes() == quiet.S.tobytes()


def test_economic_coercion_of_japan_raises_japans_entrapment_for_its_duration():
    # The economic channel now reaches either ally (the 2010 rare-earth curbs): JPN's entrapment
    # rises with CHN's pressure on it, ROK's does not move; the pressure is held for `months`,
    # then decays at chn.pressure_decay.
    event = {"type": "china_coercion", "channel": "economic", "target": "JPN", "magnitude": 0.4, "months": 3}
    calm, pressed = model_for({}), model_for({"c": {**event, "at": "2025-01"}})
    held = []
    for _ in range(5):
        calm.step(), pressed.step()
        held.append(pressed.actor("CHN").pressure_on["JPN"].mean())
    np.testing.assert_allclose(held[:3], 0.4)  # held at the magnitude through its three months
    decay = Parameters().chn.pressure_decay
    np.testing.assert_allclose(held[3], 0.4 * (1 - decay))  # then decaying
    jpn = pressed.actor("JPN").entrapment - calm.actor("JPN").entrapment
    rok = pressed.actor("ROK").entrapment - calm.actor("ROK").entrapment
    assert (jpn > 0).all()
    assert np.abs(rok).max() < jpn.min() / 100  # ROK only through cohesion and the wedge, faintly


def test_us_tariffs_cut_the_commitment_signal_while_in_force():
    # While the tariffs are in force the taxed ally reads a commitment signal lower by their size;
    # the other ally's signal is untouched, and the cut ends with the tariffs.
    event = {"type": "us_tariffs", "target": "JPN", "magnitude": 0.15, "from": "2025-02", "to": "2025-03"}
    calm, taxed = model_for({}), model_for({"t": event})
    cut = []
    for _ in range(4):
        calm.step(), taxed.step()
        usa_taxed, usa_calm = taxed.actor("USA").commitment_to, calm.actor("USA").commitment_to
        cut.append(float((usa_calm["JPN"] - usa_taxed["JPN"]).mean()))
        np.testing.assert_array_equal(usa_taxed["ROK"], usa_calm["ROK"])
    np.testing.assert_allclose(cut, [0.0, 0.15, 0.15, 0.0], atol=1e-12)
    assert (taxed.actor("JPN").abandonment > calm.actor("JPN").abandonment).all()  # perceived: fear lingers
