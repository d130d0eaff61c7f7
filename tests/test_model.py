"""The ensemble engine: chunk invariance, exact attribution, bounds, and mechanisms
whose direction is known from the doctrine before the model is run."""

from types import UnionType
from typing import Annotated, Literal, Union, get_args, get_origin

import numpy as np
import pandas as pd
import pytest
from conftest import BASE_ASSUMED as BASE  # mechanism tests set initial states: no spin-up
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alliance_sim import load_scenario, metrics, simulate
from alliance_sim import slots as S
from alliance_sim.analysis import newcombe, wilson
from alliance_sim.buffers import TraceBuffers
from alliance_sim.coefficients import coefficient_registry
from alliance_sim.events import EVENT_TYPES
from alliance_sim.metrics import DRIVERS
from alliance_sim.model import AllianceModel
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import apply_overrides

R = 500


def mean_coop(overrides=None, months=48, scenario=BASE):
    """Mean ROK-JPN cooperation over months and replications."""
    s = load_scenario(scenario, overrides or {})
    _, trace = run_ensemble(apply_overrides(s, {"months": months}), 0, range(R))
    return trace["coop_rok_jpn"].mean()


def test_one_chunk_equals_four_chunks():
    s = load_scenario(BASE)
    whole, trace = run_ensemble(s, 0, range(1000))
    parts = [run_ensemble(s, 0, range(i, i + 250)) for i in range(0, 1000, 250)]
    pd.testing.assert_frame_equal(whole, pd.concat([p[0] for p in parts], ignore_index=True), check_exact=True)
    np.testing.assert_array_equal(trace["cohesion"], np.concatenate([p[1]["cohesion"] for p in parts], axis=1))


def test_simulate_output_does_not_depend_on_chunk_size():
    a = simulate(BASE, replications=300, months=24)
    b = simulate(BASE, replications=300, months=24, chunk=70)
    pd.testing.assert_frame_equal(a.runs, b.runs, check_exact=True)
    pd.testing.assert_frame_equal(a.series, b.series, check_exact=True)


