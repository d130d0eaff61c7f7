"""Sweep tasks: what a worker runs.

A task is one design point x one chunk of replications (:class:`Chunk`), or
the series of a design point whose replications were split over several chunks
(:class:`PointSeries`). A *job* is what a worker runs: one task, or several
whole-point chunks, batched into ensembles of up to :data:`ENSEMBLE_RUNS`
replications (every coefficient may differ per replication, so design points
share one compiled run; see :func:`alliance_sim.ensemble.build`). Workers write each task's files into the
results folder and return only its id (and a traceback if it raised), so
nothing large crosses process or network boundaries. The folder must be
visible to every worker (a shared filesystem on a cluster).
"""

from __future__ import annotations

import os
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..buffers import TraceBuffers
from ..ensemble import build, shape_of
from ..posterior import Posterior
from ..run import run_columns, series_arrow
from ..scenario import Scenario, apply_overrides
from ..store import frame_table, sha256_file, write_arrow
from .store import load_traces, runs_part, save_trace, series_part, trace_part

#: Replications one ensemble of a job holds at most: small design points are batched into one
#: compiled run up to this many, larger ones run one ensemble after another. Bigger ensembles cost
#: more: each point's part of their traces is copied out for its series, fresh memory at every task
#: (1M runs of 1,000-run points: 47.1 s in ensembles of 2,000 against 39.7 s, the trace arrays lent).
ENSEMBLE_RUNS = 1000

#: Each worker thread's trace arrays, lent to every ensemble it runs in turn (see :mod:`alliance_sim.buffers`):
#: one set per thread, as executors of threads (Dask's, a ThreadPoolExecutor) run tasks side by side.
_local = threading.local()


def buffers() -> TraceBuffers:
    """This thread's :class:`~alliance_sim.buffers.TraceBuffers`."""
    if not hasattr(_local, "buffers"):
        _local.buffers = TraceBuffers()
    return _local.buffers


def release_buffers() -> None:
    """Let this thread's lent trace arrays go: a sweep run in the caller's own thread (one worker)
    would otherwise keep the last ensemble's (30 MB at 1,000 x 120) through the merge and after."""
    _local.__dict__.pop("buffers", None)


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
    """What a worker needs: the folder, the base scenario, each task with its point's values, the posterior."""

    folder: str
    scenario: Scenario
    tasks: tuple[tuple[Chunk | PointSeries, dict], ...]
    draws: Posterior | None = None


def point_series(scenario: Scenario, traces: Iterable[tuple[str, np.ndarray]], point: int) -> pa.Table:
    """Series rows of one design point, one metric at a time (a split point's traces may not fit in memory
    at once), built as a whole point's are (:func:`~alliance_sim.run.series_arrow`)."""
    return pa.concat_tables([series_arrow(scenario, {name: values}, point) for name, values in traces])


def _inject_failure(point: int) -> None:
    listed = os.environ.get(FAIL_POINT_ENV, "")
    if listed and str(point) in {p.strip() for p in listed.split(",")}:
        raise InjectedFailure(f"injected failure at design point {point} ({FAIL_POINT_ENV}={listed})")


Result = tuple[str, str | None, dict[str, str]]


def run_job(job: Job) -> list[Result]:
    """Run a job's tasks; per task, its id, the formatted traceback if it raised, and the SHA-256 of each file it wrote."""
    folder = Path(job.folder)
    results: dict[str, Result] = {}
    batch: list[tuple[Chunk, Scenario, dict]] = []
    for task, overrides in job.tasks:
        try:
            scenario = apply_overrides(job.scenario, overrides)
            if isinstance(task, Chunk):
                _inject_failure(task.point)
                batch.append((task, scenario, overrides))
                continue
            starts = [trace_part(folder, task.point, s) for s in task.starts]
            write_arrow(point_series(scenario, load_traces(starts), task.point), series_part(folder, task.point))
            results[task.id] = _done(folder, task)
        except Exception:
            results[task.id] = (task.id, traceback.format_exc(), {})
    for group in _ensembles(batch):
        try:
            _run_chunks(folder, group, job.draws)
            results |= {task.id: _done(folder, task) for task, _, _ in group}
        except Exception:
            tb = traceback.format_exc()
            results |= {task.id: (task.id, tb, {}) for task, _, _ in group}
    return [results[task.id] for task, _ in job.tasks]


def _chunk_columns(runs: dict, rows: slice, overrides: dict) -> dict:
    """A chunk's rows of the runs columns, with the swept values after the first four (point, replication,
    seed, spawn key); a posterior coefficient the sweep holds is one column, with the swept ones."""
    own = {name: values[rows] for name, values in runs.items() if name not in overrides}
    n = rows.stop - rows.start
    swept = {path: np.full(n, value) for path, value in overrides.items()}
    names = list(own)
    return {name: own[name] for name in names[:4]} | swept | {name: own[name] for name in names[4:]}


def _done(folder: Path, task: Chunk | PointSeries) -> Result:
    return task.id, None, {str(p.relative_to(folder)): sha256_file(p) for p in task.outputs(folder)}


def _ensembles(batch: list[tuple[Chunk, Scenario, dict]]) -> list[list[tuple[Chunk, Scenario, dict]]]:
    """Chunks grouped into ensembles: by what one ensemble must share (start, horizon, events), in
    order, and at most :data:`ENSEMBLE_RUNS` replications each (a single larger chunk alone)."""
    groups: dict[tuple, list] = {}
    for item in batch:
        groups.setdefault(shape_of(item[1]), []).append(item)
    ensembles: list[list[tuple[Chunk, Scenario, dict]]] = []
    for group in groups.values():
        held = ENSEMBLE_RUNS  # start a new ensemble at the first chunk
        for item in group:
            if held + item[0].runs > ENSEMBLE_RUNS:
                ensembles.append([])
                held = 0
            ensembles[-1].append(item)
            held += item[0].runs
    return ensembles


def _run_chunks(folder: Path, group: list[tuple[Chunk, Scenario, dict]], draws: Posterior | None = None) -> None:
    """Run chunks of one shape as one ensemble, then write each chunk's files as if it had run alone.

    With ``draws``, each replication runs the posterior set of its address (swept paths held).
    """
    parts = [(scenario, task.point, range(task.start, task.stop)) for task, scenario, _ in group]
    drawn = None if draws is None else draws.draw(parts)
    ensemble = build(parts, coefficients=None if drawn is None else drawn.values)
    runs, trace = run_columns(group[0][1], ensemble=ensemble, draws=drawn, buffers=buffers())
    at = 0
    for task, scenario, overrides in group:
        rows = slice(at, at + task.runs)
        at += task.runs
        write_arrow(frame_table(_chunk_columns(runs, rows, overrides)), runs_part(folder, task.point, task.start))
        values = {name: np.ascontiguousarray(v[:, rows]) for name, v in trace.items()}
        if task.whole:
            write_arrow(series_arrow(scenario, values, task.point), series_part(folder, task.point))
        else:
            save_trace(values, trace_part(folder, task.point, task.start))
