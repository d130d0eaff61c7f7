"""Step metrics and run summaries on hand-made states and traces whose answers are known; series quantiles equal numpy's."""

import numpy as np
import pytest
from conftest import BASE
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim import metrics
from alliance_sim import slots as S
from alliance_sim.coefficients import Parameters
from alliance_sim.orderstats import SIGNED_ZEROS, order_statistics
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import apply_overrides, load_scenario
from alliance_sim.series import QUANTILES, percentiles


@pytest.fixture
def trace():
    # two replications over three months; rupture threshold 0.25
    return {
        "coop_rok_jpn": np.array([[0.30, 0.40], [0.20, 0.30], [0.10, 0.35]]),
        "cohesion": np.array([[0.6, 0.8], [0.5, 0.7], [0.4, 0.9]]),
        # trade measures in months 2-3 of the first future; security linkage in month 3 of the second
        "trade_measures": np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0]]),
        "security_linkage": np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 1.0]]),
        "agreement_repudiated": np.array([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]),
        # leaders met in month 2 of the first future only
        "leaders_meeting": np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]),
        # rupture (two tracks broken) in month 3 of the first future, months 2-3 of the second
        "rupture": np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]]),
    }


def test_summaries(trace):
    p = Parameters()
    got = {name: fn(trace, p) for name, fn in metrics.SUMMARIES.items()}
    np.testing.assert_allclose(got["cohesion_mean"], [0.5, 0.8])
    np.testing.assert_allclose(got["cohesion_min"], [0.4, 0.7])
    np.testing.assert_allclose(got["cohesion_final"], [0.4, 0.9])
    np.testing.assert_array_equal(got["rupture"], [True, True])
    np.testing.assert_array_equal(got["first_rupture_month"], [3.0, 2.0])
    np.testing.assert_array_equal(got["months_in_rupture"], [1, 2])
    # the latent index below the default threshold 0.30: months 2-3 of the first future only
    np.testing.assert_array_equal(got["below_threshold_ever"], [True, False])
    np.testing.assert_array_equal(got["first_below_threshold_month"], [2.0, np.nan])
    np.testing.assert_array_equal(got["months_below_threshold"], [2, 0])
    np.testing.assert_allclose(got["coop_rok_jpn_final"], [0.10, 0.35])
    np.testing.assert_array_equal(got["trade_measures_ever"], [True, False])
    np.testing.assert_array_equal(got["first_trade_measures_month"], [2.0, np.nan])
    np.testing.assert_array_equal(got["security_linkage_ever"], [False, True])
    np.testing.assert_array_equal(got["first_security_linkage_month"], [np.nan, 3.0])
    np.testing.assert_array_equal(got["agreement_repudiated_ever"], [False, True])
    np.testing.assert_array_equal(got["first_agreement_repudiated_month"], [np.nan, 2.0])
    np.testing.assert_allclose(got["meetings_per_year"], [4.0, 0.0])  # one meeting in 3 months
    np.testing.assert_array_equal(got["year_without_meeting"], [False, False])  # a 3-month horizon


def test_a_year_without_a_meeting_needs_twelve_consecutive_months():
    # 24 months. Future 0 meets in months 1 and 13: gaps of 11 months (2-12, 14-24). Future 1
    # meets in months 2 and 15: months 3-14 are twelve without one. Future 2 meets every month.
    met = np.zeros((24, 3))
    met[[0, 12], 0] = 1
    met[[1, 14], 1] = 1
    met[:, 2] = 1
    got = metrics.year_without_meeting({"leaders_meeting": met}, Parameters())
    np.testing.assert_array_equal(got, [False, True, False])


def test_recovery_after_the_largest_drop():
    # column 0: falls 0.8 -> 0.5 in month 3, back to 0.8 in month 5 (two months later);
    # column 1: largest fall 0.9 -> 0.6 in month 2, never back to 0.9.
    cohesion = np.array([[0.8, 0.9], [0.8, 0.6], [0.5, 0.7], [0.6, 0.8], [0.8, 0.85]])
    got = metrics.recovery_months({"cohesion": cohesion}, Parameters())
    np.testing.assert_array_equal(got, [2.0, np.nan])


def test_threshold_is_a_coefficient(trace):
    p = Parameters.model_validate({"thresholds": {"rupture": 0.35}})
    np.testing.assert_array_equal(metrics.months_below_threshold(trace, p), [3, 1])
    np.testing.assert_array_equal(metrics.months_in_rupture(trace, p), [1, 2])  # observables: not the threshold


