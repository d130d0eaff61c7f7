"""Running a sweep into its folder: checks before writing, the lock, then one execution (:mod:`.execution`)."""

from __future__ import annotations

import time
from concurrent.futures import Executor
from contextlib import nullcontext
from pathlib import Path

from ..errors import SweepError
from ..posterior import Posterior
from ..store import Results, load_results, lock_folder, new_folder
from . import state
from .design import Sweep
from .execution import Execution, Outcome
from .executors import DASK_TIMEOUT, check_options, connect, open_executor
from .load import load_sweep
from .spec import MAX_POINTS
from .store import remove_parts


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
    dask_timeout: float = DASK_TIMEOUT,
) -> Outcome:
    """Run (or resume) ``sweep`` into ``folder``; return what happened.

    At most ``max_in_flight`` tasks (default twice the workers) are submitted at
    once. Completed task ids are appended to ``tasks.log``; failed tasks go to
    ``failures.jsonl`` and the rest continue. On completion the parts are merged
    into ``runs.parquet`` and ``series.parquet`` and ``manifest.json`` is written.
    On Dask, ``dask_timeout`` bounds the wait for the scheduler, and for workers
    once the cluster has none (the sweep then stops; exit 3 from the command).

    Raises
    ------
    SweepError : invalid options, an unreachable scheduler, or a folder that cannot be started or resumed.
    SweepInterrupted : on Ctrl-C, after the running tasks finished and were recorded.
    """
    given = Path(folder)
    # Workers get this path: on a cluster their working folder is not ours, so it must be absolute.
    folder = given.absolute()
    started = time.perf_counter()
    _check_before_writing(folder, resume, executor, workers, scheduler, dask_timeout)
    # One writer at a time, resumes included: a second one gets FolderBusy naming the holder.
    with lock_folder(folder):
        design = state.check_resumable(sweep, folder) if resume else state.start(sweep, folder)
        done = state.completed(folder) if resume else None
        if done is not None:
            remove_parts(folder)
            return Outcome(given, True, [], done["points"], done["runs"], 0.0, "", sweep.points)
        sweep.design = design
        run = Execution(sweep, folder, state.count_execution(folder))
        # Nothing left to run (say, killed while merging): no pool to start.
        idle = nullcontext((None, 1, "nothing", None))
        opened = open_executor(executor, workers, scheduler, dask_timeout) if run.has_work else idle
        with opened as (pool, n, described, health):
            run.run(pool, max_in_flight or 2 * n, progress, health)
        points, rows, wall = run.merge(described, resume, started)
    complete = len(points) == sweep.points
    return Outcome(
        given, complete, run.failures, len(points), rows, wall, described, run.skipped, run.quarantined, run.why
    )


def _check_before_writing(
    folder: Path,
    resume: bool,
    executor: str | Executor | None,
    workers: int | None,
    scheduler: str | None,
    dask_timeout: float,
) -> None:
    """What can be checked before the folder is made or locked: options, the scheduler, the folder to resume."""
    check_options(executor, workers, scheduler)
    if executor == "dask" and scheduler:
        connect(scheduler, dask_timeout).close()
    if resume and not folder.exists():
        raise SweepError(f"cannot resume: {folder} does not exist (to start a new sweep there, use --out {folder})")


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
    max_points: int = MAX_POINTS,
    max_memory: float | None = None,
    dask_timeout: float = DASK_TIMEOUT,
    parameters: str | Path | Posterior | None = None,
) -> Results:
    """Run a sweep and return its Results (``runs``, ``series`` and ``manifest``).

    ``sweep_file_or_spec`` is a sweep YAML file, a spec mapping or a loaded :class:`Sweep`;
    ``workers`` defaults to the core count (1 runs in this process); ``executor`` is
    ``"process"``, ``"dask"`` (``scheduler``: its address, default a LocalCluster) or any
    ``concurrent.futures.Executor``; ``out`` a new folder (default ``results/<name>/<stamp>``)
    or ``resume`` an interrupted one; the rest (``parameters``: each replication's coefficients,
    posterior draws by default) as in :func:`load_sweep` and :func:`execute`.
    If tasks failed, the results hold the complete design points and ``manifest["complete"]``
    is False, with the failures in ``manifest["failures"]``.

    Raises
    ------
    ScenarioError : invalid sweep file, option or folder.
    SweepInterrupted : on Ctrl-C (a KeyboardInterrupt); resume with ``resume=folder``.
    """
    sweep = sweep_file_or_spec
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(
            sweep,
            replications=replications,
            seed=seed,
            months=months,
            chunk=chunk,
            overrides=overrides,
            max_points=max_points,
            max_memory=max_memory,
            parameters=parameters,
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
        dask_timeout=dask_timeout,
    )
    return load_results(outcome.folder)
