"""Monthly ensemble statistics of every trace: mean and quantiles, fed chunk by chunk.

A single run of a million replications cannot keep every value (months x R x metrics
float64 would be tens of GiB), so :class:`MonthlyStats` takes the traces chunk by
chunk, in replication order, and keeps either every value (``"exact"``) or fixed
histograms (``"binned"``). Whatever the chunking, the numbers are the same bit for bit:

- **Mean.** Floating-point sums depend on their order, so values are summed in fixed
  blocks of :data:`BLOCK` replication indices (0..1023, 1024..2047, ...), whatever the
  chunk boundaries (a block split by a chunk waits for its rest), and the block sums
  are added in index order.
- **Binned quantiles.** Each metric has a fixed bin layout (:func:`layout_of`). Per
  month and bin the histogram keeps the count and the smallest and largest value, all
  three independent of the order the values arrive in. A quantile is read off as
  numpy's ('linear') percentile of the two order statistics around its rank, each
  taken from its bin: the bin's smallest value, its largest, or in between by rank
  within the bin. So an order statistic is exact when its bin holds one distinct value
  (a point mass: values clipped at 0 or 1, constants, whole counts) or when it is the
  bin's first or last, and otherwise off by at most the spread of its bin, which is at
  most the bin width (:meth:`Linear.bound`, :meth:`Log.bound`). Each run records the
  largest spread it actually read from, per metric (``max_error`` in the manifest).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import metrics
from .orderstats import interpolated
from .store import frame_table

QUANTILES = (5, 50, 95)

#: Replications per block of the mean's sum: block sums do not depend on the chunking.
BLOCK = 1024

#: Bytes per bin, month and metric of a histogram: count (int64), smallest and largest value (float64).
BIN_BYTES = 24


def lerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """``a + (b - a) t`` the way numpy's 'linear' percentile computes it (exact at t = 0 and t = 1)."""
    diff = b - a
    result = np.asarray(a + diff * t, dtype=float)
    np.subtract(b, diff * (1 - t), out=result, where=np.broadcast_to(np.asarray(t) >= 0.5, result.shape))
    return result


def percentiles(values: np.ndarray, q=QUANTILES) -> np.ndarray:
    """``np.percentile(values, q, axis=1)`` of a 2-D array, from a few order statistics of each row.

    Only the two ranks around each percentile are needed: :func:`alliance_sim.orderstats.interpolated`
    finds their values exactly without sorting the row and interpolates between them exactly as
    numpy's default ('linear') method does, so the numbers are the same (tested). Rows where the
    order of equal values could matter are left to ``np.percentile``: rows holding NaN, and rows
    holding zeros of both signs where a picked rank is zero (-0.0 == 0.0, so which of them
    lands on a rank depends on the algorithm).
    """
    rows, n = values.shape
    if n == 0 or rows == 0:
        return np.percentile(values, q, axis=1)
    ranks, below, above, gamma = _ranks(n, tuple(np.atleast_1d(q).tolist()))
    result, flags = np.empty((len(below), rows)), np.empty(rows, dtype=np.uint8)
    interpolated(np.ascontiguousarray(values, dtype=float), ranks, below, above, gamma[:, 0], result, flags)
    redo = np.flatnonzero(flags)
    if redo.size:
        result[:, redo] = np.percentile(values[redo], q, axis=1)
    return result


