"""Distributions an event's number can be drawn from, one draw per replication.

Any numeric key of an event may be given as a mapping with a ``dist`` key instead
of a number::

    magnitude: {dist: uniform, low: 0.1, high: 0.3}
    magnitude: {dist: triangular, low: 0.1, mode: 0.15, high: 0.3}
    magnitude: {dist: normal, mean: 0.2, sd: 0.05}
    magnitude: {dist: lognormal, median: 0.1, sigma: 0.5}
    magnitude: {dist: pareto, minimum: 0.02, tail: 1.5}

Each replication draws its value once, before the first month, from the uniform at
the address (seed, point, replication, month 0, stream ``event.<name>.<key>``), by
the distribution's inverse CDF (scipy.stats): the draw does not depend on the
chunking, and other events' numbers do not change. A bounded distribution
(uniform, triangular) must lie inside the key's valid range; the draws of an
unbounded one are clipped to that range, and its centre (mean, median, minimum)
must lie inside it.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from .schema import Strict


def _stats():
    """scipy.stats, imported on first use: half a second that sweep workers, which draw nothing, need not spend."""
    from scipy import stats

    return stats


class _Distribution(Strict):
    def ppf(self, u: np.ndarray) -> np.ndarray:
        """The value at each uniform ``u`` (the inverse CDF)."""
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the distribution can take."""
        return -math.inf, math.inf

    def centre(self) -> float:
        """The value that must lie in the key's range for an unbounded distribution."""
        return float(self.ppf(np.array([0.5]))[0])


class Uniform(_Distribution):
    dist: Literal["uniform"]
    low: float = Field(description="Smallest value.")
    high: float = Field(description="Largest value.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * np.asarray(u)

    def support(self):
        return self.low, self.high


class Triangular(_Distribution):
    dist: Literal["triangular"]
    low: float = Field(description="Smallest value.")
    mode: float = Field(description="Most likely value.")
    high: float = Field(description="Largest value.")

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}")
        return self

    def ppf(self, u):
        width = self.high - self.low
        return _stats().triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width)

    def support(self):
        return self.low, self.high


class Normal(_Distribution):
    dist: Literal["normal"]
    mean: float = Field(description="Mean.")
    sd: float = Field(gt=0, description="Standard deviation.")

    def ppf(self, u):
        return _stats().norm.ppf(u, loc=self.mean, scale=self.sd)


class Lognormal(_Distribution):
    dist: Literal["lognormal"]
    median: float = Field(gt=0, description="Median.")
    sigma: float = Field(gt=0, description="Standard deviation of the logarithm.")

    def ppf(self, u):
        return _stats().lognorm.ppf(u, self.sigma, scale=self.median)

    def support(self):
        return 0.0, math.inf


class Pareto(_Distribution):
    dist: Literal["pareto"]
    minimum: float = Field(gt=0, description="Smallest value (the scale).")
    tail: float = Field(gt=0, description="Tail index: the smaller, the heavier the tail.")

    def ppf(self, u):
        return _stats().pareto.ppf(u, self.tail, scale=self.minimum)

    def support(self):
        return self.minimum, math.inf

    def centre(self):
        return self.minimum


Distribution = Annotated[Uniform | Triangular | Normal | Lognormal | Pareto, Field(discriminator="dist")]
DISTRIBUTION: TypeAdapter = TypeAdapter(Distribution)
#: The names of the distributions, for the docs.
KINDS = ("uniform", "triangular", "normal", "lognormal", "pareto")


def within(dist: _Distribution, low: float, high: float) -> None:
    """Raise a pydantic error if ``dist`` cannot serve a key whose values lie in [low, high]."""
    lo, hi = dist.support()
    bounded = math.isfinite(lo) and math.isfinite(hi)
    if bounded and (lo < low or hi > high):
        raise PydanticCustomError(
            "distribution_range",
            "the distribution's values {support} reach outside the key's range [{low}, {high}]",
            {"support": f"[{lo:g}, {hi:g}]", "low": low, "high": high},
        )
    centre = dist.centre()
    if not low <= centre <= high:
        raise PydanticCustomError(
            "distribution_range",
            "the distribution's centre {centre} lies outside the key's range [{low}, {high}]",
            {"centre": f"{centre:g}", "low": low, "high": high},
        )


def draw(dist: _Distribution, u: np.ndarray, low: float, high: float) -> np.ndarray:
    """The values at uniforms ``u``, clipped to the key's range [low, high]."""
    return np.clip(np.asarray(dist.ppf(u), dtype=float), low, high)