def test_one_replication_chunks_give_the_same_summaries():
    # numpy reduces one column and many columns in different orders; the summaries must not care
    s = apply_overrides(load_scenario(BASE), {"months": 60})
    whole, _ = run_ensemble(s, 0, range(40))
    ones = pd.concat([run_ensemble(s, 0, [r])[0] for r in range(40)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, ones, check_exact=True)


def test_single_replication_is_the_same_future_as_in_the_ensemble():
    s = load_scenario(BASE)
    ensemble, _ = run_ensemble(s, 0, range(20))
    single, _ = run_ensemble(s, 0, [13])
    pd.testing.assert_frame_equal(ensemble.iloc[[13]].reset_index(drop=True), single, check_exact=True)


def test_a_run_writes_every_record_of_every_month():
    # without zeroing first (as run_ensemble builds it), whatever the arrays held is overwritten:
    # poisoned with NaN, they end equal to a zeroed model's, bit for bit
    s = load_scenario(BASE)
    zeroed = AllianceModel(s, replications=40, months=30, collect=False)
    blank = AllianceModel(s, replications=40, months=30, collect=False, zero_traces=False)
    blank.traces[:] = blank.driver_traces[:] = np.nan
    zeroed.run()
    blank.run()
    assert blank.traces.tobytes() == zeroed.traces.tobytes()
    assert blank.driver_traces.tobytes() == zeroed.driver_traces.tobytes()


def test_lent_trace_arrays_are_reused_and_give_the_same_traces():
    # a sweep worker lends each ensemble the trace arrays of the one before (no fresh pages to fault in):
    # the next model of the shape gets the very same arrays, and what it records does not depend on them
    s = load_scenario(BASE)
    buffers = TraceBuffers()
    first = AllianceModel(s, replications=40, months=30, collect=False, zero_traces=False, buffers=buffers)
    first.run()
    first.traces[:] = first.driver_traces[:] = np.nan  # whatever the last ensemble left
    second = AllianceModel(s, replications=40, months=30, collect=False, zero_traces=False, buffers=buffers)
    assert second.traces is first.traces and second.driver_traces is first.driver_traces
    second.run()
    own = AllianceModel(s, replications=40, months=30, collect=False)
    own.run()
    assert second.traces.tobytes() == own.traces.tobytes()
    assert second.driver_traces.tobytes() == own.driver_traces.tobytes()
    other = AllianceModel(s, replications=41, months=30, collect=False, buffers=buffers)  # another shape: its own
    assert not np.shares_memory(other.traces, second.traces) and not other.traces.any()  # zeroed as asked
    assert len(buffers._arrays) == 2  # the latest two kept


def test_lent_arrays_start_at_zero_when_a_python_step_metric_may_read_them(monkeypatch):
    # a Python step metric may read the month before at the first month (row -1): it must read zeros,
    # not what the ensemble before left in lent arrays (which would tie a sweep's output to task order)
    s = load_scenario(BASE)
    monkeypatch.setitem(metrics.STEP_METRICS, "cohesion_before", lambda m: m.trace["cohesion"][m.steps - 2].copy())
    buffers = TraceBuffers()
    first = AllianceModel(s, replications=8, months=6, collect=False, zero_traces=False, buffers=buffers)
    first.traces[:] = np.nan
    second = AllianceModel(s, replications=8, months=6, collect=False, zero_traces=False, buffers=buffers)
    assert second.traces is first.traces
    second.run()
    assert (second.trace["cohesion_before"][0] == 0).all()
    assert (second.trace["cohesion_before"][1:] == second.trace["cohesion"][:-1]).all()


def test_replications_differ_and_seeds_matter():
    s = load_scenario(BASE)
    runs, _ = run_ensemble(s, 0, range(50))
    assert runs["cohesion_final"].nunique() == 50
    other, _ = run_ensemble(apply_overrides(s, {"seed": 1}), 0, range(50))
    assert not np.array_equal(runs["cohesion_final"], other["cohesion_final"])


def test_driver_contributions_sum_to_the_change():
    s = apply_overrides(load_scenario(BASE), {"months": 36})
    _, trace = run_ensemble(s, 0, range(200))
    coop = trace["coop_rok_jpn"]
    a = s.actors
    start = 0.5 * (a.ROK.coop.JPN + a.JPN.coop.ROK)
    change = np.diff(coop, axis=0, prepend=np.full((1, coop.shape[1]), start))
    total = sum(trace[f"driver_{t}"] for t in DRIVERS)
    np.testing.assert_allclose(total, change, atol=1e-12)


def test_interim_gate_is_active_in_base():
    # Acting president until 2025-04: the gate removes most of ROK's move early on.
    s = apply_overrides(load_scenario(BASE), {"months": 12})
    _, trace = run_ensemble(s, 0, range(200))
    gate = np.abs(trace["driver_gate"].mean(axis=1))
    assert gate[:3].mean() > 5 * gate[6:].mean()


coefficient_paths = [(r["path"], r["low"], r["high"]) for r in coefficient_registry()]


def _unwrap(annotation):
    """The type inside ``Annotated[...]`` and ``X | None``."""
    if get_origin(annotation) is Annotated:
        return _unwrap(get_args(annotation)[0])
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in (Union, UnionType) and len(args) == 1:
        return _unwrap(args[0])
    return annotation


def any_event(name, cls):
    """Any valid instance of an event kind: its ``sample`` (for the months), with every
    numeric field drawn over its whole range and every choice drawn from its options."""
    fields = {}
    for field, f in cls.model_fields.items():
        kind, key = _unwrap(f.annotation), f.alias or field
        bounds = {type(m).__name__: m for m in f.metadata}
        if field == "type":
            continue
        if kind is bool:
            fields[key] = st.booleans()
        elif kind is float and {"Ge", "Le"} <= set(bounds):
            fields[key] = st.floats(bounds["Ge"].ge, bounds["Le"].le)
        elif get_origin(kind) is Literal:
            fields[key] = st.sampled_from(get_args(kind))
        elif get_origin(kind) is list and get_origin(item := _unwrap(get_args(kind)[0])) is Literal:
            least = bounds["MinLen"].min_length if "MinLen" in bounds else 0
            fields[key] = st.lists(st.sampled_from(get_args(item)), min_size=least, unique=True)
    # fields drawn apart can make an invalid combination (a target the economic channel ignores): drop those
    return st.fixed_dictionaries(fields).map(lambda drawn: {**cls.sample, **drawn, "type": name}).filter(_valid(cls))


def _valid(cls):
    def valid(data) -> bool:
        try:
            cls.model_validate(data)
        except ValidationError:
            return False
        return True

    return valid


#: One event of every registered kind, drawn anywhere in its valid range.
ALL_EVENTS = st.fixed_dictionaries({f"any_{name}": any_event(name, cls) for name, cls in EVENT_TYPES.items()})


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), data=st.data())
def test_metrics_stay_bounded_for_any_seed_coefficients_and_events(seed, data):
    overrides = {path: data.draw(st.floats(lo, hi), label=path) for path, lo, hi in coefficient_paths}
    s = load_scenario(BASE, {"seed": seed, "months": 24, "replications": 16})
    d = s.to_dict()
    d["events"].update(data.draw(ALL_EVENTS, label="events"))
    s = apply_overrides(type(s).model_validate(d), overrides)
    runs, trace = run_ensemble(s, 0)
    for name, values in trace.items():
        assert np.isfinite(values).all(), name
        if name.startswith(("coop_", "cohesion", "threat_", "abandonment_", "chn_")) and name != "chn_trade_rok":
            assert values.min() >= 0 and values.max() <= 1, name
    assert (trace["prk_tests"] >= 0).all() and (trace["chn_trade_rok"] > 0).all()  # trade: a positive index
    assert runs[["cohesion_mean", "cohesion_min", "cohesion_final"]].stack().between(0, 1).all()


