"""Every mechanism of the compiled month step moves what it moves in the direction its doctrine says.

Each test was written from the documented doctrine (``actors/*.py``, ``events.py``,
``kernel.py``, ``docs/ODD.md``) before the model was run, and each fails when its
mechanism's sign is flipped (or its ``min`` made a ``max``) in the source: the table
of those mutations is in the commit that added this file.

Every comparison is between paired runs of one scenario of defaults with the same
seed, so that each replication meets the same random numbers in both (common random
numbers) and the difference is due to the mechanism alone. Where a mechanism acts on
a deterministic path (the gate in its first month, perception, grievance) the
direction is asserted in every replication, or the two runs are asserted equal where
the doctrine says they must be; where randomness goes through it (launches, approval
shocks, elections) the 95% interval of the paired mean difference must exclude zero.

Not here: the government's alignment stance (``cha.stance``) and the Axelrod
reciprocity noise (``axelrod.misperception``, ``axelrod.forgiveness``).
"""

from __future__ import annotations

import numpy as np

from alliance_sim.model import AllianceModel
from alliance_sim.scenario import Scenario

START, SEED, R = "2025-01", 20250113, 300

#: ROK far below its target toward JPN (brokerage on, threat and fear pulling) with a fast
#: adjustment: the raw warming move is far beyond the win-set, so the gate alone sets it.
WARMING = {"actors.ROK.coop.JPN": 0.05, "actors.JPN.coop.ROK": 0.05, "parameters.axelrod.adjustment_rate": 0.8}
#: ROK far above its target toward JPN: the raw cooling move is far beyond the win-set.
COOLING = {"actors.ROK.coop.JPN": 0.95, "actors.JPN.coop.ROK": 0.95, "parameters.axelrod.adjustment_rate": 0.8}
#: PRK's launches do not react to allied cohesion: the same launches in both runs of a pair.
FIXED_LAUNCHES = {"parameters.prk.cohesion_reaction": 0.0}


def cooperation(level: float) -> dict[str, float]:
    """Every directed cooperation among ROK, JPN and the USA at ``level``: cohesion = ``level``."""
    pairs = [("ROK", "JPN"), ("ROK", "USA"), ("JPN", "ROK"), ("JPN", "USA"), ("USA", "ROK"), ("USA", "JPN")]
    return {f"actors.{i}.coop.{j}": level for i, j in pairs}


def run(months: int = 1, events: dict | None = None, settings: dict | None = None, R: int = R) -> AllianceModel:
    """A scenario of defaults with ``events`` and dotted-path ``settings``, run for ``months`` months."""
    s = Scenario.model_validate({"name": "directions", "start": START, "events": events or {}})
    model = AllianceModel(s, replications=R, seed=SEED, months=months, collect=False, **(settings or {}))
    model.run()
    return model


def steps(months: int, events: dict | None = None, settings: dict | None = None, read=None) -> np.ndarray:
    """``read(model)`` at the end of each of ``months`` months: an array (months, R)."""
    s = Scenario.model_validate({"name": "directions", "start": START, "events": events or {}})
    model = AllianceModel(s, replications=R, seed=SEED, months=months, collect=False, **(settings or {}))
    out = []
    for _ in range(months):
        model.step()
        out.append(np.array(read(model), dtype=float))
    return np.array(out)


def missiles(rate: float, icbm_share: float = 0.0) -> dict:
    return {"launches": {"type": "missile_tests", "rate_per_month": rate, "icbm_share": icbm_share, "from": START}}


def summit(parties: list[str], magnitude: float = 0.2) -> dict:
    return {"summit": {"type": "summit", "parties": parties, "magnitude": magnitude, "at": START}}


