"""The folder of a sweep while it runs, and how its parts become the final tables.

Layout::

    .lock             held (flock) by the process writing the folder
    sweep.json        the resolved sweep, its design description and the design table's SHA-256,
                      fingerprint, package version and git commit (written first),
                      the number of executions so far (rewritten as each execution starts)
    design.parquet    one row per design point: ``point`` and one column per dotted path
    posterior.csv     with posterior draws: a copy of the posterior file (workers read it here, so it
                      must only be on the shared folder; its SHA-256 is in sweep.json), kept
    tasks.log         completed tasks, one per line: the id and the SHA-256 of each file it wrote,
                      appended by the parent
    failures.jsonl    tasks that raised or were not run, of every execution (execution number,
                      point, seed keys, traceback), appended by the parent
    parts/runs/       one Arrow IPC file per task (design point x replication chunk), written by workers
    parts/series/     one Arrow IPC file per design point
    parts/trace/      step-metric traces of chunks of points split over several tasks (until finalised)
    runs.parquet      } written on completion, in (point, replication) order, row groups of whole design
                      } points of about ROW_GROUP_ROWS rows; the manifest goes last
    series.parquet    }
    manifest.json     }
    quarantine/       parts that failed their hash check on --resume (their tasks ran again); kept

Every file is written atomically, and a task id reaches ``tasks.log`` only after
its files are in place, so a SIGKILL at any moment leaves a folder that
``--resume`` can complete: unlogged tasks are run again and overwrite their
parts with identical content. ``--resume`` trusts a logged task only if its
files still have the hashes it logged; a part that does not is moved to
``quarantine/`` (kept after the sweep completes) and its task runs again.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..store import _atomic, read_arrow

SWEEP_JSON = "sweep.json"
DESIGN = "design.parquet"
POSTERIOR = "posterior.csv"
TASK_LOG = "tasks.log"
FAILURES = "failures.jsonl"
PARTS = "parts"
QUARANTINE = "quarantine"
#: Rows a row group of the merged tables reaches before it is written: whole design points, so the
#: groups do not depend on the chunking (a point's rows are one group if it has more). The merge's
#: memory follows the group: at 16,384 rows a 100,000-run sweep's parent peaked at 1.05-1.12 x a
#: 10,000-run one's (whose 10 points were a smaller group); at 8,192, 1.04, and no slower.
ROW_GROUP_ROWS = 8_192

#: A column is dictionary-encoded when the first row group holds at most one distinct value in this many.
DICTIONARY_SHARE = 16


def runs_part(folder: Path, point: int, start: int) -> Path:
    """Runs of design point ``point``, replications from ``start``."""
    return Path(folder) / PARTS / "runs" / f"p{point:07d}-r{start:09d}.arrow"


def series_part(folder: Path, point: int) -> Path:
    """Series of design point ``point`` (quantiles over all its replications)."""
    return Path(folder) / PARTS / "series" / f"p{point:07d}.arrow"


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


class AppendLog:
    """An append-only text file of one record a line, held open while the sweep runs.

    A line counts only once its newline is written; a torn last line (the
    process was killed, or the disk filled, while writing it) is cut off, in
    place, when the log is reopened. Writes are unbuffered, so a failed write
    (``OSError``, say a full disk) leaves nothing pending to fail again on close.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.lines: list[str] = []
        if self.path.is_file():
            raw = self.path.read_bytes()
            complete = raw[: raw.rfind(b"\n") + 1]
            self.lines = [line for line in complete.decode("utf-8").splitlines() if line]
            if len(complete) != len(raw):
                os.truncate(self.path, len(complete))
        self._fh = open(self.path, "ab", buffering=0)  # noqa: SIM115 - held open while the sweep runs

    def add(self, line: str) -> None:
        data = memoryview((line + "\n").encode("utf-8"))
        while data:
            data = data[self._fh.write(data) or 0 :]
        self.lines.append(line)

    def close(self) -> None:
        self._fh.close()


class TaskLog:
    """Completed tasks: one line each, the task id and the SHA-256 of each file it wrote.

    ``done`` maps a task id to ``{file name: hash}``; ``--resume`` checks each
    logged task's files against these hashes before trusting them.
    """

    def __init__(self, folder: Path):
        self._log = AppendLog(Path(folder) / TASK_LOG)
        self.done: dict[str, dict[str, str]] = {}
        for line in self._log.lines:
            task_id, *files = line.split("\t")
            self.done[task_id] = dict(f.split("=", 1) for f in files if "=" in f)

    def add(self, task_id: str, hashes: dict[str, str] | None = None) -> None:
        hashes = hashes or {}
        self._log.add("\t".join([task_id, *(f"{name}={h}" for name, h in hashes.items())]))
        self.done[task_id] = hashes

    def close(self) -> None:
        self._log.close()


def remove_temporaries(folder: Path) -> int:
    """Delete the temporary files of writes that were killed before their rename; return how many."""
    stale = [*Path(folder).glob(".*.tmp"), *Path(folder).glob(f"{PARTS}/*/.*.tmp")]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


def _row_groups(groups: Iterable[list[Path]]) -> Iterable[pa.Table]:
    """The tables of consecutive groups (each a design point's Arrow parts), gathered until they reach
    :data:`ROW_GROUP_ROWS` rows: whole design points, so the groups do not depend on the chunking."""
    pending: list[pa.Table] = []
    held = 0
    for paths in groups:
        table = pa.concat_tables([read_arrow(p) for p in paths])
        if pending and table.schema != pending[0].schema:
            table = table.cast(pending[0].schema)
        pending.append(table)
        held += table.num_rows
        if held >= ROW_GROUP_ROWS:
            yield pa.concat_tables(pending).combine_chunks()
            pending, held = [], 0
    if pending:
        yield pa.concat_tables(pending).combine_chunks()


def dictionary_columns(table: pa.Table) -> list[str]:
    """The columns of ``table`` with few distinct values (design values, posterior coefficients, flags,
    months, metric names), which Parquet's dictionary encoding shrinks. pyarrow's default tries it on
    every column and gives up on the others after a megabyte: choosing the columns first halves the
    merge's writing time (1M runs: 1.9 -> 0.9 s) and the files come out smaller (155 -> 141 MB)."""
    return [name for name in table.column_names if _distinct(table[name]) * DICTIONARY_SHARE <= len(table)]


def _distinct(column: pa.ChunkedArray) -> float:
    """How many distinct values ``column`` holds; infinite for a type Arrow cannot count (null, nested)."""
    try:
        return pc.count_distinct(column).as_py()
    except pa.ArrowNotImplementedError:
        return math.inf


def merge_parquet(groups: Iterable[list[Path]], dest: Path) -> int:
    """Concatenate the Arrow parts of each group (a design point) into the Parquet file ``dest``, streaming.

    One row group (:func:`_row_groups`) is in memory at a time, and its memory goes back to the
    system once it is written, so memory does not grow with the number of design points (pyarrow's
    default pool would keep it: a 100,000-run sweep's parent peaked at 1.07-1.13 x a 10,000-run one's,
    now 1.02-1.05). The row groups do not depend on how replications were
    chunked, nor the dictionary-encoded columns (:func:`dictionary_columns` of the first), so
    the file is the same byte for byte.
    """
    rows = 0

    def write(tmp):
        nonlocal rows
        writer = None
        try:
            for table in _row_groups(groups):
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema, use_dictionary=dictionary_columns(table))
                writer.write_table(table.cast(writer.schema))
                rows += table.num_rows
                del table
                pa.default_memory_pool().release_unused()
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