# ---- mechanisms: directions known in advance, means over >= 500 replications


def test_more_missile_tests_raise_rok_jpn_cooperation():
    # Walt/Cha: a shared threat pulls the quasi-allies together.
    assert mean_coop({"events.prk_tests.rate_per_month": 8}) > mean_coop() + 0.005


def test_history_dispute_lowers_rok_jpn_cooperation(write):
    path = write(f"extends: {BASE}\nevents:\n  ruling: {{type: history_dispute, at: 2025-06, magnitude: 0.4}}\n")
    assert mean_coop(scenario=path) < mean_coop() - 0.02


def test_equal_drop_in_us_commitment_raises_rok_jpn_cooperation():
    # Cha: symmetric abandonment fear pushes the two junior allies together.
    assert mean_coop({"actors.USA.commitment": 0.6}) > mean_coop() + 0.02


def test_one_sided_drop_in_us_commitment_lowers_rok_jpn_cooperation():
    # Cha: asymmetric abandonment fear pulls them apart.
    assert mean_coop({"actors.ROK.us_trust": 0.7}) < mean_coop() - 0.02


def test_interim_government_moves_less_than_elected_one():
    # Putnam/Fearon: an acting government neither starts nor breaks initiatives.
    def mean_abs_change(interim):
        # interim (or not) throughout: no ruling and no election within the 24 months
        moved = {"events.impeachment_yoon.to": "2029-12", "events.rok_presidential_2027.at": "2029-12"}
        # no leaders' meetings: acting governments do not meet, and the meetings' boosts would
        # confound the gate with a second difference between the two
        off = {"parameters.meetings.rate": 0.0}
        s = load_scenario(BASE, {"actors.ROK.interim": interim, "months": 24, **moved, **off})
        model = AllianceModel(s, replications=R)
        path = [model.coop[("ROK", "JPN")].copy()]
        for _ in range(s.months):
            model.step()
            path.append(model.coop[("ROK", "JPN")].copy())  # a view of the live state
        return np.abs(np.diff(path, axis=0)).mean()

    interim, elected = mean_abs_change(True), mean_abs_change(False)
    assert interim <= load_scenario(BASE).parameters.gate.interim_winset
    assert interim < 0.8 * elected


def rok_jpn_at(month, overrides, replications=2000, scenario=BASE):
    """ROK-JPN cooperation of every replication at ``month`` (1-based), seed 7: runs share their random numbers."""
    s = load_scenario(scenario, {"months": month, "seed": 7, **overrides})
    _, trace = run_ensemble(s, 0, range(replications))
    return trace["coop_rok_jpn"][month - 1]


def paired(a, b):
    """Mean of the paired differences a - b and its 95% interval (normal approximation)."""
    d = np.asarray(a) - np.asarray(b)
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    return d.mean(), d.mean() - half, d.mean() + half


