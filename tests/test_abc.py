"""ABC calibration: the pattern distances mirror the checks, the posterior file is reproducible
byte for byte, the accepted sets lie within the priors, and the polls narrow grievance reversion."""

import numpy as np
import pytest
from conftest import ROOT

from alliance_sim import abc, load_scenario, metrics, patterns
from alliance_sim.columns import INDEX
from alliance_sim.run import run_ensemble

HINDCAST = ROOT / "scenarios" / "hindcast" / "2015_2021.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(HINDCAST)


@pytest.fixture(scope="module")
def trace(scenario):
    return run_ensemble(scenario, 0, range(64))[1]


def bumped(trace, rng):
    """A trace with smooth random bumps on the metrics the checks read, and trade measures shifted."""
    t = np.arange(next(iter(trace.values())).shape[0])[:, None]
    out = dict(trace)
    for name in ("coop_rok_jpn", "coop_rok_usa", "coop_jpn_usa", "cohesion", "threat_rok", "chn_ties_rok"):
        if rng.random() < 0.5:
            centre, width, size = rng.uniform(24, 84), rng.uniform(2, 12), rng.normal(0, 0.06)
            out[name] = trace[name] + size * np.exp(-(((t - centre) / width) ** 2)) * rng.uniform(
                0.5, 1.5, trace[name].shape[1]
            )
    if rng.random() < 0.5:
        out["trade_measures"] = np.roll(trace["trade_measures"], int(rng.integers(-12, 13)), axis=0)
    if rng.random() < 0.3:  # ROK-China trade that shrinks through 2017, or grows
        out["chn_trade_rok"] = trace["chn_trade_rok"] * (1.0 + rng.uniform(-0.004, 0.002)) ** t
    return out


def test_distances_are_zero_exactly_when_the_checks_hold(scenario, trace):
    rng = np.random.default_rng(7)
    held = []
    for _ in range(60):
        t = bumped(trace, rng)
        checks = patterns.check_all(scenario, t)
        d = patterns.distances(patterns.Hindcast(scenario, t))
        assert [bool(x == 0) for x in d] == [c.holds for c in checks]
        assert (d >= 0).all()
        held.append([c.holds for c in checks])
    held = np.array(held)
    assert held.any(axis=0).all() and (~held).any(axis=0).all()  # every check both holds and fails somewhere


def test_a_flat_history_is_away_from_every_pattern(scenario, trace):
    flat = {k: np.full_like(v, 0.5) for k, v in trace.items()}
    d = patterns.distances(patterns.Hindcast(scenario, flat))
    assert (d > 0).all()
    assert d[1] == patterns.TINY  # no fall at all before the 2018 ruling: a tie, failed by a hair


def test_distance_grows_with_the_violation(scenario, trace):
    # Lifting ROK-JPN in 2021 breaks the freeze, more so the more it is lifted.
    year21 = slice(72, 84)
    d = []
    for lift in (0.0, 0.1, 0.2):
        t = dict(trace)
        t["coop_rok_jpn"] = trace["coop_rok_jpn"].copy()
        t["coop_rok_jpn"][year21] += lift
        d.append(float(patterns.freeze_2020_21_distance(patterns.Hindcast(scenario, t))))
    assert d[0] == 0 < d[1] < d[2]


def test_candidates_are_small_ensembles(scenario, trace):
    # Four candidates of 16 replications: each one's distances are those of its own ensemble.
    batch = {k: v.reshape(v.shape[0], 4, 16) for k, v in trace.items()}
    d = patterns.distances(patterns.Candidates(scenario, batch))
    for j in range(4):
        alone = {k: v[:, j, :] for k, v in batch.items()}
        np.testing.assert_allclose(d[:, j], patterns.distances(patterns.Hindcast(scenario, alone)), atol=1e-12)


def test_polls_stop_in_2021(tmp_path):
    for name in ("rok_view_of_japan.csv", "jpn_view_of_rok.csv"):
        text = (abc.POLLS / name).read_text()
        (tmp_path / name).write_text(text + "2022,40.0" + ",x" * (text.splitlines()[0].count(",") - 1) + "\n")
    polls = abc.poll_targets(tmp_path)
    assert polls == abc.poll_targets() and max(p.month for p in polls) <= "2021-12"
    assert min(p.month for p in polls) >= "2015-01"  # the 2013-14 readings lie before the hindcast
    assert abc.poll_scale(tmp_path) == abc.poll_scale()


def test_antipathy_traces_follow_the_actors_and_are_unregistered(scenario):
    before = list(metrics.STEP_METRICS)
    values = np.array([[0.6, 0.01], [0.6, 0.03]])
    trace = abc.simulate(
        scenario, values, ["parameters.cha.grievance", "parameters.domestic.grievance_reversion"], 0, 3
    )
    assert list(metrics.STEP_METRICS) == before
    assert trace["antipathy_rok"].shape == (scenario.months, 2, 3)
    assert trace["antipathy_rok"][0].mean() == pytest.approx(scenario.actors.ROK.antipathy, abs=0.01)
    # faster reversion toward the anchor leaves less of the 2018 rulings' shock by 2021
    assert trace["antipathy_rok"][-1, 1].mean() < trace["antipathy_rok"][-1, 0].mean()


def test_priors_lie_within_the_valid_ranges():
    abc.check_priors(abc.PRIORS)
    assert all(p.path in INDEX and p.basis for p in abc.PRIORS)
    with pytest.raises(ValueError, match="inside"):
        abc.check_priors([abc.Prior("parameters.cha.stance", 0.0, 1.5, "too wide")])


@pytest.fixture(scope="module")
def small(scenario):
    return abc.calibrate(scenario, 256, 4, 11, (1, 0.5, 0.125))


def test_calibration_is_reproducible_byte_for_byte(scenario, small, tmp_path):
    again = abc.calibrate(scenario, 256, 4, 11, (1, 0.5, 0.125), workers=2, chunk=48)
    first = abc.posterior_csv(small.paths, small.posterior)
    assert abc.posterior_csv(again.paths, again.posterior) == first
    assert abc.sha256(first) == abc.sha256(abc.posterior_csv(again.paths, again.posterior))
    (tmp_path / "p.csv").write_bytes(first)
    paths, values = abc.read_posterior(tmp_path / "p.csv")
    assert paths == small.paths and np.array_equal(values, small.posterior)


def test_schedule_and_accepted_sets(small):
    s = small.schedule
    assert s.accepted == (256, 128, 32) and list(s.eps) == sorted(s.eps, reverse=True)
    low, high = np.array([p.low for p in abc.PRIORS]), np.array([p.high for p in abc.PRIORS])
    assert len(small.posterior) == 32
    assert ((small.posterior >= low) & (small.posterior <= high)).all()
    assert (small.distance[small.accepted] <= s.eps[-1]).all() and (small.distance[~small.accepted] > s.eps[-1]).all()
    corr = abc.correlations(small.posterior)
    assert corr.shape == (len(abc.PRIORS),) * 2 and np.allclose(corr, corr.T) and np.allclose(np.diag(corr), 1)


def test_polls_narrow_grievance_reversion(small):
    # The 2018 rulings lift both publics' antipathy; the 2020-21 polls are back near their 2015
    # levels, which only a fast reversion toward the anchor reproduces: the posterior of
    # grievance_reversion sits high and is narrower than the prior.
    m = {row["path"]: row for row in abc.marginals(abc.PRIORS, small.posterior)}[
        "parameters.domestic.grievance_reversion"
    ]
    low, high = m["prior"]
    assert m["median"] > (low + high) / 2 and m["sd_ratio"] < 0.8
