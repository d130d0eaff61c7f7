"""Running a sweep: tasks to an executor, completions recorded, parts merged at the end.

An execution submits at most ``max_in_flight`` tasks at once, appends completed
task ids to ``tasks.log`` and failed ones to ``failures.jsonl`` (the rest
continue), and on completion merges the parts into ``runs.parquet`` and
``series.parquet`` and writes ``manifest.json``.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, wait
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from ..run import manifest
from ..store import Results, load_results, new_folder, write_json
from .design import Sweep
from .executors import open_executor
from .load import load_sweep
from .store import (
    FAILURES,
    TaskLog,
    count_execution,
    merge_parquet,
    prepare,
    remove_parts,
    runs_part,
    series_part,
    trace_part,
)
from .tasks import Chunk, Job, PointSeries, run_job

Task = Chunk | PointSeries


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped (Ctrl-C); completed tasks are recorded in ``folder``."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.folder = folder


@dataclass
class Outcome:
    """What an execution of a sweep did."""

    folder: Path
    complete: bool
    failures: list[dict]
    points_done: int
    rows: int
    wall: float
    executor: str = ""
    skipped: int = 0


def failure_record(sweep: Sweep, task: Task, values: dict, tb: str, error: str | None = None) -> dict:
    """The ``failures.jsonl`` record of a task: where it sits in the design, its seed keys and traceback."""
    start = task.start if isinstance(task, Chunk) else 0
    stop = task.stop if isinstance(task, Chunk) else sweep.replications
    lines = tb.strip().splitlines()
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": task.id,
        "point": task.point,
        "replications": [start, stop],
        "seed": sweep.scenario.seed,
        "spawn_keys": f"({task.point},{start})..({task.point},{stop - 1})",
        "parameters": values,
        "error": error or (lines[-1] if lines else ""),
        "traceback": tb,
    }


class Execution:
    """One execution of a sweep in its folder: the queue of tasks and what became of them.

    Run tasks go in point order; the series task of a point split over several
    chunks becomes ready when the last of its chunks is recorded.
    """

    def __init__(self, sweep: Sweep, folder: Path, number: int):
        self.sweep, self.folder, self.number = sweep, folder, number
        self.values = sweep.point_values()
        self.runs, self.finals = sweep.tasks()
        self.log = TaskLog(folder)
        (folder / FAILURES).touch()  # appended to: the failures of earlier executions are kept
        self.pending: deque[Task] = deque(t for t in self.runs if not self._finished(t))
        self.left = {p: 0 for p in self.finals}
        for t in self.pending:
            if t.point in self.left:
                self.left[t.point] += 1
        self.ready: deque[Task] = deque(
            f for p, f in self.finals.items() if self.left[p] == 0 and not self._finished(f)
        )
        self.total = len(self.runs) + len(self.finals)
        waiting = sum(1 for p in self.finals if self.left[p] > 0)
        self.skipped = self.total - len(self.pending) - len(self.ready) - waiting
        self.failures: list[dict] = []
        self.broken = ""  # once the executor is broken: the formatted exception that said so
        self.done_runs = 0
        self.in_flight: dict[Future, Task] = {}
        self.bar: tqdm | None = None
        self.clock = time.perf_counter()

    def _finished(self, task: Task) -> bool:
        if task.id not in self.log.done:
            return False
        if isinstance(task, Chunk) and not task.whole and self._finished(self.finals[task.point]):
            return runs_part(self.folder, task.point, task.start).exists()  # its traces were used and removed
        return all(p.exists() for p in task.outputs(self.folder))

    @property
    def has_work(self) -> bool:
        return bool(self.pending or self.ready)

    def run(self, pool: Executor | None, limit: int, progress: bool) -> None:
        """Keep up to ``limit`` tasks in flight until all are recorded, or the pool breaks, or Ctrl-C."""
        self.bar = tqdm(
            total=self.total,
            initial=self.skipped,
            unit="task",
            desc=self.sweep.name,
            disable=not progress,
            file=sys.stderr,
        )
        try:
            self._pump(pool, limit)
            for fut in list(self.in_flight):  # a broken pool fails whatever it was running ...
                self._record(fut, self.in_flight.pop(fut))
            for task in (*self.ready, *self.pending):  # ... and runs nothing more
                self._fail(task, self.broken, "not run: executor broken")
        except KeyboardInterrupt:
            self._stop()
            raise SweepInterrupted(self.folder) from None
        finally:
            self.bar.close()
            self.log.close()

    def _pump(self, pool: Executor | None, limit: int) -> None:
        if pool is None:  # nothing to run: no pool was opened
            return
        while (self.has_work or self.in_flight) and not self.broken:
            while len(self.in_flight) < limit and self.has_work and not self.broken:
                self._submit(pool, self.ready.popleft() if self.ready else self.pending.popleft())
            if not self.in_flight:
                break
            completed, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
            for fut in [f for f in self.in_flight if f in completed]:  # submission order, not set order
                self._record(fut, self.in_flight.pop(fut))

    def _submit(self, pool: Executor, task: Task) -> None:
        job = Job(str(self.folder), self.sweep.scenario, self.values[task.point], task)
        try:
            self.in_flight[pool.submit(run_job, job)] = task
        except BrokenExecutor as exc:
            self.broken = "".join(traceback.format_exception(exc))
            self.pending.appendleft(task)

    def _stop(self) -> None:
        """Ctrl-C: cancel what has not started, wait for what has, record it."""
        for fut in self.in_flight:
            fut.cancel()
        running = {f: t for f, t in self.in_flight.items() if not f.cancelled()}
        if running:
            print(f"\nstopping: waiting for {len(running)} running task(s)", file=sys.stderr)
        for fut in wait(running).done:
            self._record(fut, running[fut])

    def _record(self, fut: Future, task: Task) -> None:
        try:
            _, tb = fut.result()
        except BrokenExecutor as exc:
            self.broken = tb = "".join(traceback.format_exception(exc))
        except Exception as exc:  # a lost worker, a cancelled future, a scheduler error
            tb = "".join(traceback.format_exception(exc))
        if self.bar is not None:
            self.bar.update()
        if tb is not None:
            self._fail(task, tb)
            return
        self.log.add(task.id)
        if isinstance(task, Chunk):
            self._chunk_done(task)
        else:
            for start in task.starts:
                trace_part(self.folder, task.point, start).unlink(missing_ok=True)

    def _chunk_done(self, task: Chunk) -> None:
        self.done_runs += task.runs
        if self.bar is not None:
            rate = self.done_runs / (time.perf_counter() - self.clock)
            self.bar.set_postfix_str(f"{rate:,.0f} runs/s", refresh=False)
        if task.point in self.left:
            self.left[task.point] -= 1
            if self.left[task.point] == 0:
                self.ready.append(self.finals[task.point])

    def _fail(self, task: Task, tb: str, error: str | None = None) -> None:
        record = failure_record(self.sweep, task, self.values[task.point], tb, error)
        self.failures.append({"execution": self.number, **record})
        with open(self.folder / FAILURES, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(self.failures[-1]) + "\n")

    def complete_points(self) -> list[int]:
        """Design points all of whose tasks are logged as done."""
        ok = [True] * self.sweep.points
        for t in (*self.runs, *self.finals.values()):
            if t.id not in self.log.done:
                ok[t.point] = False
        return [p for p in range(self.sweep.points) if ok[p]]

    def merge(self, described: str, resumed: bool, started: float) -> tuple[list[int], int, float]:
        """Merge the parts of complete points into the final tables and write the manifest (last)."""
        sweep, folder = self.sweep, self.folder
        points = self.complete_points()
        starts: dict[int, list[int]] = {p: [] for p in points}
        for t in self.runs:
            if t.point in starts:
                starts[t.point].append(t.start)
        rows = merge_parquet(
            ([runs_part(folder, p, start) for start in starts[p]] for p in points), folder / "runs.parquet"
        )
        merge_parquet(([series_part(folder, p)] for p in points), folder / "series.parquet")
        complete = len(points) == sweep.points
        extra = {
            "kind": "sweep",
            "name": sweep.name,
            "design": sweep.design_info(),
            "sweep": sweep.spec.model_dump(mode="json"),
            "points": len(points),
            "runs": rows,
            "chunk": sweep.chunk,
            "tasks": self.total,
            "executor": described,
            "resumed": resumed,
            "complete": complete,
            "execution": self.number,
            "failures": [{k: v for k, v in f.items() if k != "traceback"} for f in self.failures],
        }
        wall = time.perf_counter() - started
        write_json(manifest(sweep.scenario, wall, sweep.sources, **extra), folder / "manifest.json")
        if complete:
            remove_parts(folder)
        return points, rows, wall


def execute(
    sweep: Sweep,
    folder: str | Path,
    *,
    workers: int | None = None,
    executor: str | Executor | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
    max_in_flight: int | None = None,
) -> Outcome:
    """Run (or resume) ``sweep`` into ``folder``; return what happened.

    At most ``max_in_flight`` tasks (default twice the workers) are submitted at
    once. Completed task ids are appended to ``tasks.log``; failed tasks go to
    ``failures.jsonl`` and the rest continue. On completion the parts are merged
    into ``runs.parquet`` and ``series.parquet`` and ``manifest.json`` is written.

    Raises
    ------
    SweepInterrupted : on Ctrl-C, after the running tasks finished and were recorded.
    """
    given = Path(folder)
    # Workers get this path: on a cluster their working folder is not ours, so it must be absolute.
    folder = given.absolute()
    started = time.perf_counter()
    design = prepare(sweep, folder, resume)
    if resume and (folder / "manifest.json").exists():
        done = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if done.get("complete"):
            remove_parts(folder)
            return Outcome(given, True, [], done["points"], done["runs"], 0.0, "", sweep.points)
    number = count_execution(folder)
    sweep.design = design
    run = Execution(sweep, folder, number)
    # Nothing left to run (say, killed while merging): no pool to start.
    opened = open_executor(executor, workers, scheduler) if run.has_work else nullcontext((None, 1, "nothing"))
    with opened as (pool, n, described):
        run.run(pool, max_in_flight or 2 * n, progress)
    points, rows, wall = run.merge(described, resume, started)
    complete = len(points) == sweep.points
    return Outcome(given, complete, run.failures, len(points), rows, wall, described, run.skipped)


def run_sweep(
    sweep_file_or_spec: str | Path | dict | Sweep,
    workers: int | None = None,
    executor: str | Executor | None = None,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    progress: bool = False,
    *,
    scheduler: str | None = None,
    chunk: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    overrides: dict | list[str] | None = None,
    max_in_flight: int | None = None,
) -> Results:
    """Run a sweep and return its Results (``runs``, ``series`` and ``manifest``).

    Parameters
    ----------
    sweep_file_or_spec : a sweep YAML file, a spec mapping or a loaded :class:`Sweep`.
    workers : parallel workers (default: the core count; 1 runs in this process).
    executor : ``"process"`` (default), ``"dask"`` or any ``concurrent.futures.Executor``.
    out : new results folder (default ``results/<name>/<timestamp>-<id>``).
    resume : an interrupted sweep's folder; completed tasks are skipped.
    progress : show a tqdm bar (tasks, runs/s, ETA).
    scheduler : Dask scheduler address (``executor="dask"``; default: a LocalCluster).
    chunk, replications, seed, months, overrides : as in :func:`load_sweep`.

    If some tasks failed, the returned results hold the completed design points and
    ``manifest["complete"]`` is False, with the failures in ``manifest["failures"]``.

    Raises
    ------
    ScenarioError : invalid sweep file or folder.
    SweepInterrupted : on Ctrl-C (a KeyboardInterrupt); resume with ``resume=folder``.
    """
    sweep = (
        sweep_file_or_spec
        if isinstance(sweep_file_or_spec, Sweep)
        else load_sweep(
            sweep_file_or_spec, replications=replications, seed=seed, months=months, chunk=chunk, overrides=overrides
        )
    )
    folder = Path(resume or out or new_folder("results", sweep.name))
    outcome = execute(
        sweep,
        folder,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        resume=resume is not None,
        progress=progress,
        max_in_flight=max_in_flight,
    )
    return load_results(outcome.folder)