def interval(a, b) -> tuple[float, float]:
    """The 95% interval of the mean paired difference ``a - b`` (one value per replication)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    return d.mean() - half, d.mean() + half


def assert_above(a, b) -> None:
    lo, hi = interval(a, b)
    assert lo > 0, f"paired mean difference in [{lo:.4g}, {hi:.4g}], expected above zero"


def assert_below(a, b) -> None:
    lo, hi = interval(a, b)
    assert hi < 0, f"paired mean difference in [{lo:.4g}, {hi:.4g}], expected below zero"


def first_move(model: AllianceModel, start: float, i: str = "ROK", j: str = "JPN") -> np.ndarray:
    """``i``'s change in cooperation toward ``j`` in the first month, from ``start``."""
    return model.coop[(i, j)] - start


# ---- Walt: the threat PRK poses, and the threat an ally perceives


def test_prk_proximity_raises_the_threat_an_ally_perceives():
    near = run(events=missiles(3), settings={"actors.ROK.prk_proximity": 0.9})
    far = run(events=missiles(3), settings={"actors.ROK.prk_proximity": 0.2})
    assert (near.trace["threat_rok"][0] > far.trace["threat_rok"][0]).all()
    np.testing.assert_array_equal(near.trace["threat_jpn"], far.trace["threat_jpn"])


def test_prk_capability_raises_its_threat():
    strong, weak = run(settings={"actors.PRK.capability": 0.6}), run(settings={"actors.PRK.capability": 0.3})
    assert (strong.actor("PRK").threat > weak.actor("PRK").threat).all()
    assert (strong.trace["threat_rok"][0] > weak.trace["threat_rok"][0]).all()


def test_prk_launches_raise_its_threat():
    # Walt's intent shown by provocations: more launches, more remembered activity, more threat.
    def threat(rate):
        return steps(6, missiles(rate), FIXED_LAUNCHES, lambda m: m.actor("PRK").threat)

    busy, quiet = threat(6.0), threat(1.0)
    assert_above(busy.mean(axis=0), quiet.mean(axis=0))
    assert (busy >= quiet).all()


def test_prk_activity_threat_saturates():
    # activity_weight * a / (a + activity_saturation): it levels off below activity_weight, and a
    # larger saturation point gives less threat for the same launches.
    none = {"actors.PRK.capability": 0.0, **FIXED_LAUNCHES}
    weight = 0.45  # walt.activity_weight's default
    flood = steps(12, missiles(30.0), none, lambda m: m.actor("PRK").threat)
    assert (flood < weight).all()
    assert (flood[-1] > 0.8 * weight).all()
    soon = run(6, missiles(4.0), {**none, "parameters.walt.activity_saturation": 1.0})
    late = run(6, missiles(4.0), {**none, "parameters.walt.activity_saturation": 8.0})
    np.testing.assert_array_equal(soon.actor("PRK").activity, late.actor("PRK").activity)
    active = soon.actor("PRK").activity > 0
    assert active.mean() > 0.9
    assert (soon.actor("PRK").threat[active] > late.actor("PRK").threat[active]).all()


def test_icbm_launches_shock_the_threat():
    events, fixed = missiles(4.0, icbm_share=0.5), {**FIXED_LAUNCHES}
    shocked = run(6, events, {**fixed, "parameters.walt.icbm_shock": 0.2})
    flat = run(6, events, {**fixed, "parameters.walt.icbm_shock": 0.0})
    np.testing.assert_array_equal(shocked.actor("PRK").icbms, flat.actor("PRK").icbms)
    assert (shocked.actor("PRK").shock >= 0).all()
    assert (shocked.actor("PRK").threat >= flat.actor("PRK").threat).all()
    assert_above(shocked.actor("PRK").threat, flat.actor("PRK").threat)


def test_nuclear_test_shocks_the_threat_and_the_shock_decays():
    nuclear = {"nuke": {"type": "nuclear_test", "at": START}}
    shock = steps(4, nuclear, read=lambda m: m.actor("PRK").shock)
    threat = steps(4, nuclear, read=lambda m: m.actor("PRK").threat)
    calm = steps(4, read=lambda m: m.actor("PRK").threat)
    assert (shock[0] > 0).all() and (threat > calm).all()
    assert (np.diff(shock, axis=0) < 0).all()  # walt.shock_decay