def known_state() -> np.ndarray:
    """Two replications (state rows) whose dyads have exact geometric means: 0.25 x 0.5 x 1.0 = 0.5^3, 0.9 x 0.6 x 0.4 = 0.6^3."""
    coop = {
        (S.ROK, S.JPN): [0.2, 0.8],
        (S.JPN, S.ROK): [0.3, 1.0],  # dyad 0.25, 0.9
        (S.ROK, S.USA): [0.4, 0.5],
        (S.USA, S.ROK): [0.6, 0.7],  # dyad 0.5, 0.6
        (S.JPN, S.USA): [1.0, 0.3],
        (S.USA, S.JPN): [1.0, 0.5],  # dyad 1.0, 0.4
    }
    state = np.full((2, S.N_SLOTS), np.nan)
    for (i, j), v in coop.items():
        state[:, S.COOP + 3 * i + j] = v
    state[:, S.ROK * S.ALLY_SLOTS + S.THREAT] = [0.1, 0.2]
    state[:, S.JPN * S.ALLY_SLOTS + S.THREAT] = [0.3, 0.4]
    state[:, S.ROK * S.ALLY_SLOTS + S.PERCEIVED] = [0.75, 0.5]  # abandonment 0.25, 0.5
    state[:, S.JPN * S.ALLY_SLOTS + S.PERCEIVED] = [0.95, 0.25]  # abandonment 0.05, 0.75
    state[:, S.PRK_TESTS] = [0.0, 3.0]
    state[:, S.CHN_PRESSURE] = [0.2, 0.9]
    # ladder rungs: replication 0 - ROK protests (1), JPN trade measures (2); replication 1 - ROK links security (3)
    state[:, S.ROK * S.ALLY_SLOTS + S.RUNG] = [1.0, 3.0]
    state[:, S.JPN * S.ALLY_SLOTS + S.RUNG] = [2.0, 0.0]
    state[:, S.INSTITUTIONS] = [0.3, 0.7]
    state[:, S.MEETING] = [0.0, 1.0]
    state[:, S.MEETING_GAP] = [11.0, 0.0]  # replication 0: eleven months since the leaders met
    state[:, S.REPUDIATED] = [1.0, 0.0]
    state[:, S.CHN_TIES] = [0.55, 0.35]
    state[:, S.CHN_TRADE] = [1.0, 1.25]
    return state


#: The step metrics of ``known_state``, worked out by hand.
KNOWN = {
    "coop_rok_jpn": [0.25, 0.9],
    "coop_rok_usa": [0.5, 0.6],
    "coop_jpn_usa": [1.0, 0.4],
    "cohesion": [0.5, 0.6],
    "threat_rok": [0.1, 0.2],
    "threat_jpn": [0.3, 0.4],
    "abandonment_rok": [0.25, 0.5],
    "abandonment_jpn": [0.05, 0.75],
    "prk_tests": [0.0, 3.0],
    "chn_pressure": [0.2, 0.9],
    "institutions": [0.3, 0.7],
    "leaders_meeting": [0.0, 1.0],
    "trade_measures": [1.0, 1.0],  # either government on rung 2 or higher
    "security_linkage": [0.0, 1.0],  # either on rung 3
    "agreement_repudiated": [1.0, 0.0],
    "chn_ties_rok": [0.55, 0.35],
    "chn_trade_rok": [1.0, 1.25],
    "rupture": [0.0, 1.0],  # 0: trade only (eleven months without a meeting); 1: security linkage breaks two tracks
}


@pytest.mark.parametrize(
    ("rok_rung", "jpn_rung", "gap", "tracks"),
    [
        (0, 0, 0, 0),
        (0, 0, 40, 1),  # no meeting for over three years, nothing else: diplomacy only
        (2, 0, 11, 1),  # trade measures, leaders met eleven months ago
        (2, 0, 12, 2),  # trade measures and a year without a meeting: rupture
        (1, 1, 12, 1),  # protests do not break a track
        (0, 3, 0, 2),  # security linkage sits above trade measures on the ladder: two tracks
        (3, 2, 12, 3),
    ],
)
def test_rupture_needs_two_of_the_three_tracks(rok_rung, jpn_rung, gap, tracks):
    s = known_state()[0]
    s[S.ROK * S.ALLY_SLOTS + S.RUNG], s[S.JPN * S.ALLY_SLOTS + S.RUNG], s[S.MEETING_GAP] = rok_rung, jpn_rung, gap
    assert metrics.broken_tracks(s) == tracks
    assert metrics.rupture(s) == (1.0 if tracks >= 2 else 0.0)


def test_step_metrics_on_a_known_state():
    # every registered step metric must have a hand-worked answer here
    assert set(metrics.STEP_METRICS) == set(KNOWN)
    state = known_state()
    for name, fn in metrics.STEP_METRICS.items():
        np.testing.assert_allclose([fn(s) for s in state], KNOWN[name], rtol=1e-12, err_msg=name)


def test_the_month_step_records_every_metric_in_registry_order():
    state = known_state()
    trace = np.full((len(metrics.STEP_METRICS), 1, 2), np.nan)
    for r, s in enumerate(state):
        metrics.record(s, trace, 0, r)
    for k, name in enumerate(metrics.STEP_METRICS):
        np.testing.assert_allclose(trace[k, 0], KNOWN[name], rtol=1e-12, err_msg=name)


