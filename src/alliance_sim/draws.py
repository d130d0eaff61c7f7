"""Random numbers, drawn up front per replication.

Replication ``r`` of design point ``p`` owns ``SeedSequence(seed, spawn_key=(p, r))``
and draws every number it will need for the whole horizon into arrays of a
fixed shape. The model reads column ``r``. A replication's trajectory therefore
does not depend on which chunk, worker or executor ran it, and the global
numpy and ``random`` generators are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import poisson


@dataclass(frozen=True)
class Draws:
    """Pre-drawn numbers for an ensemble.

    Attributes
    ----------
    uniform : shape (months, n_uniform, R), U(0, 1).
    normal : shape (months, n_normal, R), N(0, 1).
    point : the design point index ``p``.
    replications : the replication indices ``r`` (column order).
    """

    uniform: np.ndarray
    normal: np.ndarray
    point: int
    replications: np.ndarray

    @property
    def size(self) -> int:
        return len(self.replications)


def generate(seed: int, point: int, replications, months: int, n_uniform: int, n_normal: int) -> Draws:
    """Draw the numbers of ``replications`` (indices) of design ``point``."""
    reps = np.asarray(replications, dtype=np.int64)
    # Each column is one block of ``months`` consecutive draws, normals first: a column
    # keeps its numbers when a scenario appends event columns, so scenarios that share
    # a seed and horizon share their random numbers (common random numbers).
    # The model reads a contiguous vector over replications per (month, column), so each
    # replication's block is written straight into its column of the final arrays.
    normal = np.empty((months, n_normal, len(reps)))
    uniform = np.empty((months, n_uniform, len(reps)))
    own_normal, own_uniform = np.empty((n_normal, months)), np.empty((n_uniform, months))
    for i, r in enumerate(reps.tolist()):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(point, r))))
        rng.standard_normal(out=own_normal)
        rng.random(out=own_uniform)
        normal[:, :, i] = own_normal.T
        uniform[:, :, i] = own_uniform.T
    return Draws(uniform, normal, point, reps)


#: Rates above this go to scipy: exp(-lam) would underflow (at about 745).
HUGE_RATE = 700.0


def poisson_inverse(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Poisson quantile: the smallest k with P(X <= k) >= u, elementwise.

    Equal to ``scipy.stats.poisson.ppf(u, lam)`` (tested), but about 30 times
    faster at R = 1000 because it skips scipy's generic discrete-distribution
    machinery; it runs twice per simulated month.

    The CDF is summed term by term until it reaches every ``u``; k counts the
    terms that were still below ``u``. A term that underflows to 0 while the
    sum is still below ``u`` would stall the sum, so that case (and a rate that
    is negative, NaN or too large for ``exp(-lam)``) is handed to
    :func:`poisson_inverse_guarded`, which stops counting at such a term. The
    answers are the same numbers either way.
    """
    lam = np.broadcast_to(np.asarray(lam, dtype=float), np.shape(u))
    huge = lam > HUGE_RATE
    if huge.any():  # exp(-lam) underflows: scipy's quantile for those, the fast sum for the rest
        out = np.empty(np.shape(u))
        out[huge] = poisson.ppf(u[huge], lam[huge])
        out[~huge] = poisson_inverse(u[~huge], lam[~huge])
        return out
    pmf = np.exp(-lam)
    if not ((lam >= 0) & (pmf > 0)).all():
        return poisson_inverse_guarded(u, lam)
    cdf = pmf.copy()
    below = [u > cdf]  # below[n]: P(X <= n) < u
    n = 0
    while below[-1].any():
        n += 1
        pmf *= lam
        pmf /= n
        cdf += pmf
        below.append(u > cdf)
        if n % 32 == 0 and (below[-1] & (pmf == 0)).any():
            return poisson_inverse_guarded(u, lam)
    return np.sum(below, axis=0, dtype=float)


def poisson_inverse_guarded(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """:func:`poisson_inverse` for any rate: stops counting where a term of the CDF underflows to 0."""
    lam = np.broadcast_to(np.asarray(lam, dtype=float), np.shape(u))
    pmf = np.exp(-lam)
    cdf = pmf.copy()
    k = np.zeros(np.shape(u))
    below = u > cdf
    n = 0
    while below.any():
        n += 1
        pmf = pmf * lam / n
        cdf = cdf + pmf
        k += below
        below = (u > cdf) & (pmf > 0)
    return k