# ---- Cha: the ROK-JPN cooperation target, term by term (the drivers are the terms)


def test_shared_threat_is_the_lower_of_the_two_allies_threats():
    # ROK's threat raised above JPN's: the shared threat is still JPN's, the term does not move.
    # Both raised: the shared threat rises, so does the term.
    events = missiles(3)
    base = run(12, events, FIXED_LAUNCHES)
    rok = run(12, events, {**FIXED_LAUNCHES, "actors.ROK.prk_proximity": 0.9})
    both = run(12, events, {**FIXED_LAUNCHES, "actors.ROK.prk_proximity": 0.9, "actors.JPN.prk_proximity": 0.9})
    assert (rok.trace["threat_rok"] > base.trace["threat_rok"]).all()
    np.testing.assert_array_equal(rok.trace["threat_jpn"], base.trace["threat_jpn"])
    np.testing.assert_array_equal(rok.drivers["threat"], base.drivers["threat"])
    assert (both.drivers["threat"] > base.drivers["threat"]).all()
    assert (base.drivers["threat"] > 0).all()


def test_symmetric_abandonment_is_the_lower_of_the_two_fears():
    # ROK alone doubts the US: the shared fear is still JPN's. Both doubt it: the term rises.
    base = run(12)
    rok = run(12, settings={"actors.ROK.us_trust": 0.7})
    both = run(12, settings={"actors.USA.commitment": 0.6})
    assert (rok.trace["abandonment_rok"] > base.trace["abandonment_rok"]).all()
    np.testing.assert_array_equal(rok.trace["abandonment_jpn"], base.trace["abandonment_jpn"])
    np.testing.assert_array_equal(rok.drivers["abandonment"], base.drivers["abandonment"])
    assert (both.drivers["abandonment"] > base.drivers["abandonment"]).all()
    assert (base.drivers["abandonment"] > 0).all()


def test_asymmetric_abandonment_pulls_the_allies_apart():
    equal = run(12)
    unequal = run(12, settings={"actors.ROK.us_trust": 0.7})
    np.testing.assert_array_equal(equal.drivers["asymmetry"], 0.0)  # the same trust: no asymmetry
    assert (unequal.drivers["asymmetry"] < 0).all()
    # the symmetric term cannot explain the fall: it is unchanged (test above)
    assert_below(unequal.trace["coop_rok_jpn"].mean(axis=0), equal.trace["coop_rok_jpn"].mean(axis=0))


def test_grievance_lowers_rok_jpn_cooperation():
    bitter = run(12, settings={"parameters.cha.grievance": 1.2})
    mild = run(12, settings={"parameters.cha.grievance": 0.3})
    assert (bitter.drivers["grievance"] < mild.drivers["grievance"]).all()
    assert (mild.drivers["grievance"] < 0).all()
    assert_below(bitter.trace["coop_rok_jpn"].mean(axis=0), mild.trace["coop_rok_jpn"].mean(axis=0))


# ---- Patron brokerage

#: ROK-JPN cooperation below the brokerage threshold (0.4): the US brokers.
LOW = {"actors.ROK.coop.JPN": 0.3, "actors.JPN.coop.ROK": 0.3}


def test_us_brokerage_lifts_rok_jpn_cooperation():
    able = run(12, settings={**LOW, "actors.USA.brokerage": 0.9})
    unable = run(12, settings={**LOW, "actors.USA.brokerage": 0.1})
    assert (able.drivers["brokerage"][0] > unable.drivers["brokerage"][0]).all()
    assert (unable.drivers["brokerage"][0] > 0).all()
    assert_above(able.trace["coop_rok_jpn"].mean(axis=0), unable.trace["coop_rok_jpn"].mean(axis=0))