def test_a_pragmatist_government_in_seoul_raises_rok_jpn_cooperation():
    # Same camp, Tokyo unchanged: only ROK's position on the history axis differs, so the joint
    # position, and with it both directions' targets (cha.stance > 0), is higher for the pragmatist.
    settled = {"actors.ROK.interim": False}
    pragmatist = rok_jpn_at(24, {**settled, "actors.ROK.position": 0.6})
    hawk = rok_jpn_at(24, {**settled, "actors.ROK.position": -0.6})
    mean, low, high = paired(pragmatist, hawk)
    assert low > 0, (mean, low, high)


@pytest.mark.parametrize("tokyo", [0.6, -0.6])
def test_a_hawkish_turn_in_seoul_lowers_cooperation_whatever_tokyo(tokyo):
    # No cancelling: the dyad's target rises with each government's position (the joint position
    # is increasing in both), so a Seoul turn from pragmatist to hawk lowers ROK-JPN whether
    # Tokyo is a pragmatist or a hawk (a camp's +-1 summed with the partner's cancelled before).
    settled = {"actors.ROK.interim": False, "actors.JPN.position": tokyo}
    pragmatist = rok_jpn_at(24, {**settled, "actors.ROK.position": 0.6})
    hawk = rok_jpn_at(24, {**settled, "actors.ROK.position": -0.6})
    mean, low, high = paired(hawk, pragmatist)
    assert high < 0, (tokyo, mean, low, high)


def test_the_less_forthcoming_government_weighs_more_with_a_veto():
    # cha.veto pulls the joint position toward the lower of the two: with Tokyo a hawk, a Seoul
    # pragmatist can do less than with veto 0 (the plain mean), so the pragmatist's gain shrinks.
    def gain(veto):
        settled = {"actors.ROK.interim": False, "actors.JPN.position": -0.6, "parameters.cha.veto": veto}
        pragmatist = rok_jpn_at(24, {**settled, "actors.ROK.position": 0.6}, 1000)
        hawk = rok_jpn_at(24, {**settled, "actors.ROK.position": -0.6}, 1000)
        return paired(pragmatist, hawk)[0]

    assert gain(1.0) < gain(0.0) - 0.005


def test_an_unset_position_is_the_camps_mean():
    p = load_scenario(BASE).parameters.positions
    s = load_scenario(BASE, {"actors.ROK.government": "progressive", "actors.JPN.government": "conservative"})
    m = AllianceModel(s, replications=3)
    assert (m.actor("ROK").position == p.rok_progressive).all()
    assert (m.actor("JPN").position == p.jpn_conservative).all()
    m = AllianceModel(load_scenario(BASE, {"actors.ROK.position": 0.3}), replications=3)
    assert (m.actor("ROK").position == 0.3).all()


def test_misperception_is_a_risk_that_forgiveness_limits():
    # Wu and Axelrod (1995): misreading cooperation as defection (and rarely the reverse) starts
    # feuds of mutual cooling, so noise lowers cooperation; forgiveness answers a perceived
    # defection only in part, so it lowers that cost without turning it into a gain.
    def cost(forgiveness):
        kept = {"parameters.axelrod.forgiveness": forgiveness}
        noisy = rok_jpn_at(60, kept)
        clear = rok_jpn_at(60, {**kept, "parameters.axelrod.misperception": 0.0})
        return paired(noisy, clear)

    default = load_scenario(BASE).parameters.axelrod.forgiveness
    mean, low, high = cost(default)
    assert high < 0, (mean, low, high)
    assert cost(0.0)[2] < mean < cost(0.6)[1]  # more forgiveness, a smaller cost


def trade_measures_within(months, overrides, scenario, replications=2000):
    """Per replication: trade measures came into force within ``months`` (seed 7, shared random numbers)."""
    s = load_scenario(scenario, {"months": months, "seed": 7, **overrides})
    runs, _ = run_ensemble(s, 0, range(replications))
    return runs["trade_measures_ever"].to_numpy()


#: ROK-JPN cooperation low (0.3 both ways), no interim freeze, and no random history incidents
#: (the dated shock is then the only dispute).
LOW = {
    "actors.ROK.interim": False,
    "actors.ROK.coop.JPN": 0.3,
    "actors.JPN.coop.ROK": 0.3,
    "events.history_incidents.rate_per_month": 0.0,
    "events.history_incidents.flashpoint_rate": 0.0,
}


