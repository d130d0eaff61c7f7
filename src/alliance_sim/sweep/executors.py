"""Executors that run sweep tasks.

Executors are ordinary :class:`concurrent.futures.Executor` objects: an
in-process one for a single worker, a spawn-context process pool, or
``dask.distributed``'s ``Client.get_executor()``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from ..errors import SweepError


class InlineExecutor(Executor):
    """Runs each task at submission, in this process (one worker: no pool, no pickling)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # pragma: no cover - run_job returns its errors
            future.set_exception(exc)
        return future


#: How often a pool worker checks that its parent is alive (seconds).
PARENT_POLL = 0.5

#: Default seconds a Dask sweep waits for a scheduler to answer, or for workers to return, before giving up.
DASK_TIMEOUT = 60.0

#: Says why the executor can no longer make progress, or None while it can.
Health = Callable[[], str | None]


def _healthy() -> str | None:
    return None


def _init_worker(parent: int) -> None:
    # Ctrl-C reaches the whole process group; only the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A SIGKILLed parent runs no cleanup: each worker leaves on its own once it is orphaned.
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()


def _exit_with_parent(parent: int) -> None:  # pragma: no cover - runs in pool workers
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def check_options(kind: str | Executor | None, workers: int | None, scheduler: str | None) -> None:
    """Refuse option combinations that cannot work, before any folder is made."""
    if workers is not None and workers < 1:
        raise SweepError(f"--workers must be at least 1 (got {workers})")
    if isinstance(kind, Executor):
        return
    if kind not in (None, "process", "dask"):
        raise SweepError(f"unknown executor {kind!r}; choose process or dask")
    if scheduler and kind != "dask":
        raise SweepError("--scheduler needs --executor dask (it is the address of a Dask scheduler)")


@contextmanager
def open_executor(
    kind: str | Executor | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    timeout: float = DASK_TIMEOUT,
) -> Iterator[tuple[Executor, int, str, Health]]:
    """Yield (executor, number of parallel workers, description, health check).

    ``kind`` is ``"process"`` (default), ``"dask"`` or an Executor instance.
    One process worker runs in this process. ``timeout`` bounds how long Dask
    waits for its scheduler, and for workers once all of them are gone.
    """
    check_options(kind, workers, scheduler)
    if isinstance(kind, Executor):
        yield kind, workers or 1, type(kind).__name__, _healthy
        return
    if kind == "dask":
        with _dask(workers, scheduler, timeout) as opened:
            yield opened
        return
    n = workers or os.cpu_count() or 1
    if n == 1:
        yield InlineExecutor(), 1, "inline", _healthy
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=n, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
    ) as pool:
        yield pool, n, f"process pool ({n} workers)", _healthy


def _distributed():
    """The ``dask.distributed`` module, or a usage error saying how to install it."""
    try:
        import dask.distributed
    except ImportError:
        raise SweepError("--executor dask needs Dask: pip install 'alliance-sim[dask]'") from None
    return dask.distributed


def connect(scheduler: str, timeout: float = DASK_TIMEOUT):
    """A Dask client of ``scheduler``; an unreachable scheduler is a :class:`SweepError` after ``timeout`` s."""
    try:
        return _distributed().Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SweepError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({reason})") from None


@contextmanager
def _dask(workers: int | None, scheduler: str | None, timeout: float):
    distributed = _distributed()
    cluster = None
    if scheduler:
        client = connect(scheduler, timeout)
    else:
        # Its scheduler and nannies run in this process; each worker process exits by itself when
        # this one dies, SIGKILL included (distributed's AsyncProcess: the worker reads a pipe whose
        # other end only this process holds). tests/test_sweep_guards.py checks it.
        cluster = distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
    try:
        nthreads = client.nthreads()
        n = sum(nthreads.values()) or 1
        where = scheduler or "LocalCluster"
        described = f"dask ({where}, {len(nthreads)} workers, {n} threads)"
        yield client.get_executor(pure=False), n, described, _WorkerWatch(client, timeout)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _WorkerWatch:
    """Health of a Dask cluster: lost once it has had no workers for ``timeout`` seconds."""

    def __init__(self, client, timeout: float):
        self.client, self.timeout = client, timeout
        self.since: float | None = None

    def __call__(self) -> str | None:
        try:
            workers = len(self.client.scheduler_info().get("workers", {}))
        except Exception:  # the scheduler itself is gone
            workers = 0
        if workers:
            self.since = None
            return None
        self.since = self.since or time.monotonic()
        if time.monotonic() - self.since < self.timeout:
            return None
        return f"dask cluster lost: no workers for {self.timeout:g} s"
