"""One execution of a sweep: the queue of tasks, what became of each, and the merge at the end.

An execution submits at most a bounded number of tasks at once, appends completed
task ids (with their files' hashes) to ``tasks.log`` and failed ones to
``failures.jsonl`` (the rest continue), and on completion merges the parts into
``runs.parquet`` and ``series.parquet`` and writes ``manifest.json``.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from tqdm import tqdm

from ..run import manifest
from ..store import sha256_file, table_hashes, write_json
from .design import Sweep
from .executors import Health
from .store import (
    FAILURES,
    POSTERIOR,
    QUARANTINE,
    AppendLog,
    TaskLog,
    merge_parquet,
    remove_parts,
    runs_part,
    series_part,
    trace_part,
)
from .tasks import Chunk, Job, PointSeries, release_buffers, run_job

Task = Chunk | PointSeries

#: Replications a job of whole design points holds at most (its points run in ensembles of
#: :data:`~alliance_sim.sweep.tasks.ENSEMBLE_RUNS`): fewer, larger jobs spare the parent and the
#: pool their per-job work; see docs/sweeps.md for the measurement behind it.
JOB_RUNS = 4000

#: Seconds without a completed task after which the executor's health is checked.
HEALTH_EVERY = 1.0


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
    quarantined: list[str] = field(default_factory=list)
    stopped: str = ""  # why the execution stopped early (a broken executor, a lost cluster, a full disk)


def _whole(task: Task) -> bool:
    return isinstance(task, Chunk) and task.whole


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
        # Workers read the folder's copy of the posterior (pickled by path and SHA-256).
        self.draws = None if sweep.draws is None else replace(sweep.draws, path=folder / POSTERIOR)
        self.runs, self.finals = sweep.tasks()
        self.log = TaskLog(folder)
        self.quarantined: list[str] = []
        self.failure_log = AppendLog(folder / FAILURES)  # the failures of earlier executions are kept
        self.verified: dict[str, bool] = {}
        series_done = {p for p, f in self.finals.items() if self._finished(f)}
        self.pending: deque[Task] = deque(t for t in self.runs if not self._finished(t))
        # A chunk re-run after its point's series was made (its part was quarantined) does not make it again.
        self.left = {p: 0 for p in self.finals if p not in series_done}
        for t in self.pending:
            if t.point in self.left:
                self.left[t.point] += 1
        self.ready: deque[Task] = deque(self.finals[p] for p, n in self.left.items() if n == 0)
        self.total = len(self.runs) + len(self.finals)
        waiting = sum(1 for n in self.left.values() if n > 0)
        self.skipped = self.total - len(self.pending) - len(self.ready) - waiting
        self.failures: list[dict] = []
        self.broken = ""  # once no more tasks can run: the formatted exception, or the sentence, that says why
        self.why = ""  # ... and in a few words, for the "not run" records
        self.done_runs = 0
        self.in_flight: dict[Future, list[Task]] = {}
        #: Whole-point chunks per job: as many points as fill :data:`JOB_RUNS` replications.
        self.batch = max(1, JOB_RUNS // sweep.replications) if sweep.chunk >= sweep.replications else 1
        self.bar: tqdm | None = None
        self.clock = time.perf_counter()

    def _finished(self, task: Task) -> bool:
        """Logged as done, and every file it logged is still there with the hash it logged.

        A logged task that fails this check is dropped from the log's done set, so it runs again
        and its point counts as complete only once it has.
        """
        if task.id not in self.verified:
            self.verified[task.id] = task.id in self.log.done and self._verify(task)
            if not self.verified[task.id]:
                self.log.done.pop(task.id, None)
        return self.verified[task.id]

    def _verify(self, task: Task) -> bool:
        if isinstance(task, Chunk) and not task.whole and self._finished(self.finals[task.point]):
            outputs = [runs_part(self.folder, task.point, task.start)]  # its traces were used and removed
        else:
            outputs = task.outputs(self.folder)
        logged = self.log.done[task.id]
        for path in outputs:
            if not path.exists():
                return False
            name = str(path.relative_to(self.folder))
            if logged.get(name) != sha256_file(path):
                self._quarantine(path)
                return False
        return True

    def _quarantine(self, path: Path) -> None:
        """Move a part that does not match its logged hash aside (never delete data); its task runs again."""
        dest = self.folder / QUARANTINE / f"{path.name}.{self.number}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        path.replace(dest)
        self.quarantined.append(str(path.relative_to(self.folder)))

    @property
    def has_work(self) -> bool:
        return bool(self.pending or self.ready)

    def run(self, pool: Executor | None, limit: int, progress: bool, health: Health | None) -> None:
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
            self._pump(pool, limit, health)
            for fut in list(self.in_flight):  # a broken pool fails whatever it was running ...
                tasks = self.in_flight.pop(fut)
                if fut.done():
                    self._record(fut, tasks)
                else:  # a lost cluster never finishes what it held
                    fut.cancel()
                    for task in tasks:
                        self._fail(task, self.broken, f"not run: {self.why}")
            for task in (*self.ready, *self.pending):  # ... and runs nothing more
                self._fail(task, self.broken, f"not run: {self.why}")
        except KeyboardInterrupt:
            self._stop()
            raise SweepInterrupted(self.folder) from None
        finally:
            self.bar.close()
            self.log.close()
            self.failure_log.close()
            release_buffers()  # the tasks run here by one worker (InlineExecutor) lent this thread's arrays

    def _pump(self, pool: Executor | None, limit: int, health: Health | None) -> None:
        if pool is None or health is None:  # nothing to run: no pool was opened
            return
        while (self.has_work or self.in_flight) and not self.broken:
            while len(self.in_flight) < limit and self.has_work and not self.broken:
                self._submit(pool, self._next_job())
            if not self.in_flight:
                break
            completed, _ = wait(self.in_flight, timeout=HEALTH_EVERY, return_when=FIRST_COMPLETED)
            if not completed:
                self._stop_with(health() or "")
            for fut in [f for f in self.in_flight if f in completed]:  # submission order, not set order
                self._record(fut, self.in_flight.pop(fut))

    def _next_job(self) -> list[Task]:
        """A series task alone, or up to ``batch`` pending whole-point chunks (one chunk if points are split)."""
        if self.ready:
            return [self.ready.popleft()]
        tasks = [self.pending.popleft()]
        while len(tasks) < self.batch and self.pending and _whole(tasks[0]) and _whole(self.pending[0]):
            tasks.append(self.pending.popleft())
        return tasks

    def _submit(self, pool: Executor, tasks: list[Task]) -> None:
        job = Job(str(self.folder), self.sweep.scenario, tuple((t, self.values[t.point]) for t in tasks), self.draws)
        try:
            self.in_flight[pool.submit(run_job, job)] = tasks
        except BrokenExecutor as exc:
            self._stop_with("".join(traceback.format_exception(exc)), "executor broken")
            self.pending.extendleft(reversed(tasks))

    def _stop_with(self, reason: str, why: str | None = None) -> None:
        """No more tasks can run (the first reason given is kept)."""
        if reason and not self.broken:
            self.broken, self.why = reason, why or reason

    def _stop(self) -> None:
        """Ctrl-C: cancel what has not started, wait for what has, record it."""
        for fut in self.in_flight:
            fut.cancel()
        running = {f: tasks for f, tasks in self.in_flight.items() if not f.cancelled()}
        if running:
            print(f"\nstopping: waiting for {len(running)} running task(s)", file=sys.stderr)
        for fut in wait(running).done:
            self._record(fut, running[fut])

    def _record(self, fut: Future, tasks: list[Task]) -> None:
        try:
            results = fut.result()
        except BrokenExecutor as exc:
            tb = "".join(traceback.format_exception(exc))
            self._stop_with(tb, "executor broken")
            results = [(t.id, tb, {}) for t in tasks]
        except Exception as exc:  # a lost worker, a cancelled future, a scheduler error
            tb = "".join(traceback.format_exception(exc))
            results = [(t.id, tb, {}) for t in tasks]
        for task, (_, tb, hashes) in zip(tasks, results, strict=True):
            self._record_one(task, tb, hashes)

    def _record_one(self, task: Task, tb: str | None, hashes: dict[str, str]) -> None:
        if self.bar is not None:
            self.bar.update()
        if tb is not None:
            self._fail(task, tb)
            return
        self.log.add(task.id, hashes)
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
        try:
            self.failure_log.add(json.dumps(self.failures[-1]))
        except OSError as exc:  # a full disk, say: stop rather than lose the record silently
            self._stop_with(f"cannot record failures in {FAILURES}: {exc.strerror or exc}")

    def complete_points(self) -> list[int]:
        """Design points all of whose tasks are logged as done."""
        ok = [True] * self.sweep.points
        tasks: list[Task] = [*self.runs, *self.finals.values()]
        for t in tasks:
            if t.id not in self.log.done:
                ok[t.point] = False
        return [p for p in range(self.sweep.points) if ok[p]]

    def merge(self, described: str, resumed: bool, started: float) -> tuple[list[int], int, float]:
        """Merge the parts of complete points into the final tables and write the manifest (last)."""
        sweep, folder = self.sweep, self.folder
        # Readers take a folder without a manifest as incomplete: never a new table beside an old manifest.
        (folder / "manifest.json").unlink(missing_ok=True)
        points = self.complete_points()
        starts: dict[int, list[int]] = {p: [] for p in points}
        for t in self.runs:
            if t.point in starts:
                starts[t.point].append(t.start)
        # The two files are independent and pyarrow reads and writes mostly without the GIL: side by side,
        # 300 points of 1,000 runs merged in 0.86 s instead of 1.34 s (one group of each in memory).
        with ThreadPoolExecutor(2, thread_name_prefix="merge") as pool:
            runs = pool.submit(
                merge_parquet,
                ([runs_part(folder, p, start) for start in starts[p]] for p in points),
                folder / "runs.parquet",
            )
            series = pool.submit(merge_parquet, ([series_part(folder, p)] for p in points), folder / "series.parquet")
            rows = runs.result()
            series.result()
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
            "quarantined": self.quarantined,
            "parameter_draws": sweep.draws_info(),
            "files": table_hashes(folder),
        }
        wall = time.perf_counter() - started
        write_json(manifest(sweep.scenario, wall, sweep.sources, **extra), folder / "manifest.json")
        if complete:
            remove_parts(folder)
        return points, rows, wall
