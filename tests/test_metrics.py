"""Run summaries on a hand-made trace whose answers are known."""

import numpy as np
import pytest

from alliance_sim import metrics
from alliance_sim.coefficients import Parameters


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