@functools.lru_cache(maxsize=16)
def _ranks(n: int, q: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ranks to pick for percentiles ``q`` of ``n`` values, the columns of each pair among them, the fractions."""
    # numpy's steps: virtual index (n - 1) q, its floor and the next rank, the fraction between them
    virtual = (n - 1) * np.true_divide(q, 100)
    below = np.floor(virtual)
    above = below + 1
    below[virtual >= n - 1] = above[virtual >= n - 1] = -1  # numpy's rank of the last value, and so its fraction
    below, above = below.astype(np.int64), above.astype(np.int64)
    gamma = (virtual - below)[:, None]
    below, above = below % n, above % n
    ranks = np.unique(np.concatenate([below, above]))
    return ranks, np.searchsorted(ranks, below), np.searchsorted(ranks, above), gamma


# ------------------------------------------------------------------ bin layouts


@dataclass(frozen=True)
class Linear:
    """Bins of equal width from ``low``: ``bins`` of them, plus one below and one above.

    Index 0 holds values below ``low``, 1..bins the bins, bins + 1 values at or above
    ``low + bins * width``. With a power-of-two width the bin of a value is exact.
    """

    low: float
    width: float
    bins: int

    @property
    def size(self) -> int:
        return self.bins + 2

    @property
    def high(self) -> float:
        return self.low + self.bins * self.width

    def index(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Bin of each (non-NaN) value, as intp, into ``out``."""
        t = (values - self.low) * (1 / self.width)
        np.clip(t, -1, self.bins, out=t)
        np.floor(t, out=t)
        out[...] = t
        out += 1
        return out

    def bound(self) -> str:
        return f"{self.width:g} for values in [{self.low:g}, {self.high:g})"

    def describe(self) -> str:
        return f"{self.bins:,} bins of width {self.width:g} from {self.low:g}, one below and one above"


@dataclass(frozen=True)
class Log:
    """Bins of relative width ``2**-mantissa`` for ``2**lowest <= |x| < 2**highest``, both signs.

    The bin of a value is read from its float64 bits (sign, exponent and the top
    ``mantissa`` bits of the fraction), so each octave [2^e, 2^(e+1)) holds
    ``2**mantissa`` bins of width ``2^(e - mantissa)``, at most ``2**-mantissa`` times the
    value. One bin holds (-2^lowest, 2^lowest), one each side holds the values beyond
    ``±2**highest`` (and infinities). Sound for any real value: no bound is assumed.
    """

    mantissa: int
    lowest: int
    highest: int

    @property
    def per_sign(self) -> int:
        return (self.highest - self.lowest) << self.mantissa

    @property
    def size(self) -> int:
        return 2 * self.per_sign + 3

    def index(self, values: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Bin of each (non-NaN) value, as intp, into ``out``: 0 is below -2^highest, the middle bin is near zero."""
        bits = values.view(np.int64)
        key = np.bitwise_and(bits, np.int64(0x7FFF_FFFF_FFFF_FFFF), out=out)  # |x|, whose bits order like it
        np.right_shift(key, 52 - self.mantissa, out=key)
        np.subtract(key, ((1023 + self.lowest) << self.mantissa) - 1, out=key)
        np.clip(key, 0, self.per_sign + 1, out=key)  # 0: near zero, 1..per_sign: bins, per_sign + 1: beyond
        sign = np.right_shift(bits, 63)  # -1 for negative values (and -0.0), else 0
        np.bitwise_xor(key, sign, out=key)
        np.subtract(key, sign, out=key)  # negated where negative (two's complement)
        key += self.per_sign + 1
        return key

    def bound(self) -> str:
        return (
            f"2^-{self.mantissa} x |value| for 2^{self.lowest} <= |value| < 2^{self.highest}, "
            f"2^{self.lowest + 1} = {2.0 ** (self.lowest + 1):.3g} nearer zero"
        )

    def describe(self) -> str:
        return (
            f"{2**self.mantissa} bins per octave (relative width 2^-{self.mantissa}) from 2^{self.lowest} "
            f"to 2^{self.highest} on each side, one near zero, one beyond each side"
        )


#: Cooperation, cohesion, threat, abandonment, pressure: documented and clipped to [0, 1].
UNIT = Linear(0.0, 2.0**-12, 4097)
#: Counts (PRK missile tests): one bin per whole number, so whole counts are exact.
COUNT = Linear(0.0, 1.0, 1024)
#: Driver terms: contributions to a monthly change of a 0..1 index, of either sign.
DRIVER = Log(7, -20, 2)
#: Any other metric (a new one): no bound assumed, 2^-20 to 2^20 at relative width 2^-7.
ANY = Log(7, -20, 20)

COUNT_METRICS = frozenset({"prk_tests"})
#: Positive indices without an upper bound (ROK-China trade): the ANY layout.
INDEX_METRICS = frozenset({"chn_trade_rok"})
#: Every other compiled step metric lies in 0..1.
UNIT_METRICS = frozenset(metrics.RECORDED) - COUNT_METRICS - INDEX_METRICS


def layout_of(name: str) -> Linear | Log:
    """The bin layout of a trace: by what its values can be (see the module docstring)."""
    if name.startswith("driver_"):
        return DRIVER
    if name in UNIT_METRICS or getattr(metrics.STEP_METRICS.get(name), "indicator", False):
        return UNIT
    if name in COUNT_METRICS:
        return COUNT
    return ANY


def trace_names() -> list[str]:
    """Every trace a run records: the step metrics, then ``driver_<term>``."""
    return [*metrics.STEP_METRICS, *(f"driver_{d}" for d in metrics.DRIVERS)]


def binned_bytes(names: Sequence[str], months: int) -> int:
    """Memory of the histograms of ``names`` over ``months``."""
    return months * BIN_BYTES * sum(layout_of(n).size for n in names)


def exact_bytes(names: Sequence[str], months: int, replications: int) -> int:
    """Memory of keeping every value of ``names``."""
    return 8 * len(names) * months * replications


def quantile_method(replications: int, names: Sequence[str] | None = None) -> str:
    """``"exact"`` while keeping every value takes no more memory than the histograms, else ``"binned"``.

    Both grow with the months alike, so the choice depends on the ensemble size alone
    (never on the chunk): about 14,000 replications with the current metrics.
    """
    names = trace_names() if names is None else names
    return "exact" if exact_bytes(names, 1, replications) <= binned_bytes(names, 1) else "binned"


# ------------------------------------------------------------------ accumulators


class _BlockSum:
    """Sum over replications per month, in fixed blocks of :data:`BLOCK` replication indices."""

    def __init__(self, months: int):
        self.total = np.zeros(months)
        self.pending: np.ndarray | None = None  # the start of a block split by a chunk boundary

    def add(self, values: np.ndarray, last: bool) -> None:
        """The next replications' values (months x n); ``last``: no more will come."""
        start, n = 0, values.shape[1]
        if self.pending is not None:  # complete the block the previous chunk split
            start = min(n, BLOCK - self.pending.shape[1])
            self.pending = np.concatenate([self.pending, values[:, :start]], axis=1)
            if self.pending.shape[1] < BLOCK and not last:
                return
            self.total += self.pending.sum(axis=1)
            self.pending = None
        full = start + (n - start) // BLOCK * BLOCK
        for first in range(start, full, BLOCK):
            # each row's block is summed alone (numpy's pairwise sum along the row), wherever it lies
            self.total += values[:, first : first + BLOCK].sum(axis=1)
        if full < n and last:
            self.total += values[:, full:].sum(axis=1)  # the last, short block
        elif full < n:
            self.pending = values[:, full:].copy()


class _Histogram:
    """Count, smallest and largest value per month and bin of one trace."""

    def __init__(self, layout: Linear | Log, months: int):
        self.layout, self.months = layout, months
        self.count = np.zeros((months, layout.size), dtype=np.int64)
        self.low = np.full((months, layout.size), np.inf)
        self.high = np.full((months, layout.size), -np.inf)
        self.nan = np.zeros(months, dtype=np.int64)

    def add(self, values: np.ndarray, work: np.ndarray) -> None:
        nan = np.isnan(values)
        if nan.any():
            self.nan += nan.sum(axis=1)
            values = np.where(nan, 0.0, values)  # counted apart; the row's quantiles become NaN
        flat = self.layout.index(values, work)
        flat += (np.arange(self.months) * self.layout.size)[:, None]
        flat = flat.ravel()
        self.count.ravel()[...] += np.bincount(flat, minlength=self.count.size)
        np.minimum.at(self.low.ravel(), flat, values.ravel())
        np.maximum.at(self.high.ravel(), flat, values.ravel())

    def quantiles(self, q: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """(len(q), months) estimates of numpy's percentiles, and the most each can be off."""
        cum = np.cumsum(self.count, axis=1)
        n = cum[:, -1]
        virtual = (n[None, :] - 1) * (np.asarray(q, dtype=float)[:, None] / 100)
        below = np.floor(virtual)
        gamma = virtual - below
        below = below.astype(np.int64)
        above = np.minimum(below + 1, n - 1)
        a, err_a = self._order_statistic(cum, below)
        b, err_b = self._order_statistic(cum, above)
        estimate = lerp(a, b, gamma)
        error = np.maximum(err_a, err_b)
        missing = (self.nan > 0) | (n == 0)
        estimate[:, missing] = np.nan
        error[:, missing] = 0.0
        return estimate, error

    def _order_statistic(self, cum: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The value of 0-based ``rank`` (len(q), months) from its bin, and the bin's spread if not exact."""
        value, error = np.empty(rank.shape), np.empty(rank.shape)
        rows = np.arange(self.months)
        for i, r in enumerate(np.maximum(rank, 0)):
            b = (cum <= r[:, None]).sum(axis=1)  # the first bin whose cumulative count passes the rank
            b = np.minimum(b, cum.shape[1] - 1)
            count, low, high = self.count[rows, b], self.low[rows, b], self.high[rows, b]
            within = r - (cum[rows, b] - count)  # 0-based rank inside the bin
            t = np.where(count > 1, within / np.maximum(count - 1, 1), 0.0)
            value[i] = lerp(low, high, t)
            end = (within == 0) | (within == count - 1)  # the bin's smallest or largest value: exact
            error[i] = np.where(end, 0.0, high - low)
        return value, error


class MonthlyStats:
    """Mean and 5th/50th/95th percentiles per month of each trace, fed chunks in replication order.

    Parameters
    ----------
    names : the traces (``run_ensemble``'s trace keys).
    months, replications : the shape of the whole ensemble.
    method : ``"exact"`` keeps every value (numpy's percentiles, bit for bit);
        ``"binned"`` keeps fixed histograms (see the module docstring).
    """

    def __init__(self, names: Sequence[str], months: int, replications: int, method: str):
        if method not in ("exact", "binned"):
            raise ValueError(f"method must be 'exact' or 'binned', got {method!r}")
        self.names, self.months, self.replications, self.method = list(names), months, replications, method
        self.seen = 0
        self.sums = {name: _BlockSum(months) for name in self.names}
        self.values: dict[str, np.ndarray] = {}
        self.histograms = (
            {name: _Histogram(layout_of(name), months) for name in self.names} if method == "binned" else {}
        )
        self.max_error: dict[str, float] = {}

    def add(self, trace: Mapping[str, np.ndarray]) -> None:
        """The next replications' traces (months x n each), in replication order."""
        n = next(iter(trace.values())).shape[1]
        if self.seen + n > self.replications:
            raise ValueError(f"{self.seen + n} replications added, the ensemble has {self.replications}")
        last = self.seen + n == self.replications
        for name in self.names:
            self.sums[name].add(trace[name], last)
        if self.histograms:
            work = np.empty((self.months, n), dtype=np.intp)  # bin indices, reused metric after metric
            for name, histogram in self.histograms.items():
                histogram.add(trace[name], work)
        elif n == self.replications:
            self.values = {name: trace[name] for name in self.names}  # the whole ensemble at once: no copy
        else:
            for name in self.names:
                kept = self.values.setdefault(name, np.empty((self.months, self.replications)))
                kept[:, self.seen : self.seen + n] = trace[name]
        self.seen += n

    def frame(self, dates: Sequence, point: int = 0) -> pd.DataFrame:
        """Series rows in long (tidy) form: point, month, date, metric, mean, p05, p50, p95."""
        # One frame for all metrics: building a frame per metric cost as much as the quantiles (sweeps do this per point).
        return pd.DataFrame(self._columns(dates, point))

    def table(self, dates: Sequence, point: int = 0) -> pa.Table:
        """:meth:`frame` as the Arrow table ``pa.Table.from_pandas(frame, preserve_index=False)`` gives,
        schema metadata included, built without pandas once the process has seen a frame of its kinds
        (:func:`alliance_sim.store.frame_table`; a sweep task writes one per design point)."""
        return frame_table(self._columns(dates, point))

    def _columns(self, dates: Sequence, point: int) -> dict[str, np.ndarray]:
        if self.seen != self.replications:
            raise ValueError(f"{self.seen} of {self.replications} replications added")
        months, names = self.months, self.names
        quantiles = []
        for name in names:
            if self.histograms:
                estimate, error = self.histograms[name].quantiles(QUANTILES)
                self.max_error[name] = float(error.max(initial=0.0))
                quantiles.append(estimate)
            else:
                quantiles.append(percentiles(self.values[name]))
        q = np.stack(quantiles)
        means = np.stack([self.sums[name].total / self.replications for name in names])
        return {
            "point": np.full(months * len(names), point, dtype=np.int64),
            "month": np.tile(np.arange(1, months + 1), len(names)),
            "date": np.tile(_datetimes(dates), len(names)),
            "metric": np.repeat(names, months),
            "mean": means.ravel(),
            "p05": q[:, 0].ravel(),
            "p50": q[:, 1].ravel(),
            "p95": q[:, 2].ravel(),
        }

    def describe(self) -> dict:
        """The manifest's ``quantiles`` entry: the method and how far off its numbers can be."""
        if not self.histograms:
            return {"method": "exact", "error_bound": 0.0}
        return {
            "method": "binned",
            "layouts": {name: layout_of(name).describe() for name in self.names},
            "error_bound": {name: layout_of(name).bound() for name in self.names},
            "max_error": dict(self.max_error),
        }


def _datetimes(dates: Sequence) -> np.ndarray:
    """``dates`` as numpy datetimes, in their own unit (pandas 2 gives nanoseconds, pandas 3 microseconds)."""
    values = np.asarray(dates)
    return values if values.dtype.kind == "M" else values.astype("datetime64[us]")
