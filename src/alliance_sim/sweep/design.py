"""A loaded sweep: its base scenario, parameters, design table and task plan."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import posterior, samplers
from ..posterior import Posterior
from ..run import chunks
from ..scenario import Scenario
from .spec import SweepSpec
from .store import DESIGN, POSTERIOR
from .tasks import Chunk, PointSeries


@dataclass
class Sweep:
    """A validated sweep: base scenario, parameters, design table and chunking.

    ``scenario`` is the base scenario with the sweep's fixed overrides, seed and
    replications applied; design point ``p`` runs it with the values of row
    ``p`` of ``design``. ``draws`` is the posterior every replication draws its
    coefficient set from (None: the point estimates); swept paths are held at the
    point's values.
    """

    name: str
    spec: SweepSpec
    scenario: Scenario
    params: list[samplers.Param]
    design: pd.DataFrame
    chunk: int
    sources: list[str] = field(default_factory=list)
    draws: Posterior | None = None

    @property
    def points(self) -> int:
        return len(self.design)

    @property
    def replications(self) -> int:
        return self.scenario.replications

    @property
    def runs(self) -> int:
        return self.points * self.replications

    def design_info(self) -> dict:
        """The ``design`` entry of the manifest: enough to rebuild the SALib problem."""
        info = {
            "sampler": self.spec.sampler,
            "seed": self.scenario.seed,
            "samples": self.spec.samples,
            "parameters": [p.describe() for p in self.params],
            "problem": samplers.problem(self.params),
            "points": self.points,
            "replications": self.replications,
            "table": DESIGN,
        }
        if self.spec.sampler == "sobol":
            info["calc_second_order"] = self.spec.calc_second_order
        if self.spec.sampler == "morris":
            info["levels"] = self.spec.levels
        return info

    def fingerprint(self) -> str:
        """Hash of everything that decides the results and the task ids (not workers or executor)."""
        key = {"scenario": self.scenario.to_dict(), "design": self.design_info(), "chunk": self.chunk}
        if self.draws is not None:  # which file, and which coefficients the scenario holds rather than draws
            key["posterior"] = {"sha256": self.draws.sha256, "held": posterior.pinned(self.scenario)}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

    def draws_info(self) -> dict:
        """The manifest's ``parameter_draws`` entry; with a posterior, ``held`` includes the swept coefficients."""
        info = posterior.describe(self.draws, self.scenario)
        if self.draws is not None:
            swept = [p.path for p in self.params if p.path in self.draws.columns]
            info["held"] = list(dict.fromkeys([*info["held"], *swept]))
            info["copy"] = POSTERIOR
        return info

    def point_values(self) -> list[dict]:
        """Per design point, the dotted-path overrides (plain Python scalars)."""
        paths = [p.path for p in self.params]
        return [dict(zip(paths, map(_plain, row), strict=True)) for row in self.design[paths].itertuples(index=False)]

    def tasks(self) -> tuple[list[Chunk], dict[int, PointSeries]]:
        """Run tasks in point order, and the series tasks of points split over several chunks."""
        parts = chunks(self.replications, self.chunk)
        runs = [Chunk(p, r.start, r.stop, len(parts) == 1) for p in range(self.points) for r in parts]
        finals = (
            {} if len(parts) == 1 else {p: PointSeries(p, tuple(r.start for r in parts)) for p in range(self.points)}
        )
        return runs, finals


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