def test_brokerage_effort_grows_as_cooperation_sinks_below_the_threshold():
    deep = run(settings={"actors.ROK.coop.JPN": 0.25, "actors.JPN.coop.ROK": 0.25})
    shallow = run(settings={"actors.ROK.coop.JPN": 0.35, "actors.JPN.coop.ROK": 0.35})
    above = run(settings={"actors.ROK.coop.JPN": 0.5, "actors.JPN.coop.ROK": 0.5})
    assert (deep.actor("USA").effort > shallow.actor("USA").effort).all()
    assert (shallow.actor("USA").effort > 0).all()
    np.testing.assert_array_equal(above.actor("USA").effort, 0.0)


def test_a_dated_brokerage_push_adds_effort():
    pushed = run(events={"push": {"type": "us_brokerage", "magnitude": 0.3, "at": START}})
    assert (pushed.actor("USA").effort > run().actor("USA").effort).all()
    assert (pushed.drivers["brokerage"][0] > 0).all()


def test_a_transactional_us_brokers_less():
    deal = run(12, settings={**LOW, "actors.USA.transactionalism": 0.9})
    ally = run(12, settings={**LOW, "actors.USA.transactionalism": 0.1})
    assert (deal.drivers["brokerage"][0] < ally.drivers["brokerage"][0]).all()
    assert_below(deal.trace["coop_rok_jpn"].mean(axis=0), ally.trace["coop_rok_jpn"].mean(axis=0))


# ---- Summits


def test_summit_boosts_rok_jpn_cooperation_and_the_boost_decays():
    # the boost alone: no relief of antipathy, and no leaders' meetings adding boosts of their own
    no_relief = {"parameters.diplomacy.summit_relief": 0.0, "parameters.meetings.rate": 0.0}
    met = run(6, summit(["ROK", "JPN"]), no_relief)
    apart = run(6, settings=no_relief)
    boost = met.drivers["events"]
    assert (boost > 0).all()
    assert (np.diff(boost, axis=0) < 0).all()  # diplomacy.summit_decay
    assert (met.trace["coop_rok_jpn"][0] > apart.trace["coop_rok_jpn"][0]).all()
    assert_above(met.trace["coop_rok_jpn"].mean(axis=0), apart.trace["coop_rok_jpn"].mean(axis=0))


def test_a_rok_jpn_summit_relieves_antipathy():
    def antipathy(events, relief=0.3):
        m = run(events=events, settings={"parameters.diplomacy.summit_relief": relief})
        return m.actor("ROK").antipathy.copy(), m.actor("JPN").antipathy.copy()

    none = antipathy({})
    for met, still in zip(antipathy(summit(["ROK", "JPN"])), none, strict=True):
        assert (met < still).all()
    for more, less in zip(antipathy(summit(["ROK", "JPN"]), 0.6), antipathy(summit(["ROK", "JPN"]), 0.1), strict=True):
        assert (more < less).all()
    # a summit without both junior allies eases nothing between them
    for other, still in zip(antipathy(summit(["ROK", "USA"])), none, strict=True):
        np.testing.assert_array_equal(other, still)


# ---- Snyder: toward or away from the patron


def test_abandonment_fear_moves_an_ally_toward_the_patron():
    doubting = run(6, settings={"actors.ROK.us_trust": 0.6})
    trusting = run(6, settings={"actors.ROK.us_trust": 0.95})
    assert (doubting.coop[("ROK", "USA")] > trusting.coop[("ROK", "USA")]).all()


def test_entrapment_fear_moves_an_ally_away_from_the_patron():
    exposed = run(6, settings={"actors.ROK.china_exposure": 0.9})
    sheltered = run(6, settings={"actors.ROK.china_exposure": 0.0})
    assert (exposed.actor("ROK").entrapment > sheltered.actor("ROK").entrapment).all()
    assert (exposed.coop[("ROK", "USA")] < sheltered.coop[("ROK", "USA")]).all()


def test_threat_moves_an_ally_toward_the_patron():
    near = run(settings={"actors.ROK.prk_proximity": 0.9})
    far = run(settings={"actors.ROK.prk_proximity": 0.1})
    # equal only where a large misreading of the US move has the gate cap both
    assert (near.coop[("ROK", "USA")] >= far.coop[("ROK", "USA")]).all()
    assert_above(near.coop[("ROK", "USA")], far.coop[("ROK", "USA")])