def test_definitions_name_what_a_run_writes():
    # the manifest's definitions must name exactly the columns a real run produces
    s = apply_overrides(load_scenario(BASE), {"months": 3, "replications": 4})
    runs, trace = run_ensemble(s)
    d = metrics.definitions()
    assert set(d["step"]) | set(d["drivers"]) == set(trace)
    assert set(d["summary"]) == set(runs.columns) - {"point", "replication", "seed", "spawn_key"}
    assert all(text.strip() for group in d.values() for text in group.values())


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 60),
    st.integers(0, 2**32 - 1),
    st.sampled_from(
        [
            "normal",
            "rounded",
            "zeros",
            "signed_zeros",
            "nan",
            "counts",
            "outlier",
            "spread",
            "infinite",
            "constant",
            "indicator",
            "bunched",
            "clipped",
        ]
    ),
)
def test_series_percentiles_equal_numpy(rows, n, seed, kind):
    # the quantiles from order statistics must give numpy's numbers bit for bit, signed zeros and NaN
    # included, and whatever the values' spread (outliers, 600 orders of magnitude, infinities, constant
    # rows, 0/1 indicators, rounding noise around zero with a few values far off, as in a driver term,
    # ties at both ends with values beside them in the end buckets)
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(rows, n))
    if kind == "rounded":
        v = np.round(v, 1)  # ties, and -0.0 from small negatives
    elif kind == "zeros":
        v[rng.random(v.shape) < 0.5] = 0.0
    elif kind == "signed_zeros":
        v = np.where(rng.random(v.shape) < 0.5, -0.0, 0.0) * rng.integers(0, 2, size=v.shape)
    elif kind == "nan":
        v[rng.random(v.shape) < 0.1] = np.nan
    elif kind == "counts":
        v = rng.poisson(1.0, size=(rows, n)).astype(float)
    elif kind == "outlier":
        v[rng.random(v.shape) < 0.05] = 1e12
    elif kind == "spread":
        v = 10.0 ** rng.uniform(-300, 300, size=v.shape) * rng.choice([-1.0, 1.0], size=v.shape)
    elif kind == "infinite":
        v[rng.random(v.shape) < 0.1] = rng.choice([-np.inf, np.inf])
    elif kind == "constant":
        v = np.full_like(v, v[0, 0])
    elif kind == "indicator":
        v = (rng.random(v.shape) < rng.random()).astype(float)
    elif kind == "bunched":
        v = v * 1e-17
        v[rng.random(v.shape) < 0.02] = -2.7e-3
    elif kind == "clipped":  # ties at both ends, and values next to them in the end buckets (as clipped shares)
        u = rng.random(v.shape)
        v = np.where(u < 0.3, 0.0, np.where(u < 0.6, rng.random(v.shape) * 1e-3, 1.0 - rng.random(v.shape) * 1e-3))
        v[u > 0.9] = 1.0
    for values in (v, np.tile(v, 20)):  # short rows, and rows long enough to take several passes
        expected = np.percentile(values, QUANTILES, axis=1)
        assert percentiles(values).tobytes() == expected.tobytes()


@pytest.mark.parametrize("n", [17, 1000, 3001])
def test_order_statistics_are_the_sorted_values(n):
    # the values at the ranks must be the sorted row's, for distributions that take every path:
    # spread evenly, ties, exact zeros, scales a bucket pass hardly splits (powers of two), infinities
    rng = np.random.default_rng(n)
    rows = [
        rng.normal(size=n),
        np.round(rng.normal(size=n), 1),
        np.where(rng.random(n) < 0.7, 0.0, rng.exponential(size=n)),
        2.0 ** -rng.integers(0, 1000, size=n),
        np.where(rng.random(n) < 0.1, np.inf, rng.normal(size=n)),
        rng.pareto(0.5, size=n),
    ]
    values = np.array(rows)
    ranks = np.unique(rng.integers(0, n, size=8))
    out, flags = np.zeros((len(rows), len(ranks))), np.ones(len(rows), dtype=np.uint8)
    order_statistics(values, ranks, out, flags)
    expected = np.sort(values, axis=1)[:, ranks]
    # only the rounded row holds -0.0 and 0.0 (rounded small negatives): flagged where a value given is zero
    assert flags.tolist() == [0, SIGNED_ZEROS if (expected[1] == 0).any() else 0, 0, 0, 0, 0]
    assert (out == expected).all()  # -0.0 == 0.0
    assert out[flags == 0].tobytes() == expected[flags == 0].tobytes()


def test_cohesion_of_dyads_at_most_one_is_at_most_one():
    # the C library's cube root of 1 - 2 ulp is 1 + 1 ulp (found by the bounded-metrics property)
    s = np.zeros(S.N_SLOTS)
    s[S.COOP : S.COOP + 9] = 1.0
    s[S.COOP + 3 * S.JPN + S.USA] = 1.0 - 4 * 2.0**-53  # the JPN-USA dyad 1 - 2 ulp, the product too
    assert metrics.coop_jpn_usa(s) * metrics.coop_rok_jpn(s) * metrics.coop_rok_usa(s) == 1.0 - 2 * 2.0**-53
    assert metrics.cohesion(s) == 1.0


def test_an_agreement_can_only_be_repudiated_where_one_is_in_force():
    assert "agreement_repudiated_ever" not in metrics.possible_observables(["election", "summit"])
    assert "agreement_repudiated_ever" in metrics.possible_observables(["agreement"])
    assert metrics.possible_observables(["agreement"]) == list(metrics.OBSERVABLES)
