"""Run summaries on a hand-made trace whose answers are known; series quantiles equal numpy's."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim import metrics
from alliance_sim.coefficients import Parameters
from alliance_sim.run import QUANTILES, percentiles


@pytest.fixture
def trace():
    # two replications over three months; rupture threshold 0.25
    return {
        "coop_rok_jpn": np.array([[0.30, 0.40], [0.20, 0.30], [0.10, 0.35]]),
        "cohesion": np.array([[0.6, 0.8], [0.5, 0.7], [0.4, 0.9]]),
    }


def test_summaries(trace):
    p = Parameters()
    got = {name: fn(trace, p) for name, fn in metrics.SUMMARIES.items()}
    np.testing.assert_allclose(got["cohesion_mean"], [0.5, 0.8])
    np.testing.assert_allclose(got["cohesion_min"], [0.4, 0.7])
    np.testing.assert_allclose(got["cohesion_final"], [0.4, 0.9])
    np.testing.assert_array_equal(got["rupture"], [True, False])
    np.testing.assert_array_equal(got["first_rupture_month"], [2.0, np.nan])
    np.testing.assert_array_equal(got["months_in_rupture"], [2, 0])
    np.testing.assert_allclose(got["coop_rok_jpn_final"], [0.10, 0.35])


def test_recovery_after_the_largest_drop():
    # column 0: falls 0.8 -> 0.5 in month 3, back to 0.8 in month 5 (two months later);
    # column 1: largest fall 0.9 -> 0.6 in month 2, never back to 0.9.
    cohesion = np.array([[0.8, 0.9], [0.8, 0.6], [0.5, 0.7], [0.6, 0.8], [0.8, 0.85]])
    got = metrics.recovery_months({"cohesion": cohesion}, Parameters())
    np.testing.assert_array_equal(got, [2.0, np.nan])


def test_threshold_is_a_coefficient(trace):
    p = Parameters.model_validate({"thresholds": {"rupture": 0.35}})
    np.testing.assert_array_equal(metrics.months_in_rupture(trace, p), [3, 1])


def test_definitions_cover_every_metric():
    d = metrics.definitions()
    assert set(d["step"]) == set(metrics.STEP_METRICS)
    assert set(d["summary"]) == set(metrics.SUMMARIES)
    assert set(d["drivers"]) == {f"driver_{t}" for t in metrics.DRIVERS}
    assert all(d["step"].values()) and all(d["summary"].values())


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 60),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["normal", "rounded", "zeros", "signed_zeros", "nan", "counts"]),
)
def test_series_percentiles_equal_numpy(rows, n, seed, kind):
    # the sort-based quantiles must give numpy's numbers bit for bit, signed zeros and NaN included
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
    for values in (v, np.tile(v, 20)):  # short rows, and rows long enough for the SIMD sort
        expected = np.percentile(values, QUANTILES, axis=1)
        assert percentiles(values).tobytes() == expected.tobytes()