def test_perceived_commitment_follows_the_us_signal_at_the_perception_rate():
    cut = {"cut": {"type": "us_burden_sharing", "target": "ROK", "magnitude": 0.2, "at": START}}

    def perceived(rate):
        return steps(3, cut, {"parameters.snyder.perception_rate": rate}, lambda m: m.actor("ROK").perceived)

    fast, slow = perceived(0.6), perceived(0.1)
    signal = steps(3, cut, read=lambda m: m.actor("USA").commitment_to["ROK"] * 0.95)  # us_trust's default
    start = 0.8 * 0.95
    assert (fast < slow).all() and (slow < start).all()
    assert (fast >= signal).all()  # toward the signal, never past it


# ---- Putnam: the win-set, and the interim freeze


def test_approval_widens_the_win_set():
    for setting, sign in ((WARMING, 1), (COOLING, -1)):
        start = setting["actors.ROK.coop.JPN"]
        popular = sign * first_move(run(settings={**setting, "actors.ROK.approval": 0.8}), start)
        unpopular = sign * first_move(run(settings={**setting, "actors.ROK.approval": 0.2}), start)
        assert (unpopular > 0).all()
        assert (popular > unpopular).all()


def test_antipathy_shrinks_only_the_room_for_warming():
    def move(setting, antipathy):
        return first_move(run(settings={**setting, "actors.ROK.antipathy": antipathy}), setting["actors.ROK.coop.JPN"])

    assert (move(WARMING, 0.8) < move(WARMING, 0.1)).all()
    assert (move(WARMING, 0.8) > 0).all()
    np.testing.assert_array_equal(move(COOLING, 0.8), move(COOLING, 0.1))


def test_a_popular_pragmatist_moves_ahead_of_the_public_and_pays_for_it():
    # Gate-bound warming under high antipathy: leader initiative overrides part of the public's
    # drag (about 55% here), so the move is larger, and the larger warming costs more approval.
    setting = {**WARMING, "actors.ROK.antipathy": 0.8, "actors.ROK.approval": 0.8, "actors.ROK.position": 0.8}
    led = run(settings={**setting, "parameters.gate.initiative": 1.0})
    held = run(settings={**setting, "parameters.gate.initiative": 0.0})
    assert (first_move(led, 0.05) > 1.3 * first_move(held, 0.05)).all()
    assert_below(led.actor("ROK").approval, held.actor("ROK").approval)


def test_an_unpopular_government_or_a_hawk_cannot_lead():
    for who in (
        {"actors.ROK.approval": 0.3, "actors.ROK.position": 0.8},  # at or below gate.initiative_floor
        {"actors.ROK.approval": 0.8, "actors.ROK.position": -0.3},  # a history hawk
    ):
        setting = {**WARMING, "actors.ROK.antipathy": 0.8, **who}
        on = first_move(run(settings={**setting, "parameters.gate.initiative": 1.0}), 0.05)
        off = first_move(run(settings={**setting, "parameters.gate.initiative": 0.0}), 0.05)
        np.testing.assert_array_equal(on, off)


#: The agreements in force from the first month, ROK's public hostile (antipathy 0.8 and its anchor).
PACT = {"pact": {"type": "agreement", "at": START, "depth": 0.3}}
HOSTILE = {"actors.ROK.antipathy": 0.8, "actors.ROK.antipathy_anchor": 0.8, "actors.ROK.interim": False}


def repudiated_by(months: int, settings: dict) -> np.ndarray:
    """Per replication: the agreements were repudiated within ``months``."""
    return steps(months, PACT, settings, read=lambda m: m.agreement == 0).any(axis=0)


