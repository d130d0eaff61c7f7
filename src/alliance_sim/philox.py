"""Counter-based random numbers: Philox4x32-10, uniforms and AS241 normals.

Every random number of a run has an address, ``(seed, point, replication,
month, stream)``, and is computed from it: no generator state is carried
from one number to the next. A replication's numbers therefore do not depend
on which chunk, batch, worker or executor ran it, and a *stream* is named
(an event's stream is its name in the scenario), so adding, deleting or
reordering events leaves the other events' numbers unchanged: scenarios that
share a seed share their random numbers (common random numbers).

The generator is Philox4x32-10 (Salmon et al., "Parallel random numbers: as
easy as 1, 2, 3", SC'11), checked against the Random123 known-answer vectors
in ``tests/test_philox.py``. The key is the 64-bit seed; the counter is
``(replication, point, month + 2**16 * block, stream)``. One call gives four
32-bit words, which make two uniforms of 52 bits in the open interval (0, 1).
Normals come from a uniform by the inverse of the normal CDF (Wichura's
AS241, PPND16, relative accuracy about 1e-16).
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from .jit import njit

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S26 = np.uint64(26)
_S6 = np.uint64(6)
#: 2**-52: a 52-bit integer k maps to (k + 0.5) * 2**-52, strictly inside (0, 1).
_ULP52 = 2.0**-52
#: Counter word 2 holds the month in its low 16 bits and the block number above them.
BLOCK = 1 << 16


@njit(inline="always")
def _round(x0, x1, x2, x3, k0, k1):
    p0 = _M0 * x0
    p1 = _M1 * x2
    return (p1 >> _S32) ^ x1 ^ k0, p1 & _MASK, (p0 >> _S32) ^ x3 ^ k1, p0 & _MASK


@njit(inline="always")
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of the counter ``(c0, c1, c2, c3)`` under the key ``(k0, k1)`` (32-bit words).

    Every word is held in 64 bits with its high half known to be zero, so that a loop of
    calls compiles to SIMD multiplies of 32 by 32 bits (see :func:`uniform_block`).
    """
    x0, x1 = np.uint64(c0) & _MASK, np.uint64(c1) & _MASK
    x2, x3 = np.uint64(c2) & _MASK, np.uint64(c3) & _MASK
    key0, key1 = np.uint64(k0) & _MASK, np.uint64(k1) & _MASK
    x0, x1, x2, x3 = _round(x0, x1, x2, x3, key0, key1)
    for _ in range(9):  # the key is bumped between rounds
        key0 = (key0 + _W0) & _MASK
        key1 = (key1 + _W1) & _MASK
        x0, x1, x2, x3 = _round(x0, x1, x2, x3, key0, key1)
    return x0, x1, x2, x3


@njit(inline="always")
def _unit(hi, lo):
    """The uniform of two words: 26 bits of each, a 52-bit integer k, mapped to (k + 0.5) 2**-52."""
    k = np.int64(((hi >> _S6) << _S26) | (lo >> _S6))  # below 2**52: a signed integer converts faster
    return (k + 0.5) * _ULP52


@njit
def uniform_pair(k0, k1, replication, point, month, stream, block=0):
    """The two uniforms in (0, 1) at one address (a Philox call: 52 bits from each pair of words)."""
    x0, x1, x2, x3 = philox4x32(replication, point, month + BLOCK * block, stream, k0, k1)
    return _unit(x0, x1), _unit(x2, x3)


@njit
def uniform_block(k0, k1, replications, points, month, stream, first, second):
    """The uniform pairs of one month and stream for a block of replications, into ``first`` and ``second``.

    Replication ``i`` has the key ``(k0[i], k1[i])`` and the counter ``(replications[i],
    points[i], month, stream)``: ``first[i], second[i]`` equal :func:`uniform_pair` of that
    address. The loop compiles to SIMD code, several replications at once.
    """
    for i in range(first.shape[0]):
        x0, x1, x2, x3 = philox4x32(replications[i], points[i], month, stream, k0[i], k1[i])
        first[i] = _unit(x0, x1)
        second[i] = _unit(x2, x3)


@njit
def _poly(c, x):
    """The degree-7 polynomial with coefficients ``c`` (lowest first) at ``x``, by Horner's rule."""
    return ((((((c[7] * x + c[6]) * x + c[5]) * x + c[4]) * x + c[3]) * x + c[2]) * x + c[1]) * x + c[0]


# Wichura (1988), Algorithm AS 241, PPND16: coefficients of the three rational approximations.
_A = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


@njit(inline="always")
def _central(q):
    """AS241's central branch, for ``q = p - 0.5`` with ``|q| <= 0.425``."""
    r = 0.180625 - q * q
    return q * _poly(_A, r) / _poly(_B, r)


@njit
def ndtri(p):
    """The standard normal quantile of ``p`` in (0, 1): Wichura's AS241 (PPND16)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        return _central(q)
    r = math.sqrt(-math.log(min(p, 1.0 - p)))
    if r <= 5.0:
        r -= 1.6
        value = _poly(_C, r) / _poly(_D, r)
    else:
        r -= 5.0
        value = _poly(_E, r) / _poly(_F, r)
    return -value if q < 0 else value


@njit
def normals(u, z):
    """``z[i] = ndtri(u[i])`` for a block: the central branch for all at once (SIMD), then the tails."""
    for i in range(u.shape[0]):
        q = u[i] - 0.5
        z[i] = _central(q) if abs(q) <= 0.425 else 0.0
    for i in range(u.shape[0]):
        if abs(u[i] - 0.5) > 0.425:
            z[i] = ndtri(u[i])


def stream_id(name: str) -> int:
    """The 32-bit counter word of the stream called ``name`` (the first 4 bytes of its BLAKE2b hash)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def key(seed: int) -> tuple[int, int]:
    """The Philox key of a seed (0 <= seed < 2**64): its low and high 32-bit words."""
    if not 0 <= seed < 2**64:
        raise ValueError(f"a seed must be in 0..2**64-1, got {seed}")
    return seed & 0xFFFFFFFF, seed >> 32


@njit
def _uniforms(k0, k1, replications, point, months, stream, out):
    for i in range(len(replications)):
        for t in range(months):
            out[0, t, i], out[1, t, i] = uniform_pair(k0, k1, replications[i], point, t, stream)


def uniforms(seed: int, point: int, replications, months: int, stream: str) -> np.ndarray:
    """The uniform pair of stream ``stream`` for every month and replication: shape (2, months, R).

    The numbers the engine reads, for inspection and tests.
    """
    k0, k1 = key(seed)
    reps = np.asarray(replications, dtype=np.int64)
    out = np.empty((2, months, len(reps)))
    _uniforms(k0, k1, reps, point, months, stream_id(stream), out)
    return out
