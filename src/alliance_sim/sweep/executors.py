"""Executors that run sweep tasks.

Executors are ordinary :class:`concurrent.futures.Executor` objects: an
in-process one for a single worker, a spawn-context process pool, or
``dask.distributed``'s ``Client.get_executor()``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Iterator
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


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def open_executor(
    kind: str | Executor | None = None, workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[Executor, int, str]]:
    """Yield (executor, number of parallel workers, description).

    ``kind`` is ``"process"`` (default), ``"dask"`` or an Executor instance.
    One process worker runs in this process.
    """
    if workers is not None and workers < 1:
        raise SweepError(f"--workers must be at least 1 (got {workers})")
    if isinstance(kind, Executor):
        yield kind, workers or 1, type(kind).__name__
        return
    if kind in (None, "process"):
        n = workers or os.cpu_count() or 1
        if n == 1:
            yield InlineExecutor(), 1, "inline"
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=_ignore_sigint) as pool:
            yield pool, n, f"process pool ({n} workers)"
        return
    if kind == "dask":
        with _dask(workers, scheduler) as opened:
            yield opened
        return
    raise SweepError(f"unknown executor {kind!r}; choose process or dask")


@contextmanager
def _dask(workers: int | None, scheduler: str | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SweepError("--executor dask needs Dask: pip install 'alliance-sim[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        n = sum(client.nthreads().values()) or 1
        where = scheduler or "LocalCluster"
        yield client.get_executor(pure=False), n, f"dask ({where}, {n} threads)"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