@pytest.fixture(scope="module")
def shocked(tmp_path_factory):
    """base with a history shock in month 2, and the same with a full-strength US brokerage push then."""
    folder = tmp_path_factory.mktemp("ladder")
    ruling = "  ruling: {type: history_dispute, magnitude: 0.4, at: 2025-02}\n"
    push = "  push: {type: us_brokerage, magnitude: 1.0, at: 2025-02}\n"
    paths = {}
    for name, events in {"shock": ruling, "brokered": ruling + push}.items():
        paths[name] = folder / f"{name}.yaml"
        paths[name].write_text(f"extends: {BASE}\nname: {name}\nevents:\n{events}", encoding="utf-8")
    return paths


def test_a_history_shock_in_a_low_cooperation_state_triggers_trade_measures_in_some_futures(shocked):
    # The ladder: an open dispute climbs to protest, then trade measures, with a chance that rises
    # with the dispute and falls with cooperation; without the shock no dispute is open.
    hit, quiet = trade_measures_within(24, LOW, shocked["shock"]), trade_measures_within(24, LOW, BASE)
    low, high = wilson(int(hit.sum()), hit.size)
    assert low > 0.05 and high < 0.95, (low, high)  # some futures, not all
    assert quiet.sum() == 0


def test_us_brokerage_lowers_the_chance_of_trade_measures(shocked):
    # Brokerage effort (a dated push at full strength when the dispute opens) removes part of the
    # escalation chance (ladder.halt): fewer futures reach trade measures, paired by seed.
    alone, brokered = (
        trade_measures_within(24, LOW, shocked["shock"]),
        trade_measures_within(24, LOW, shocked["brokered"]),
    )
    d, low, high = newcombe(int(alone.sum()), alone.size, int(brokered.sum()), brokered.size)
    assert high < 0, (d, low, high)


def test_a_pragmatist_government_escalates_less(shocked):
    # The escalation chance scales with (1 - position) / 2: pragmatists in both capitals climb less.
    hawks = trade_measures_within(
        24, {**LOW, "actors.ROK.position": -0.8, "actors.JPN.position": -0.8}, shocked["shock"]
    )
    pragmatists = trade_measures_within(
        24, {**LOW, "actors.ROK.position": 0.8, "actors.JPN.position": 0.8}, shocked["shock"]
    )
    d, low, high = newcombe(int(hawks.sum()), hawks.size, int(pragmatists.sum()), pragmatists.size)
    assert high < 0, (d, low, high)


def test_trade_measures_lower_rok_jpn_cooperation(shocked):
    # Linkage costs both targets while measures are in force, and their start raises the partner
    # public's antipathy (the 2019 boycott): against the same futures with no costs and no boycott.
    free = {
        "parameters.ladder.trade_cost": 0.0,
        "parameters.ladder.security_cost": 0.0,
        "parameters.ladder.boycott": 0.0,
    }
    linked = rok_jpn_at(24, LOW, scenario=shocked["shock"])
    unlinked = rok_jpn_at(24, {**LOW, **free}, scenario=shocked["shock"])
    mean, low, high = paired(linked, unlinked)
    assert high < 0, (mean, low, high)


def test_a_high_institutional_stock_makes_a_hawkish_transition_cost_less(tmp_path):
    # The ratchet (less room to cool toward the partner) and the exit cost (approval lost by
    # cooling) grow with the stock: the same hawkish turn in Seoul in March 2025 costs ROK-JPN less
    # by month 24 when institutions are deep (build fast: the stock near the dyad) than when they
    # are shallow (build 0: no stock). Costs are paired against the same futures without the turn.
    turn = tmp_path / "turn.yaml"
    turn.write_text(
        f"extends: {BASE}\nname: turn\nevents:\n"
        "  hawk: {type: political_transition, actor: ROK, government: conservative, position: -0.9, at: 2025-03}\n",
        encoding="utf-8",
    )
    settled = {"actors.ROK.interim": False, "actors.ROK.position": 0.6}

    def cost(build):
        kept = {**settled, "parameters.institutions.build": build}
        return rok_jpn_at(24, kept, scenario=turn) - rok_jpn_at(24, kept)

    deep, shallow = cost(0.5), cost(0.0)
    assert shallow.mean() < 0 and deep.mean() < 0  # a hawkish turn costs cooperation either way
    mean, low, high = paired(deep, shallow)
    assert low > 0, (deep.mean(), shallow.mean(), mean, low, high)


