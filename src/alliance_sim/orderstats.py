"""Exact order statistics of the rows of a matrix, compiled: a few ranks per row without sorting it.

The monthly quantiles of a run need three pairs of order statistics per month and
trace (around the 5th, 50th and 95th percentiles of the replications). Sorting each
row of 1,000 values costs about 14 ns a value with this machine's numpy;
:func:`order_statistics` finds the values at the wanted ranks in a few passes:

1. the row's smallest and largest value, and whether it holds a NaN;
2. how many values equal the smallest and the largest (ranks among them are answered
   at once: indicators, values clipped at 0 or 1, exact zeros), and each other value's
   bucket among :data:`BUCKETS` equal ones between the two, counted;
3. the values of the buckets that hold a wanted rank, gathered, and the rank's value
   found among them the same way (a bucket of at most :data:`SMALL` values, or one that
   a pass hardly shrinks, is sorted instead).

A bucket index ``int((x - low) * scale)`` never decreases as ``x`` grows (rounding is
monotone), so every value of a lower bucket is at most every value of a higher one,
and the value at a rank is the value at the rank's offset in its bucket: exactly the
sorted row's value, not an estimate. ``-0.0`` and ``0.0`` compare equal, so where both
occur the one returned is not defined (as with any sort); rows with NaN are flagged and
left alone. The caller (:func:`alliance_sim.series.percentiles`) hands both cases to numpy.
"""

from __future__ import annotations

import math

import numpy as np

from .jit import njit

#: Buckets per pass: 1,000 values spread over 256 buckets leave about 4 to a bucket.
BUCKETS = 256
#: A segment of at most this many values is sorted rather than bucketed again.
SMALL = 16


@njit(inline="always")
def _bucket(x, low, scale):
    return min(int((x - low) * scale), BUCKETS - 1)


@njit
def _span(seg, m):
    """Smallest and largest of ``seg[:m]``, and how many values equal each."""
    low, high = seg[0], seg[0]
    for i in range(1, m):
        low = min(low, seg[i])
        high = max(high, seg[i])
    at_low, at_high = 0, 0
    for i in range(m):
        at_low += seg[i] == low
        at_high += seg[i] == high
    return low, high, at_low, at_high


@njit
def kth(seg, m, k, work, counts):
    """The value of 0-based rank ``k`` among ``seg[:m]`` (reordered; ``work``: scratch as long, ``counts``: BUCKETS + 1).

    Each pass keeps the bucket that holds the rank; it never holds the smallest and the
    largest value both, so every pass shrinks the values left.
    """
    while True:
        if m <= SMALL:
            seg[:m].sort()
            return seg[k]
        low, high, at_low, at_high = _span(seg, m)
        if k < at_low:
            return low
        if k >= m - at_high:
            return high
        scale = BUCKETS / (high - low)
        if not (math.isfinite(high - low) and math.isfinite(scale)):  # a span beyond float64
            seg[:m].sort()
            return seg[k]
        counts[:] = 0
        for i in range(m):
            counts[_bucket(seg[i], low, scale) + 1] += 1
        for b in range(BUCKETS):
            counts[b + 1] += counts[b]
        b = np.searchsorted(counts, k, side="right") - 1
        kept = 0
        for i in range(m):
            if _bucket(seg[i], low, scale) == b:
                work[kept] = seg[i]
                kept += 1
        if 2 * kept > m:  # values bunched in one bucket, a few far away: sort what is left
            work[:kept].sort()
            return work[k - counts[b]]
        k -= counts[b]
        m = kept
        seg, work = work, seg


@njit
def _kth_each(src, m, ranks, out, counts):
    """``out[j]`` = the value of rank ``ranks[j]`` among ``src[:m]``, one :func:`kth` each."""
    seg, work = np.empty(m), np.empty(m)
    for j in range(len(ranks)):
        seg[:] = src[:m]
        out[j] = kth(seg, m, ranks[j], work, counts)


def _selector(nested):
    """The selection of several ranks at once; ``nested`` selects those that share a large bucket."""

    @njit
    def select(src, m, ranks, out, counts):
        """``out[j]`` = the value of 0-based rank ``ranks[j]`` (ascending) among ``src[:m]`` (left unchanged).

        One count shared by the ranks, then the buckets that hold one gathered; a bucket of
        at most :data:`SMALL` values is sorted, ranks that share a larger one go to ``nested``.
        """
        low, high, at_low, at_high = _span(src, m)
        scale = BUCKETS / (high - low) if high > low else 0.0
        where = np.full(len(ranks), -1)  # the bucket of each rank strictly inside the runs of ties
        inside = False
        for j in range(len(ranks)):
            k = ranks[j]
            if k < at_low:
                out[j] = low
            elif k >= m - at_high:
                out[j] = high
            else:
                inside = True
        if not inside:
            return
        if not (math.isfinite(high - low) and math.isfinite(scale)):  # a span beyond float64
            for j in range(len(ranks)):
                if at_low <= ranks[j] < m - at_high:
                    _kth_each(src, m, ranks[j : j + 1], out[j : j + 1], counts)
            return
        counts[:] = 0
        for i in range(m):
            counts[_bucket(src[i], low, scale) + 1] += 1
        for b in range(BUCKETS):  # counts[b]: values in buckets below b
            counts[b + 1] += counts[b]
        wanted = np.zeros(BUCKETS, dtype=np.bool_)
        for j in range(len(ranks)):
            if at_low <= ranks[j] < m - at_high:
                where[j] = np.searchsorted(counts, ranks[j], side="right") - 1
                wanted[where[j]] = True
        edges = counts.copy()  # ``counts`` is scratch for what follows
        gathered, fill = np.empty(m), counts[:BUCKETS].copy()
        for i in range(m):
            b = _bucket(src[i], low, scale)
            if wanted[b]:
                gathered[fill[b]] = src[i]
                fill[b] += 1
        j = 0
        while j < len(ranks):
            b = where[j]
            last = j  # ranks j..last share bucket b
            while last + 1 < len(ranks) and where[last + 1] == b:
                last += 1
            if b >= 0:
                first, size = edges[b], edges[b + 1] - edges[b]
                bucket = gathered[first : first + size]
                if size <= SMALL:
                    bucket.sort()
                    for i in range(j, last + 1):
                        out[i] = bucket[ranks[i] - first]
                else:
                    nested(bucket, size, ranks[j : last + 1] - first, out[j : last + 1], counts)
            j = last + 1

    return select


#: Ranks that share a large bucket are selected from it once more the same way, then one by one.
_select = _selector(_selector(_kth_each))


@njit
def order_statistics(values, ranks, out, nan):
    """``out[r, j]`` = the value of 0-based rank ``ranks[j]`` in row ``r`` of ``values`` (rows x n).

    ``ranks`` must be ascending. ``nan[r]`` is set where row ``r`` holds a NaN (its ``out``
    row is then not written).
    """
    rows, n = values.shape
    counts = np.empty(BUCKETS + 1, dtype=np.int64)
    for r in range(rows):
        row = values[r]
        bad = False
        for i in range(n):
            bad |= row[i] != row[i]
        nan[r] = bad
        if not bad:
            _select(row, n, ranks, out[r], counts)
