"""Sweep tasks: what a worker runs.

A task is one design point x one chunk of replications, run as one ensemble
(:class:`Chunk`), or the series of a design point whose replications were split
over several chunks (:class:`PointSeries`). Workers write their files into the
results folder and return only the task id (and a traceback if the task raised),
so nothing large crosses process or network boundaries. The folder must be
visible to every worker (a shared filesystem on a cluster).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..run import run_ensemble, series_table
from ..scenario import Scenario, apply_overrides
from ..store import sha256_file, write_parquet
from .store import load_traces, runs_part, save_trace, series_part, trace_part

#: Test-only hook: comma-separated design points whose tasks raise :class:`InjectedFailure`.
#: Read in the worker, so it exercises the real failure path of every executor.
FAIL_POINT_ENV = "ALLIANCE_SIM_FAIL_POINT"


class InjectedFailure(RuntimeError):
    """Raised by a task whose design point is listed in ``ALLIANCE_SIM_FAIL_POINT`` (tests only)."""


@dataclass(frozen=True)
class Chunk:
    """Replications ``start``..``stop-1`` of design ``point``; ``whole`` if that is all of them."""

    point: int
    start: int
    stop: int
    whole: bool

    @property
    def id(self) -> str:
        return f"p{self.point}.r{self.start}-{self.stop}"

    @property
    def runs(self) -> int:
        return self.stop - self.start

    def outputs(self, folder: Path) -> list[Path]:
        out = [runs_part(folder, self.point, self.start)]
        return (
            [*out, series_part(folder, self.point)]
            if self.whole
            else [*out, trace_part(folder, self.point, self.start)]
        )


@dataclass(frozen=True)
class PointSeries:
    """Series of a design point split into chunks: exact quantiles over all its replications."""

    point: int
    starts: tuple[int, ...]
    runs: int = 0

    @property
    def id(self) -> str:
        return f"p{self.point}.series"

    def outputs(self, folder: Path) -> list[Path]:
        return [series_part(folder, self.point)]


@dataclass(frozen=True)
class Job:
    """What a worker needs: the folder, the base scenario, the point's values and the task."""

    folder: str
    scenario: Scenario
    overrides: dict
    task: Chunk | PointSeries


def point_series(scenario: Scenario, traces: Iterable[tuple[str, np.ndarray]], point: int) -> pd.DataFrame:
    """Series rows of one design point, one metric at a time (a split point's traces may not fit in memory at once)."""
    return pd.concat([series_table(scenario, {name: values}, point) for name, values in traces], ignore_index=True)


def _inject_failure(point: int) -> None:
    listed = os.environ.get(FAIL_POINT_ENV, "")
    if listed and str(point) in {p.strip() for p in listed.split(",")}:
        raise InjectedFailure(f"injected failure at design point {point} ({FAIL_POINT_ENV}={listed})")


def run_job(job: Job) -> tuple[str, str | None, dict[str, str]]:
    """Run one task; return its id, the formatted traceback if it raised, and the SHA-256 of each file it wrote."""
    task, folder = job.task, Path(job.folder)
    try:
        scenario = apply_overrides(job.scenario, job.overrides)
        if isinstance(task, Chunk):
            _inject_failure(task.point)
            _run_chunk(folder, scenario, job.overrides, task)
        else:
            starts = [trace_part(folder, task.point, s) for s in task.starts]
            write_parquet(point_series(scenario, load_traces(starts), task.point), series_part(folder, task.point))
        hashes = {str(p.relative_to(folder)): sha256_file(p) for p in task.outputs(folder)}
    except Exception:
        return task.id, traceback.format_exc(), {}
    return task.id, None, hashes


def _run_chunk(folder: Path, scenario: Scenario, overrides: dict, task: Chunk) -> None:
    runs, trace = run_ensemble(scenario, task.point, range(task.start, task.stop))
    for i, (path, value) in enumerate(overrides.items()):
        runs.insert(4 + i, path, value)
    write_parquet(runs, runs_part(folder, task.point, task.start))
    if task.whole:
        write_parquet(series_table(scenario, trace, task.point), series_part(folder, task.point))
    else:
        save_trace(trace, trace_part(folder, task.point, task.start))