def test_leaders_meet_more_often_the_closer_the_allies_are():
    # The monthly chance of a meeting rises with the dyad above meetings.floor: starting warm
    # (0.8 both ways) the leaders meet more often over two years than starting cool (0.4).
    def per_year(coop):
        s = load_scenario(BASE, {"months": 24, "seed": 7, "actors.ROK.interim": False, **coop})
        runs, _ = run_ensemble(s, 0, range(2000))
        return runs["meetings_per_year"].to_numpy()

    warm = per_year({"actors.ROK.coop.JPN": 0.8, "actors.JPN.coop.ROK": 0.8})
    cool = per_year({"actors.ROK.coop.JPN": 0.4, "actors.JPN.coop.ROK": 0.4})
    mean, low, high = paired(warm, cool)
    assert low > 0, (mean, low, high)


def test_acting_governments_do_not_meet():
    # base: ROK is run by an acting president until the Court rules (April 2025): no meetings before
    s = load_scenario(BASE, {"months": 6})
    _, trace = run_ensemble(s, 0, range(500))
    acting = trace["leaders_meeting"][:3]
    assert acting.sum() == 0 and trace["leaders_meeting"][3:].sum() > 0


def test_rupture_is_two_broken_tracks_rebuilt_from_the_observables():
    # The months since the leaders last met, rebuilt from the meeting record (0 at the assumed start),
    # and the monthly rupture flag, rebuilt from it and the ladder's two indicators, must equal the model's.
    s = load_scenario(BASE, {"months": 48, "seed": 3, "parameters.cha.grievance": 1.4})
    model = AllianceModel(s, replications=400, collect=False)
    gaps, gap = np.zeros((48, 400)), np.zeros(400)
    for t in range(48):
        model.step()
        gap = np.where(model.trace["leaders_meeting"][t] > 0, 0.0, gap + 1.0)
        gaps[t] = gap
        np.testing.assert_array_equal(model.S[:, S.MEETING_GAP], gap)
    trace = model.trace
    tracks = (trace["trade_measures"] > 0).astype(int) + (trace["security_linkage"] > 0) + (gaps >= 12)
    np.testing.assert_array_equal(trace["rupture"], (tracks >= 2).astype(float))
    assert 0 < trace["rupture"].any(axis=0).mean() < 1  # the setting gives ruptures in some futures only
    # a rupture always has trade measures in force (both ways to two tracks go through rung 2)
    assert (trace["trade_measures"][trace["rupture"] > 0] > 0).all()


def test_economic_coercion_cools_rok_china_politics_while_trade_keeps_growing(tmp_path):
    # Pattern 5's two channels: a coercion shock on ROK pulls political cooperation down and only
    # slows trade; a shock on JPN or at sea leaves both alone.
    def chn_at(months, event=None):
        path = tmp_path / f"coerce_{event and event['target']}_{event and event['channel']}.yaml"
        fields = ", ".join(f"{k}: {v}" for k, v in (event or {}).items())
        events = f"events:\n  shock: {{type: china_coercion, at: 2025-02, magnitude: 0.5, {fields}}}\n" if event else ""
        path.write_text(f"extends: {BASE}\nname: coerce\nmonths: {months}\n{events}", encoding="utf-8")
        _, trace = run_ensemble(load_scenario(path), 0, range(20))
        return trace["chn_ties_rok"][-1].mean(), trace["chn_trade_rok"]

    ties_calm, trade_calm = chn_at(12)
    ties_hit, trade_hit = chn_at(12, {"channel": "economic", "target": "ROK"})
    assert ties_hit < ties_calm - 0.05  # the political channel
    assert (trade_hit[-1] < trade_calm[-1]).all() and (trade_hit[-1] > trade_hit[0]).all()  # slower, still growing
    for other in ({"channel": "economic", "target": "JPN"}, {"channel": "maritime", "target": "ROK"}):
        ties, trade = chn_at(12, other)
        assert ties == ties_calm and (trade == trade_calm).all()