def test_a_hawk_facing_a_hostile_public_repudiates_more_often_than_a_pragmatist():
    # chance a month = repudiation * (antipathy - tolerance) * (1 - position) / 2: 0.4 * 0.3 * 0.9
    # for a hawk at -0.8, 0.4 * 0.3 * 0.25 for a pragmatist at +0.5, none at +1
    hawk = repudiated_by(12, {**HOSTILE, "actors.ROK.position": -0.8})
    pragmatist = repudiated_by(12, {**HOSTILE, "actors.ROK.position": 0.5})
    assert_above(hawk, pragmatist)
    assert not repudiated_by(12, {**HOSTILE, "actors.ROK.position": 1.0, "actors.JPN.position": 1.0}).any()


def test_a_public_within_its_tolerance_or_an_acting_government_keeps_the_agreement():
    calm = {"actors.ROK.antipathy": 0.3, "actors.ROK.antipathy_anchor": 0.3, "actors.JPN.antipathy": 0.3}
    assert not repudiated_by(12, {**calm, "actors.JPN.antipathy_anchor": 0.3, "actors.ROK.position": -1.0}).any()
    acting = {**HOSTILE, "actors.ROK.interim": True, "actors.ROK.position": -1.0, "actors.JPN.antipathy": 0.0}
    assert not repudiated_by(6, {**acting, "actors.JPN.antipathy_anchor": 0.0}).any()


def test_repudiation_costs_institutions_cooperation_and_opens_a_dispute_in_the_partner():
    certain = {**HOSTILE, "actors.ROK.position": -1.0, "parameters.agreements.repudiation": 5.0}
    never = {**certain, "parameters.agreements.repudiation": 0.0}
    broken, kept = run(2, PACT, certain), run(2, PACT, never)
    assert (broken.agreement == 0).all() and (kept.agreement > 0).all()
    assert (broken.institutions < kept.institutions).all()
    assert_below(broken.coop[("ROK", "JPN")], kept.coop[("ROK", "JPN")])
    assert (broken.actor("JPN").dispute > kept.actor("JPN").dispute).all()


def test_an_interim_government_is_frozen_both_ways():
    frozen = 0.003  # gate.interim_winset's default
    for setting, sign in ((WARMING, 1), (COOLING, -1)):
        start = setting["actors.ROK.coop.JPN"]
        acting = first_move(run(settings={**setting, "actors.ROK.interim": True}), start)
        elected = first_move(run(settings={**setting, "actors.ROK.interim": False}), start)
        np.testing.assert_allclose(acting, sign * frozen, rtol=1e-9)
        assert (sign * elected > frozen).all()


# ---- Fearon: audience costs; domestic drift; elections


def test_warming_toward_an_unpopular_partner_costs_approval():
    def approval(setting, cost, antipathy=0.6):
        m = run(settings={**setting, "actors.ROK.antipathy": antipathy, "parameters.gate.audience_cost": cost})
        return m.actor("ROK").approval.copy()

    assert (approval(WARMING, 3.0) < approval(WARMING, 0.0)).all()
    # no cost for warming toward a partner the public does not resent, nor for cooling
    np.testing.assert_array_equal(approval(WARMING, 3.0, antipathy=0.0), approval(WARMING, 0.0, antipathy=0.0))
    np.testing.assert_array_equal(approval(COOLING, 3.0), approval(COOLING, 0.0))


def test_approval_reverts_to_its_anchor():
    def approval(level, anchor, reversion):
        settings = {
            "actors.ROK.approval": level,
            "actors.ROK.approval_anchor": anchor,
            "actors.ROK.antipathy": 0.0,  # no audience cost
            "parameters.domestic.approval_reversion": reversion,
        }
        return run(6, settings=settings).actor("ROK").approval.copy()

    assert_above(approval(0.2, 0.6, 0.3), approval(0.2, 0.6, 0.02))
    assert_below(approval(0.8, 0.4, 0.3), approval(0.8, 0.4, 0.02))


