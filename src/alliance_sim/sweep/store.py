"""The folder of a sweep while it runs, and how its parts become the final tables.

Layout::

    sweep.json        the resolved sweep, its design description, fingerprint, package version and
                      git commit (written first),
                      the number of executions so far (rewritten as each execution starts)
    design.parquet    one row per design point: ``point`` and one column per dotted path
    tasks.log         ids of completed tasks, one per line, appended by the parent
    failures.jsonl    tasks that raised or were not run, of every execution (execution number,
                      point, seed keys, traceback), appended by the parent
    parts/runs/       one Parquet file per task (design point x replication chunk), written by workers
    parts/series/     one Parquet file per design point
    parts/trace/      step-metric traces of chunks of points split over several tasks (until finalised)
    runs.parquet      } written on completion, in (point, replication) order; the manifest goes last
    series.parquet    }
    manifest.json     }

Every file is written atomically, and a task id reaches ``tasks.log`` only after
its files are in place, so a SIGKILL at any moment leaves a folder that
``--resume`` can complete: unlogged tasks are run again and overwrite their
parts with identical content.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import SweepError
from ..run import git_commit, package_version
from ..store import _atomic, check_writable, write_json, write_parquet

if TYPE_CHECKING:
    from .design import Sweep

SWEEP_JSON = "sweep.json"
DESIGN = "design.parquet"
TASK_LOG = "tasks.log"
FAILURES = "failures.jsonl"
PARTS = "parts"


def runs_part(folder: Path, point: int, start: int) -> Path:
    """Runs of design point ``point``, replications from ``start``."""
    return Path(folder) / PARTS / "runs" / f"p{point:07d}-r{start:09d}.parquet"


def series_part(folder: Path, point: int) -> Path:
    """Series of design point ``point`` (quantiles over all its replications)."""
    return Path(folder) / PARTS / "series" / f"p{point:07d}.parquet"


def trace_part(folder: Path, point: int, start: int) -> Path:
    """Traces (months x replications per metric) of a chunk of a split design point."""
    return Path(folder) / PARTS / "trace" / f"p{point:07d}-r{start:09d}.npz"


def save_trace(trace: dict[str, np.ndarray], path: Path) -> None:
    """Write a chunk's traces atomically (an uncompressed ``.npz``, metric order kept)."""

    def write(tmp):
        with open(tmp, "wb") as fh:  # a file handle: np.savez would append ".npz" to a name
            np.savez(fh, **trace)

    _atomic(Path(path), write)


def load_traces(paths: list[Path]) -> Iterable[tuple[str, np.ndarray]]:
    """Yield (metric, months x all replications) one metric at a time, chunks joined in order."""
    files = [np.load(p) for p in paths]
    try:
        for name in files[0].files:
            yield name, np.concatenate([f[name] for f in files], axis=1)
    finally:
        for f in files:
            f.close()


class TaskLog:
    """Append-only record of completed task ids in the results folder.

    A line counts only once its newline is written; a torn last line (the
    process was killed while writing it) is dropped when the log is reopened.
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / TASK_LOG
        self.done: set[str] = set()
        if self.path.exists():
            text = self.path.read_text(encoding="utf-8")
            complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
            self.done = {line for line in complete.splitlines() if line}
            if complete != text:
                self.path.write_text(complete, encoding="utf-8")
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open while the sweep runs

    def add(self, task_id: str) -> None:
        self._fh.write(task_id + "\n")
        self._fh.flush()
        self.done.add(task_id)

    def close(self) -> None:
        self._fh.close()


def merge_parquet(groups: Iterable[list[Path]], dest: Path) -> int:
    """Concatenate Parquet parts into ``dest``, one row group per group, streaming.

    Only one group (one design point) is in memory at a time, so memory does not
    grow with the number of design points. The row groups do not depend on how
    replications were chunked, so the file is the same byte for byte.
    """
    rows = 0

    def write(tmp):
        nonlocal rows
        writer = None
        try:
            for paths in groups:
                table = pa.concat_tables([pq.read_table(p) for p in paths]).combine_chunks()
                if writer is None:
                    schema = table.schema
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(table.cast(schema))
                rows += table.num_rows
        finally:
            if writer is not None:
                writer.close()
        if writer is None:  # nothing completed: an empty file with no columns
            pq.write_table(pa.table({}), tmp)

    _atomic(Path(dest), write)
    return rows


def remove_parts(folder: Path) -> None:
    """Delete the parts of a completed sweep (the merged tables hold everything)."""
    shutil.rmtree(Path(folder) / PARTS, ignore_errors=True)


def prepare(sweep: Sweep, folder: Path, resume: bool) -> pd.DataFrame:
    """Create the folder (or check the one being resumed); return the design table to use."""
    state = folder / SWEEP_JSON
    if resume and not folder.exists():
        raise SweepError(f"cannot resume: {folder} does not exist (to start a new sweep there, use --out {folder})")
    if resume and state.exists():
        stored = json.loads(state.read_text(encoding="utf-8"))
        check_code(folder, stored)
        if stored.get("fingerprint") != sweep.fingerprint():
            raise SweepError(
                f"{folder} holds a different sweep ({stored.get('name')!r}, "
                f"{stored['design']['points']} points, chunk {stored.get('chunk')}); resume with the same "
                "sweep file and the same --replications/--seed/--months/--set/--chunk"
            )
        return pd.read_parquet(folder / DESIGN)
    if state.exists():
        raise FileExistsError(f"{folder} holds an unfinished sweep; continue it with --resume {folder}")
    check_writable(folder)  # also when resuming a folder without a sweep: never overwrite other results
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(sweep.design, folder / DESIGN)
    info = {
        "name": sweep.name,
        "fingerprint": sweep.fingerprint(),
        "package_version": package_version(),  # the code that runs the tasks: checked by --resume
        "git_commit": git_commit(),
        "sources": sweep.sources,
        "chunk": sweep.chunk,
        "sweep": sweep.spec.model_dump(mode="json"),
        "design": sweep.design_info(),
        "scenario": sweep.scenario.to_dict(),
    }
    write_json(info, state)  # last: its presence means the design is in place
    return sweep.design


def check_code(folder: Path, stored: dict) -> None:
    """Refuse to resume a sweep started by another version of the code (unknown versions are not refused)."""
    now = {"package_version": package_version(), "git_commit": git_commit()}
    for key, what in (("package_version", "version"), ("git_commit", "commit")):
        old, new = stored.get(key), now[key]
        if old in (None, "unknown") or new in (None, "unknown") or old == new:
            continue
        if key == "git_commit":
            old, new = old[:12], new[:12]
        raise SweepError(
            f"cannot resume {folder}: it was started by alliance-sim {what} {old} and this is {what} {new}; "
            "resuming would merge results of two versions of the code: resume it with the code it was started "
            "with, or run the sweep again into a new folder (--out)"
        )


def count_execution(folder: Path) -> int:
    """Number this execution of the sweep in ``folder`` (1, then one more per resume) and record it in sweep.json."""
    state = folder / SWEEP_JSON
    info = json.loads(state.read_text(encoding="utf-8"))
    info["executions"] = info.get("executions", 0) + 1
    write_json(info, state)
    return info["executions"]
