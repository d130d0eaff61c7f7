"""Designs of experiments: which parameter values each design point of a sweep gets.

A sampler turns a list of :class:`Param` (dotted path, range or values) into a
design table, one row per design point. The samplers do not hand-roll their
sequences: Latin hypercubes come from :mod:`scipy.stats.qmc`, Saltelli/Sobol'
and Morris designs from SALib, and scaling to the parameter ranges (uniform or
log-uniform) from :func:`SALib.util.scale_samples`.

Design sizes, with D parameters and ``samples`` = N:

=======  =============================================  =========================
sampler  points                                         source
=======  =============================================  =========================
grid     product of the value counts (N is not used)    itertools.product
lhs      N                                              scipy.stats.qmc.LatinHypercube
sobol    N(2D + 2) with second order, N(D + 2) without  SALib.sample.sobol.sample
morris   N(D + 1): N trajectories of D + 1 points       SALib.sample.morris.sample
=======  =============================================  =========================

The point order is the sampler's own order (SALib's matrix rows), so
``SALib.analyze.sobol.analyze(problem, Y)`` works with ``Y`` the per-point
outputs in point order.
"""

from __future__ import annotations

import inspect
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

#: Distributions a range may declare, and their SALib names.
DISTRIBUTIONS = {"uniform": "unif", "loguniform": "logunif"}


@dataclass(frozen=True)
class Param:
    """One swept input: a dotted path of the scenario and the values it may take.

    Either ``values`` (an explicit list) or a range ``low``..``high`` (with
    ``steps`` evenly spaced values for a grid; evenly in log space for a
    log-uniform range). ``integer`` marks a path whose scenario field is an
    integer: sampled values are rounded to the nearest integer.
    """

    path: str
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    values: tuple | None = None
    distribution: str = "uniform"
    integer: bool = False

    def count(self) -> int:
        """How many grid values this parameter has (without building them)."""
        return len(self.values) if self.values is not None else int(self.steps or 0)

    def levels(self) -> list:
        """The grid values of this parameter, in order."""
        if self.values is not None:
            return list(self.values)
        low, high = self.range()
        if self.steps is None:
            raise ValueError(f"{self.path}: a grid over a range needs steps")
        space = np.geomspace if self.distribution == "loguniform" else np.linspace
        return [float(v) for v in space(low, high, self.steps)]

    def range(self) -> tuple[float, float]:
        """(low, high) of a range parameter."""
        if self.low is None or self.high is None:
            raise ValueError(f"{self.path}: a range needs low and high")
        return float(self.low), float(self.high)

    def bounds(self) -> list[float] | None:
        """[low, high]; for a numeric value list, its min and max; else None."""
        if self.values is None:
            return list(self.range())
        if all(_numeric(v) for v in self.values):
            return [float(min(self.values)), float(max(self.values))]
        return None

    def describe(self) -> dict:
        """The manifest entry: path, low, high, and values or distribution."""
        bounds = self.bounds()
        low, high = (bounds[0], bounds[1]) if bounds else (None, None)
        out: dict[str, Any] = {"path": self.path, "low": low, "high": high}
        if self.values is not None:
            out["values"] = list(self.values)
        else:
            out["distribution"] = self.distribution
            if self.steps is not None:
                out["steps"] = self.steps
        return out


def _numeric(v) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)


def problem(params: list[Param]) -> dict:
    """The SALib problem: ``num_vars``, ``names``, ``bounds`` (and ``dists`` if any range is not uniform)."""
    out: dict[str, Any] = {
        "num_vars": len(params),
        "names": [p.path for p in params],
        "bounds": [p.bounds() for p in params],
    }
    if any(p.distribution != "uniform" for p in params):
        out["dists"] = [DISTRIBUTIONS[p.distribution] for p in params]
    return out


def grid(params: list[Param], samples: int | None = None, seed: int | None = None, **_) -> list[list]:
    """Full factorial design: every combination, the first parameter varying slowest."""
    columns = []
    for p in params:
        levels = p.levels()
        # One dtype per column: a mix of ints and floats becomes floats.
        if all(_numeric(v) for v in levels) and any(isinstance(v, float | np.floating) for v in levels):
            levels = [float(v) for v in levels]
        columns.append(levels)
    return [list(row) for row in itertools.product(*columns)]


def lhs(params: list[Param], samples: int, seed: int | None = None, **_) -> np.ndarray:
    """Latin hypercube of ``samples`` points (scipy.stats.qmc), scaled to the ranges."""
    # imported on use, as below: SALib and scipy.stats take about half a second, which every sweep worker
    # (it imports this package) would spend at its start
    from SALib.util import scale_samples
    from scipy.stats import qmc

    d = len(params)
    # scipy >= 1.15 names the generator argument ``rng``; older versions ``seed``.
    key = "rng" if "rng" in inspect.signature(qmc.LatinHypercube).parameters else "seed"
    unit = qmc.LatinHypercube(d=d, **{key: seed}).random(samples)
    return scale_samples(unit, problem(params))


def sobol(
    params: list[Param], samples: int, seed: int | None = None, calc_second_order: bool = True, **_
) -> np.ndarray:
    """Saltelli's extension of the Sobol' sequence (SALib): N(2D+2) or N(D+2) points."""
    from SALib.sample import sobol as salib_sobol

    return salib_sobol.sample(problem(params), samples, calc_second_order=calc_second_order, seed=seed)


def morris(params: list[Param], samples: int, seed: int | None = None, levels: int = 4, **_) -> np.ndarray:
    """Morris elementary-effects trajectories (SALib): N(D+1) points on a ``levels``-level grid."""
    from SALib.sample import morris as salib_morris

    return salib_morris.sample(problem(params), samples, num_levels=levels, seed=seed)


SAMPLERS: dict[str, Callable] = {"grid": grid, "lhs": lhs, "sobol": sobol, "morris": morris}


def design_size(sampler: str, params: list[Param], samples: int | None, calc_second_order: bool = True) -> int:
    """Number of design points a sampler will produce (the formulas in the module docstring)."""
    d = len(params)
    if sampler == "grid":
        return math.prod(p.count() for p in params)  # Python integers: no overflow however large
    if samples is None:
        raise ValueError(f"the {sampler} sampler needs samples (N)")
    if sampler == "lhs":
        return samples
    if sampler == "sobol":
        return samples * (2 * d + 2 if calc_second_order else d + 2)
    if sampler == "morris":
        return samples * (d + 1)
    raise ValueError(f"unknown sampler {sampler!r}")


def design(
    sampler: str,
    params: list[Param],
    samples: int | None = None,
    seed: int | None = None,
    calc_second_order: bool = True,
    levels: int = 4,
) -> pd.DataFrame:
    """The design table: column ``point`` (0..n-1) and one column per dotted path, in sampler order."""
    rows = SAMPLERS[sampler](params, samples=samples, seed=seed, calc_second_order=calc_second_order, levels=levels)
    table = pd.DataFrame(
        {p.path: [row[i] for row in rows] if isinstance(rows, list) else rows[:, i] for i, p in enumerate(params)}
    )
    for p in params:
        if p.integer and p.values is None:
            table[p.path] = np.rint(table[p.path].astype(float)).astype(np.int64)
    table.insert(0, "point", np.arange(len(table), dtype=np.int64))
    return table
