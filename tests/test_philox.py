"""Counter-based random numbers: Philox4x32-10 against its published answers, the
uniform and normal transforms against exact references, and the Poisson quantile."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import special, stats

from alliance_sim.actors.prk import poisson_inverse
from alliance_sim.philox import key, ndtri, normals, philox4x32, stream_id, uniform_block, uniform_pair, uniforms

# Random123 known-answer vectors (tests/kat_vectors of the Random123 distribution):
# counter words, key words, expected output words.
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize(("counter", "k", "expected"), KAT)
def test_philox_matches_the_random123_known_answers(counter, k, expected):
    assert tuple(int(w) for w in philox4x32(*counter, *k)) == expected


def test_uniforms_are_the_philox_words_in_the_open_unit_interval():
    # the first uniform is 52 bits: the top 26 of word 0, then the top 26 of word 1, plus one half
    x = philox4x32(7, 3, 5, 11, *key(42))
    u0, u1 = uniform_pair(*key(42), 7, 3, 5, 11)
    assert u0 == ((int(x[0]) >> 6 << 26 | int(x[1]) >> 6) + 0.5) / 2**52
    assert u1 == ((int(x[2]) >> 6 << 26 | int(x[3]) >> 6) + 0.5) / 2**52
    # the extreme words give the extreme uniforms, still strictly inside (0, 1)
    assert (0 + 0.5) / 2**52 > 0 and (2**52 - 1 + 0.5) / 2**52 < 1


def test_uniforms_and_normals_pass_goodness_of_fit():
    u = uniforms(2025, 0, np.arange(5000), 20, "test").ravel()
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = np.array([ndtri(x) for x in u[:20000]])
    assert stats.kstest(z, "norm").pvalue > 1e-3
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.01


def test_ndtri_matches_scipy_to_a_few_ulp():
    p = np.concatenate(
        [np.geomspace(1e-300, 1e-3, 200), np.linspace(1e-3, 1 - 1e-3, 2001), 1 - np.geomspace(1e-3, 1e-16, 50)]
    )
    ours = np.array([ndtri(x) for x in p])
    exact = special.ndtri(p)
    np.testing.assert_allclose(ours, exact, rtol=2e-15, atol=1e-300)
    assert ndtri(0.5) == 0.0


def test_streams_and_addresses_are_independent_of_the_batch():
    whole = uniforms(11, 3, np.arange(10), 5, "event.x")
    part = uniforms(11, 3, np.arange(6, 10), 5, "event.x")
    np.testing.assert_array_equal(whole[:, :, 6:], part)
    assert not np.array_equal(whole, uniforms(11, 4, np.arange(10), 5, "event.x"))  # another point
    assert not np.array_equal(whole, uniforms(11, 3, np.arange(10), 5, "event.y"))  # another stream
    assert not np.array_equal(whole, uniforms(12, 3, np.arange(10), 5, "event.x"))  # another seed
    assert stream_id("event.x") == stream_id("event.x") != stream_id("event.y")


def test_seed_must_fit_the_key():
    assert key(2**40 + 5) == (5, 2**8)
    with pytest.raises(ValueError, match="seed"):
        key(-1)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 25))
def test_poisson_inverse_equals_scipy(seed, lam):
    u = np.random.default_rng(seed).random(200)
    lams = np.full(200, lam) * np.linspace(0, 1, 200)
    ours = [poisson_inverse(x, y) for x, y in zip(u, lams, strict=True)]
    np.testing.assert_array_equal(ours, stats.poisson.ppf(u, lams))


@njit(cache=False)
def _by_division(u, lam):
    """The Poisson sum as it was before the reciprocal table: each term times lam, then divided by n."""
    pmf = math.exp(-lam)
    cdf, n = pmf, 0
    while u > cdf and pmf > 0.0:
        n += 1
        pmf = pmf * lam
        pmf = pmf / n
        cdf += pmf
    return float(n)


@njit(cache=False)
def _differences(u, lam):
    differ = 0
    for i in range(len(u)):
        differ += poisson_inverse(u[i], lam[i]) != _by_division(u[i], lam[i])
    return differ


def test_poisson_inverse_by_reciprocals_equals_the_division_chain():
    # the table of 1/n changes a term in its last bit at most: the quantile moves only for a u within a few ulps
    # of the CDF, which 2 million random pairs never hit (rates up to 80: past the table's 63 terms too)
    rng = np.random.default_rng(11)
    u, lam = rng.random(2_000_000), rng.uniform(0.0, 80.0, 2_000_000)
    assert _differences(u, lam) == 0


def test_poisson_inverse_at_the_edges():
    # no launches at a zero, negative or NaN rate; huge rates (exp(-lam) underflows) still give scipy's quantile
    for lam in (0.0, -1.0, np.nan):
        assert poisson_inverse(0.999, lam) == 0.0
    u = np.random.default_rng(3).random(5)
    lam = np.array([700.0, 746.0, 1000.0, 5000.0, 20000.0])
    ours = np.array([poisson_inverse(x, y) for x, y in zip(u, lam, strict=True)])
    np.testing.assert_allclose(ours, stats.poisson.ppf(u, lam), atol=1)
    # u next to 1 with a tiny rate: the CDF sum stalls at an underflowed term, and the count stops
    assert poisson_inverse(np.nextafter(1.0, 0.0), 1e-300) <= 2


def test_the_block_draws_equal_the_scalar_ones():
    # the SIMD loops of a month's draws give every replication the numbers of its own address
    rng = np.random.default_rng(3)
    k0, k1 = rng.integers(0, 2**32, 257, dtype=np.uint64), rng.integers(0, 2**32, 257, dtype=np.uint64)
    reps, points = rng.integers(0, 2**32, 257, dtype=np.uint64), rng.integers(0, 2**20, 257, dtype=np.uint64)
    first, second = np.empty(257), np.empty(257)
    uniform_block(k0, k1, reps, points, np.uint64(17), np.uint64(stream_id("x")), first, second)
    for i in range(257):
        pair = uniform_pair(int(k0[i]), int(k1[i]), int(reps[i]), int(points[i]), 17, stream_id("x"))
        assert (first[i], second[i]) == pair
    # normals: the central branch for the block at once, the tails one by one; both as ndtri
    u = np.concatenate([first, [0.075, 0.925, 0.0750000001, 1e-300, 1 - 2**-53, 0.5]])
    z = np.empty_like(u)
    normals(u, z)
    assert z.tobytes() == np.array([ndtri(x) for x in u]).tobytes()
