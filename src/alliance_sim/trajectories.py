"""Per-replication monthly values of chosen metrics: ``trajectories.parquet`` in a results folder.

Layout: one row per (replication, month), replication-major, with one float32 column
per stored metric::

    replication  month  cohesion  coop_rok_jpn  ...
    0            1      0.7113    0.4982
    0            2      0.7090    0.4951
    ...

Wide rather than long (one row per metric too), because the two questions it is for
read whole metrics for chosen replications: "plot individual futures" is a pivot of
one column by month, and "condition on futures where X" is a join on ``replication``
with ``runs.parquet`` (or a filter by a list of replications). A column per metric
stores no metric names, and Parquet reads only the columns asked for. Rows are in
replication order, in row groups of a fixed number of replications (depending only on
the months), so a filter on replications reads only the row groups that hold them, and
the file is the same byte for byte whatever the chunk size.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ResultsMismatch
from .metrics import STEP_METRICS
from .series import trace_names

FILE = "trajectories.parquet"

#: Rows per row group (about): a row group holds ``max(1, ROWS_PER_GROUP // months)`` whole replications.
ROWS_PER_GROUP = 2**17


def default_metrics() -> list[str]:
    """What a bare ``--save-trajectories`` stores: every step metric."""
    return list(STEP_METRICS)


def choose(requested: str | Sequence[str] | bool | None) -> list[str]:
    """The metrics to store, in the order runs record them; ``True`` or ``""``: :func:`default_metrics`.

    Raises
    ------
    ValueError : a name is not a step metric nor ``driver_<term>`` (the message lists the valid names).
    """
    if requested is None or requested is False:
        return []
    if requested is True or requested == "":
        return default_metrics()
    if isinstance(requested, str):
        names = [n.strip() for n in requested.split(",")]
    else:
        names = list(requested)
        if not names:
            return []
    valid = trace_names()
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}; choose from {', '.join(valid)} (comma-separated)")
    return [n for n in valid if n in names]


def replications_per_group(months: int) -> int:
    return max(1, ROWS_PER_GROUP // months)


def bytes_per_replication(months: int, n_metrics: int) -> int:
    """Memory the writer needs per replication of a chunk or of its pending row group."""
    # float32 values, and a second copy of part of them while a row group is put together;
    # replication (int64) and month (int16) of the rows written (measured with tracemalloc)
    return months * (5 * n_metrics + 10)


class TrajectoryWriter:
    """Write trajectories chunk by chunk into a temporary file in ``folder``; :attr:`path` once closed.

    Chunks must come in replication order. Rows are regrouped into row groups of
    :func:`replications_per_group` replications (a group split by a chunk waits for its
    rest), so the file does not depend on the chunking. On an error the temporary
    file is removed.
    """

    def __init__(self, folder: Path, names: Sequence[str], months: int):
        self.names, self.months = list(names), months
        self.group = replications_per_group(months)
        self.schema = pa.schema(
            [("replication", pa.int64()), ("month", pa.int16())] + [(n, pa.float32()) for n in self.names]
        )
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{FILE}.", suffix=".tmp")
        os.close(fd)
        self.path = Path(tmp)
        self.writer = pq.ParquetWriter(
            tmp,
            self.schema,
            compression="zstd",
            use_dictionary=["replication", "month"],
            use_byte_stream_split=self.names,  # float bytes grouped by position compress better: ~2.1 bytes a value
        )
        self.next = 0  # the first replication not yet written
        self.pending: dict[str, np.ndarray] = {}

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(self, kind, value, tb) -> None:
        if kind is None:
            self.close()
        else:
            self.writer.close()
            self.path.unlink(missing_ok=True)

    def add(self, trace: Mapping[str, np.ndarray]) -> None:
        """The next replications' traces (months x n each)."""
        values = {n: trace[n].astype(np.float32) for n in self.names}
        if self.pending:
            values = {n: np.concatenate([self.pending[n], v], axis=1) for n, v in values.items()}
        held = next(iter(values.values())).shape[1]
        full = held - held % self.group
        for start in range(0, full, self.group):
            self._write({n: v[:, start : start + self.group] for n, v in values.items()})
        self.pending = {n: v[:, full:].copy() for n, v in values.items()} if full < held else {}

    def close(self) -> None:
        if self.pending:
            self._write(self.pending)
            self.pending = {}
        self.writer.close()
        os.chmod(self.path, 0o644)  # mkstemp creates 0600; results are meant to be shared

    def _write(self, values: Mapping[str, np.ndarray]) -> None:
        n = next(iter(values.values())).shape[1]
        columns = {
            "replication": np.repeat(np.arange(self.next, self.next + n, dtype=np.int64), self.months),
            "month": np.tile(np.arange(1, self.months + 1, dtype=np.int16), n),
        } | {name: v.T.ravel() for name, v in values.items()}  # replication-major: each row of v.T is one future
        self.writer.write_table(pa.table(columns, schema=self.schema), row_group_size=n * self.months)
        self.next += n


def load_trajectories(
    folder: Path | str, metrics: Sequence[str] | None = None, replications: Iterable[int] | None = None
) -> pd.DataFrame:
    """Per-replication monthly values stored by ``simulate(..., trajectories=...)`` or ``--save-trajectories``.

    Parameters
    ----------
    folder : a results folder.
    metrics : the metric columns to read (default: all stored).
    replications : only these replications (for example ``runs.replication[runs.rupture]``);
        only the row groups holding them are read.

    Returns
    -------
    DataFrame with ``replication`` (int64), ``month`` (int16, 1 = the start month) and one float32
    column per metric, in replication then month order.

    Raises
    ------
    FileNotFoundError : the folder holds no trajectories (or no manifest: not a complete results folder).
    ValueError : a metric was not stored (the message lists those that were).
    ResultsMismatch : the file does not have the SHA-256 its manifest records (being rewritten, or edited).
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json)")
    expected = json.loads(manifest_path.read_text(encoding="utf-8")).get("files", {}).get(FILE)
    if expected is None or not (folder / FILE).is_file():
        raise FileNotFoundError(f"{folder} holds no trajectories; run with --save-trajectories (Python: trajectories=)")
    # One open file: the bytes hashed are the bytes read, even if the file is replaced meanwhile.
    with open(folder / FILE, "rb") as fh:
        digest = hashlib.sha256()
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
        if digest.hexdigest() != expected:
            raise ResultsMismatch(
                f"{FILE} is not the table its manifest.json describes (its SHA-256 differs): it was edited "
                "or is being rewritten",
                folder,
            )
        fh.seek(0)
        data = pq.ParquetFile(fh)
        stored = data.schema_arrow.names[2:]
        wanted = stored if metrics is None else list(metrics)
        missing = [m for m in wanted if m not in stored]
        if missing:
            raise ValueError(f"metric {missing[0]!r} was not stored; these trajectories hold {', '.join(stored)}")
        columns = ["replication", "month", *wanted]
        if replications is None:
            table = data.read(columns=columns)
            return table.to_pandas()
        chosen = np.unique(np.fromiter(replications, dtype=np.int64))
        groups = []
        for g in range(data.num_row_groups):
            stats = data.metadata.row_group(g).column(0).statistics
            lo, hi = stats.min, stats.max
            if ((chosen >= lo) & (chosen <= hi)).any():
                groups.append(g)
        frame = data.read_row_groups(groups, columns=columns).to_pandas()
    return frame[frame.replication.isin(chosen)].reset_index(drop=True)
