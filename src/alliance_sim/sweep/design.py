"""A loaded sweep: its base scenario, parameters, design table and task plan."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import samplers
from ..run import chunks
from ..scenario import Scenario
from .spec import SweepSpec
from .store import DESIGN
from .tasks import Chunk, PointSeries


@dataclass
class Sweep:
    """A validated sweep: base scenario, parameters, design table and chunking.

    ``scenario`` is the base scenario with the sweep's fixed overrides, seed and
    replications applied; design point ``p`` runs it with the values of row
    ``p`` of ``design``.
    """

    name: str
    spec: SweepSpec
    scenario: Scenario
    params: list[samplers.Param]
    design: pd.DataFrame
    chunk: int
    sources: list[str] = field(default_factory=list)

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
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

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