def test_grievance_fades_toward_its_anchor_and_a_dispute_revives_it():
    def antipathy(level, anchor, reversion, events=None):
        settings = {
            "actors.ROK.antipathy": level,
            "actors.ROK.antipathy_anchor": anchor,
            "parameters.domestic.grievance_reversion": reversion,
        }
        return run(6, events, settings).actor("ROK").antipathy.copy()

    assert (antipathy(0.8, 0.3, 0.2) < antipathy(0.8, 0.3, 0.01)).all()
    assert (antipathy(0.1, 0.5, 0.2) > antipathy(0.1, 0.5, 0.01)).all()
    dispute = {"ruling": {"type": "history_dispute", "magnitude": 0.3, "at": START}}
    assert (antipathy(0.4, 0.4, 0.01, dispute) > antipathy(0.4, 0.4, 0.01)).all()


def test_higher_approval_keeps_the_incumbent_in_office_more_often():
    # A defeated incumbent's approval anchor becomes domestic.election_midpoint (0.45); a
    # kept one's stays at its initial value (here never 0.45).
    election = {"vote": {"type": "election", "actor": "ROK", "at": START}}

    def kept(approval, advantage=0.0):
        vote = {"vote": {**election["vote"], "incumbent_advantage": advantage}}
        m = run(events=vote, settings={"actors.ROK.approval": approval})
        return (m.actor("ROK").approval_anchor != 0.45).astype(float)

    popular, unpopular = kept(0.7), kept(0.3)
    assert (popular >= unpopular).all()
    assert_above(popular, unpopular)
    favoured, level = kept(0.4, 0.3), kept(0.4)
    assert (favoured >= level).all()
    assert_above(favoured, level)


# ---- PRK: action-reaction, Russian backing, detente


def test_prk_launches_more_against_a_more_cohesive_alliance():
    tight = run(events=missiles(5.0), settings=cooperation(0.95))
    loose = run(events=missiles(5.0), settings=cooperation(0.35))
    assert (tight.trace["prk_tests"][0] >= loose.trace["prk_tests"][0]).all()
    assert_above(tight.trace["prk_tests"][0], loose.trace["prk_tests"][0])


def test_russian_backing_emboldens_prk():
    backed = run(events=missiles(5.0), settings={"actors.PRK.russia_backing": 0.9})
    alone = run(events=missiles(5.0), settings={"actors.PRK.russia_backing": 0.0})
    assert (backed.trace["prk_tests"][0] >= alone.trace["prk_tests"][0]).all()
    assert_above(backed.trace["prk_tests"][0], alone.trace["prk_tests"][0])


def test_russian_backing_raises_prk_capability():
    # no launches: PRK's threat is its capability
    backed, alone = run(settings={"actors.PRK.russia_backing": 0.9}), run()
    assert (backed.actor("PRK").threat > alone.actor("PRK").threat).all()
    treaty = run(events={"treaty": {"type": "prk_russia_alignment", "magnitude": 0.4, "at": START}})
    assert (treaty.actor("PRK").russia > 0).all()
    assert (treaty.actor("PRK").threat > alone.actor("PRK").threat).all()


def test_detente_suppresses_prk_launches_and_fades():
    talks = {**missiles(6.0), **summit(["ROK", "PRK"], magnitude=0.8)}
    calm = steps(4, talks, read=lambda m: m.trace["prk_tests"][m.steps - 1])
    tense = steps(4, missiles(6.0), read=lambda m: m.trace["prk_tests"][m.steps - 1])
    assert (calm[0] <= tense[0]).all()
    assert_below(calm.sum(axis=0), tense.sum(axis=0))
    detente = steps(4, talks, read=lambda m: m.actor("PRK").detente)
    assert (detente > 0).all()
    assert (np.diff(detente, axis=0) < 0).all()  # diplomacy.detente_decay


# ---- CHN: the wedge and the two coercion channels


def test_chn_presses_rok_harder_when_cohesion_is_above_its_reference():
    tight = run(settings=cooperation(0.95))  # above chn.cohesion_reference (0.6)
    loose = run(settings=cooperation(0.35))  # below it
    assert (tight.trace["chn_pressure"][0] > loose.trace["chn_pressure"][0]).all()
    np.testing.assert_allclose(loose.trace["chn_pressure"][0], 0.2)  # CHN.pressure's default: no wedge


