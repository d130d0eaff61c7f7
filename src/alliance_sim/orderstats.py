"""Exact order statistics of the rows of a matrix, compiled: a few ranks per row without sorting it.

The monthly quantiles of a run need three pairs of order statistics per month and
trace (around the 5th, 50th and 95th percentiles of the replications). Sorting each
row of 1,000 values costs about 14 ns a value with this machine's numpy;
:func:`order_statistics` finds the values at the wanted ranks in a few passes:

1. the row's smallest and largest value, and whether it holds a NaN;
2. how many values equal the smallest and the largest (ranks among them are answered
   at once: indicators, values clipped at 0 or 1, exact zeros), and each other value's
   bucket among :data:`BUCKETS` equal ones between the two, counted and kept (a byte each);
3. the values of the buckets that hold a wanted rank, gathered by those bytes, and the rank's value
   found among them the same way (a bucket of at most :data:`SMALL` values, or one that
   a pass hardly shrinks, is sorted instead).

A bucket index ``int((x - low) * scale)`` never decreases as ``x`` grows (rounding is
monotone), so every value of a lower bucket is at most every value of a higher one,
and the value at a rank is the value at the rank's offset in its bucket: exactly the
sorted row's value, not an estimate. ``-0.0`` and ``0.0`` compare equal, so where both
occur the one returned is not defined (as with any sort): such rows are flagged where a value
given is zero, and rows with NaN are flagged and left alone. The caller
(:func:`alliance_sim.series.percentiles`) hands both to numpy.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import njit

#: Buckets per pass: 1,000 values spread over 256 buckets leave about 4 to a bucket. At most 256:
#: a value's bucket is kept in a byte.
BUCKETS = 256
if not 2 <= BUCKETS <= 256:
    raise ValueError(f"BUCKETS must be 2..256 (a bucket index is a byte), not {BUCKETS}")
#: A segment of at most this many values is sorted rather than bucketed again.
SMALL = 16


@njit(inline="always")
def _bucket(x, low, scale):
    return min(int((x - low) * scale), BUCKETS - 1)


@njit
def _bounds(seg, m):
    """Smallest and largest of ``seg[:m]``, and whether it holds a NaN (the bounds are then meaningless).

    Four running extremes, each over every fourth value, so that no comparison waits on the one
    before (1.7 times as fast). Which zero is the smallest of ``-0.0`` and ``0.0`` may then differ
    from a single running minimum: a row with both is flagged wherever a value given is zero.
    """
    low0 = low1 = low2 = low3 = seg[0]
    high0 = high1 = high2 = high3 = seg[0]
    nan = False
    i = 0
    while i + 4 <= m:
        x0, x1, x2, x3 = seg[i], seg[i + 1], seg[i + 2], seg[i + 3]
        nan |= (x0 != x0) | (x1 != x1) | (x2 != x2) | (x3 != x3)
        low0, low1, low2, low3 = min(low0, x0), min(low1, x1), min(low2, x2), min(low3, x3)
        high0, high1, high2, high3 = max(high0, x0), max(high1, x1), max(high2, x2), max(high3, x3)
        i += 4
    while i < m:
        x = seg[i]
        nan |= x != x
        low0, high0 = min(low0, x), max(high0, x)
        i += 1
    return min(min(low0, low1), min(low2, low3)), max(max(high0, high1), max(high2, high3)), nan


@njit
def _count(seg, m, low, high, counts, index):
    """How many values of ``seg[:m]`` equal ``low`` and ``high``, and the scale of the buckets between them.

    Where the span is finite and values lie between the two, ``counts[0, b]`` becomes the number of
    values in buckets below ``b`` and ``index[i]`` the bucket of ``seg[i]`` (the scale is then
    positive); otherwise the scale is 0 and neither is written. Rows 1 and 2 of ``counts`` are scratch.
    """
    span = high - low
    scale = BUCKETS / span if span > 0.0 else 0.0
    at_low, at_high = 0, 0
    for i in range(m):  # a loop of its own: compiled to vector instructions
        at_low += seg[i] == low
        at_high += seg[i] == high
    if not (math.isfinite(span) and math.isfinite(scale) and scale > 0.0) or at_low + at_high == m:
        return at_low, at_high, 0.0
    for i in range(m):  # alone, the buckets compile to vector instructions
        index[i] = _bucket(seg[i], low, scale)
    # counted in two halves, the even and the odd values, so that neighbours in one bucket (bunched
    # values) do not wait on each other's count: a bunched row's pass 0.20 -> 0.13 ms, an even one's 0.12 -> 0.07
    # (120 rows of 1,000)
    cum, even, odd = counts[0], counts[1], counts[2]
    even[:] = 0
    odd[:] = 0
    i = 0
    while i + 2 <= m:
        even[index[i]] += 1
        odd[index[i + 1]] += 1
        i += 2
    if i < m:
        even[index[i]] += 1
    cum[0] = 0
    for b in range(BUCKETS):
        cum[b + 1] = cum[b] + even[b] + odd[b]
    return at_low, at_high, scale


@njit
def _same(seg, m):
    """Whether ``seg[:m]`` holds one value only (a loop of its own: compiled to vector instructions)."""
    differ = 0
    for i in range(m):
        differ += seg[i] != seg[0]
    return differ == 0


@njit
def kth(seg, m, k, work, counts, index):
    """The value of 0-based rank ``k`` among ``seg[:m]`` (reordered; ``work``, ``index``: scratch as long,
    ``counts``: 3 x (BUCKETS + 1), see :func:`_count`).

    Each pass keeps the bucket that holds the rank; it never holds the smallest and the
    largest value both, so every pass shrinks the values left.
    """
    while True:
        if m <= SMALL:
            seg[:m].sort()
            return seg[k]
        low, high, _ = _bounds(seg, m)
        at_low, at_high, scale = _count(seg, m, low, high, counts, index)
        if k < at_low:
            return low
        if k >= m - at_high:
            return high
        if scale == 0.0:  # a span beyond float64
            seg[:m].sort()
            return seg[k]
        b = np.searchsorted(counts[0], k, side="right") - 1
        kept = 0
        for i in range(m):
            if index[i] == b:
                work[kept] = seg[i]
                kept += 1
        if 2 * kept > m:  # values bunched in one bucket, a few far away: sort what is left
            work[:kept].sort()
            return work[k - counts[0, b]]
        k -= counts[0, b]
        m = kept
        seg, work = work, seg


@njit
def _kth_each(src, m, ranks, out, counts):
    """``out[j]`` = the value of rank ``ranks[j]`` among ``src[:m]``, one :func:`kth` each."""
    seg, work, index = np.empty(m), np.empty(m), np.empty(m, dtype=np.uint8)
    for j in range(len(ranks)):
        seg[:] = src[:m]
        out[j] = kth(seg, m, ranks[j], work, counts, index)


def _selector(nested):
    """The selection of several ranks at once; ``nested`` selects those that share a large bucket."""

    @njit
    def select(src, m, ranks, out, counts, index, gathered):
        """``out[j]`` = the value of 0-based rank ``ranks[j]`` (ascending) among ``src[:m]`` (left unchanged);
        True, and nothing written, if ``src[:m]`` holds a NaN. ``index`` and ``gathered``: scratch of ``m``.

        One count shared by the ranks, then the buckets that hold one gathered; a bucket of
        at most :data:`SMALL` values is sorted, ranks that share a larger one go to ``nested``.
        """
        low, high, nan = _bounds(src, m)
        if nan:
            return True
        at_low, at_high, scale = _count(src, m, low, high, counts, index)
        # the bucket of each rank strictly inside the runs of ties (BUCKETS until found), -1 for the others
        J = len(ranks)
        place = np.empty((J, 4), dtype=np.int64)  # per rank: its bucket, its stretch, its size, its rank in it
        inside = False
        for j in range(J):
            k = ranks[j]
            place[j, 0] = -1
            if k < at_low:
                out[j] = low
            elif k >= m - at_high:
                out[j] = high
            else:
                place[j, 0], inside = BUCKETS, True
        if not inside:
            return False
        if scale == 0.0:  # a span beyond float64
            for j in range(J):
                if place[j, 0] >= 0:
                    _kth_each(src, m, ranks[j : j + 1], out[j : j + 1], counts)
            return False
        # each bucket that holds a rank gets a stretch of ``gathered`` for its values other than ``low`` and
        # ``high`` (the ties at the ends, all in the first and the last bucket): fill[b] its next free slot
        fill = np.full(BUCKETS, -1)
        held = 0
        for j in range(J):
            if place[j, 0] >= 0:
                b = np.searchsorted(counts[0], ranks[j], side="right") - 1
                start, stop = (
                    counts[0, b] + (at_low if b == 0 else 0),
                    counts[0, b + 1] - (at_high if b == BUCKETS - 1 else 0),
                )
                if fill[b] < 0:
                    fill[b] = held
                    held += stop - start
                place[j, 0], place[j, 1], place[j, 2], place[j, 3] = b, fill[b], stop - start, ranks[j] - start
        for i in range(m):
            x = src[i]
            f = fill[index[i]]
            if f >= 0 and x != low and x != high:
                gathered[f] = x
                fill[index[i]] = f + 1
        j = 0
        while j < J:
            b = place[j, 0]
            last = j  # ranks j..last share bucket b
            while last + 1 < J and place[last + 1, 0] == b:
                last += 1
            if b >= 0:
                first, size = place[j, 1], place[j, 2]
                bucket = gathered[first : first + size]
                if size <= SMALL:
                    bucket.sort()
                    for i in range(j, last + 1):
                        out[i] = bucket[place[i, 3]]
                elif _same(bucket, size):  # one value (whole counts, exact zeros): every rank in it is that
                    out[j : last + 1] = bucket[0]
                else:
                    sub = np.empty(size)
                    nested(bucket, size, place[j : last + 1, 3].copy(), out[j : last + 1], counts, index, sub)
            j = last + 1
        return False

    return select


def _kth_each_into(src, m, ranks, out, counts, index, gathered):
    """:func:`_kth_each` with the signature of a selection (its scratch unused)."""
    _kth_each(src, m, ranks, out, counts)


#: Ranks that share a large bucket are selected from it once more the same way, then one by one.
_select = _selector(_selector(njit(_kth_each_into)))


@njit
def _signed_zeros(row):
    """Whether ``row`` holds both ``-0.0`` and ``0.0`` (counted without branches: vector instructions)."""
    negative, positive = 0, 0
    for x in row:
        zero = x == 0.0
        sign = math.copysign(1.0, x) < 0.0
        negative += zero & sign
        positive += zero & (not sign)
    return negative > 0 and positive > 0


#: Flags of a row (:func:`order_statistics`).
NAN, SIGNED_ZEROS = 1, 2


@njit
def order_statistics(values, ranks, out, flags):
    """``out[r, j]`` = the value of 0-based rank ``ranks[j]`` in row ``r`` of ``values`` (rows x n).

    ``ranks`` must be ascending. ``flags[r]`` gets :data:`NAN` where row ``r`` holds a NaN (its
    ``out`` row is then not written) and :data:`SIGNED_ZEROS` where a value it gives is zero and the
    row holds zeros of both signs (which of them it gives is then not defined).
    """
    rows, n = values.shape
    counts = np.empty((3, BUCKETS + 1), dtype=np.int64)
    index, gathered = np.empty(n, dtype=np.uint8), np.empty(n)
    for r in range(rows):
        flags[r] = 0
        if _select(values[r], n, ranks, out[r], counts, index, gathered):
            flags[r] = NAN
            continue
        for j in range(len(ranks)):
            if out[r, j] == 0.0:
                if _signed_zeros(values[r]):
                    flags[r] = SIGNED_ZEROS
                break


@njit(inline="always")
def _lerp(a, b, t):
    """numpy's 'linear' interpolation ``a + (b - a) t``, from ``b`` when ``t >= 0.5`` (exact at both ends)."""
    diff = b - a
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


@njit
def interpolated(values, ranks, below, above, gamma, out, flags):
    """``out[i, r]`` = numpy's 'linear' percentile ``i`` of row ``r``: between the values of ranks
    ``ranks[below[i]]`` and ``ranks[above[i]]``, a fraction ``gamma[i]`` of the way (:func:`order_statistics`
    of each row, interpolated as numpy does). ``flags`` as :func:`order_statistics` sets them; a flagged
    row's ``out`` is not defined.
    """
    rows = values.shape[0]
    picked = np.empty((rows, len(ranks)))
    order_statistics(values, ranks, picked, flags)
    for r in range(rows):
        for i in range(len(below)):
            out[i, r] = _lerp(picked[r, below[i]], picked[r, above[i]], gamma[i])
