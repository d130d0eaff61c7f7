"""Pre-drawn randomness: exact Poisson quantiles and per-replication independence of chunking."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import poisson

from alliance_sim.draws import generate, poisson_inverse, poisson_inverse_guarded


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 25))
def test_poisson_inverse_equals_scipy(seed, lam):
    u = np.random.default_rng(seed).random(200)
    lams = np.full(200, lam) * np.linspace(0, 1, 200)
    np.testing.assert_array_equal(poisson_inverse(u, lams), poisson.ppf(u, lams))


# above HUGE_RATE the quantile comes from scipy (test_poisson_inverse_for_huge_rates)
EDGE_RATES = [0.0, 1e-300, 1e-10, 0.2, 3.0, 40.0, 699.0, np.nan, -1.0]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(EDGE_RATES) | st.floats(0, 100), min_size=1, max_size=40),
    st.integers(0, 2**32 - 1),
)
def test_poisson_inverse_equals_the_guarded_sum_for_any_rate(lams, seed):
    # rates whose CDF terms underflow, with u next to 1, take the guarded path; the counts must not change
    lam = np.array(lams)
    u = np.random.default_rng(seed).random(len(lam))
    u[::3] = np.nextafter(1.0, 0.0)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(poisson_inverse(u, lam), poisson_inverse_guarded(u, lam))


def test_replication_draws_do_not_depend_on_the_chunk():
    whole = generate(11, 3, range(10), months=5, n_uniform=4, n_normal=2)
    part = generate(11, 3, range(6, 10), months=5, n_uniform=4, n_normal=2)
    np.testing.assert_array_equal(whole.uniform[:, :, 6:], part.uniform)
    np.testing.assert_array_equal(whole.normal[:, :, 6:], part.normal)


def test_draws_follow_the_spawn_key():
    d = generate(11, 3, [5], months=2, n_uniform=1, n_normal=1)
    rng = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(3, 5)))
    np.testing.assert_array_equal(d.normal[:, 0, 0], rng.standard_normal(2))
    np.testing.assert_array_equal(d.uniform[:, 0, 0], rng.random(2))
    other = generate(11, 4, [5], months=2, n_uniform=1, n_normal=1)
    assert not np.array_equal(d.uniform, other.uniform)


def test_appending_columns_keeps_existing_numbers():
    # common random numbers: a scenario with one more random event reads the same
    # numbers in every column it shares with the base scenario
    a = generate(11, 0, range(4), months=6, n_uniform=2, n_normal=3)
    b = generate(11, 0, range(4), months=6, n_uniform=3, n_normal=3)
    np.testing.assert_array_equal(a.uniform, b.uniform[:, :2])
    np.testing.assert_array_equal(a.normal, b.normal)


def test_poisson_inverse_for_huge_rates():
    # exp(-lam) underflows above about 745; the answer must still be scipy's quantile.
    u = np.random.default_rng(3).random(6)
    lam = np.array([3.0, 700.0, 746.0, 1000.0, 5000.0, 0.0])
    np.testing.assert_array_equal(poisson_inverse(u, lam), poisson.ppf(u, lam))