def test_maritime_coercion_raises_the_targets_threat_from_china():
    sea = {"sea": {"type": "china_coercion", "channel": "maritime", "target": "JPN", "magnitude": 0.3, "at": START}}
    pressed, calm = run(events=sea), run()
    chn = pressed.actor("CHN").threat_to, calm.actor("CHN").threat_to
    assert (chn[0]["JPN"] > chn[1]["JPN"]).all()
    np.testing.assert_array_equal(chn[0]["ROK"], chn[1]["ROK"])
    assert (pressed.trace["threat_jpn"][0] > calm.trace["threat_jpn"][0]).all()
    assert (pressed.actor("USA").tension > calm.actor("USA").tension).all()  # chn.tension_weight


def test_economic_coercion_raises_rok_entrapment():
    trade = {"trade": {"type": "china_coercion", "channel": "economic", "magnitude": 0.3, "at": START}}
    pressed, calm = run(events=trade), run()
    assert (pressed.actor("CHN").pressure > calm.actor("CHN").pressure).all()
    assert (pressed.actor("ROK").entrapment > calm.actor("ROK").entrapment).all()
    np.testing.assert_array_equal(pressed.actor("JPN").entrapment, calm.actor("JPN").entrapment)


def test_us_china_tension_raises_entrapment():
    tense = run(settings={"actors.USA.china_tension": 0.9})
    calm = run(settings={"actors.USA.china_tension": 0.1})
    for ally in ("ROK", "JPN"):
        assert (tense.actor(ally).entrapment > calm.actor(ally).entrapment).all()


# ---- US signals


def test_burden_sharing_lowers_perceived_commitment_more_under_a_transactional_us():
    cut = {"cut": {"type": "us_burden_sharing", "target": "ROK", "magnitude": 0.1, "at": START}}
    pressed, calm = run(events=cut), run()
    usa = pressed.actor("USA").commitment_to, calm.actor("USA").commitment_to
    assert (usa[0]["ROK"] < usa[1]["ROK"]).all()
    np.testing.assert_array_equal(usa[0]["JPN"], usa[1]["JPN"])
    assert (pressed.trace["abandonment_rok"][0] > calm.trace["abandonment_rok"][0]).all()
    dealer = run(events=cut, settings={"actors.USA.transactionalism": 0.9})
    partner = run(events=cut, settings={"actors.USA.transactionalism": 0.1})
    assert (dealer.actor("USA").commitment_to["ROK"] < partner.actor("USA").commitment_to["ROK"]).all()
    # the shock fades (snyder.commitment_recovery): the signal climbs back
    signal = steps(4, cut, read=lambda m: m.actor("USA").commitment_to["ROK"])
    assert (np.diff(signal, axis=0) > 0).all() and (signal < 0.8).all()


def test_reassurance_raises_perceived_commitment_whatever_the_transactionalism():
    calm = run()
    for transactionalism in (0.1, 0.9):
        reassured = run(
            events={"words": {"type": "us_reassurance", "target": "both", "magnitude": 0.1, "at": START}},
            settings={"actors.USA.transactionalism": transactionalism},
        )
        for ally in ("ROK", "JPN"):
            np.testing.assert_allclose(reassured.actor("USA").commitment_to[ally], 0.9)
            assert (reassured.actor(ally).perceived > calm.actor(ally).perceived).all()


def test_us_cooperation_follows_its_signal_and_its_ally():
    committed = run(settings={"actors.USA.commitment": 0.95})
    wavering = run(settings={"actors.USA.commitment": 0.6})
    assert (committed.coop[("USA", "ROK")] > wavering.coop[("USA", "ROK")]).all()
    close = run(settings={"actors.ROK.coop.USA": 0.95})
    distant = run(settings={"actors.ROK.coop.USA": 0.6})
    assert (close.coop[("USA", "ROK")] > distant.coop[("USA", "ROK")]).all()
