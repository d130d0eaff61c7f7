"""Results folders: Parquet tables plus manifest.json, written atomically.

Layout of a folder::

    manifest.json    resolved scenario, seed, sizes, version, git commit, timings, metric definitions
    runs.parquet     one row per replication: point, replication, seed, spawn_key, run summaries
    series.parquet   one row per (point, month, metric): mean, p05, p50, p95
    scenario.yaml    the resolved scenario (loadable on its own)
    trajectories.parquet  optional: per-replication monthly values of chosen metrics
                     (see :mod:`alliance_sim.trajectories`)

While a folder is being written it also holds ``.lock`` (see :func:`lock_folder`),
removed when the writer is done.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from .errors import FolderBusy, ResultsMismatch

fcntl: ModuleType | None
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: folders are not locked
    fcntl = None

#: The tables of a results folder, whose hashes the manifest records.
TABLES = ("runs.parquet", "series.parquet")
#: Tables a folder may hold; their hashes are recorded too when they are there.
OPTIONAL_TABLES = ("trajectories.parquet",)

#: Name of the lock file inside a results folder being written.
LOCK_NAME = ".lock"


@dataclass
class Results:
    """Results of a scenario run or a sweep.

    Attributes
    ----------
    runs : one row per replication (and design point) with its seed key and summaries.
    series : per design point, month and metric: ensemble mean, p05, p50 and p95.
        Driver attribution rows have metric names ``driver_<term>``.
    manifest : provenance and definitions (see ``manifest.json``).
    path : the results folder, if written.
    """

    runs: pd.DataFrame
    series: pd.DataFrame
    manifest: dict = field(default_factory=dict)
    path: Path | None = None

    def metric(self, name: str, point: int = 0) -> pd.DataFrame:
        """The series of one metric (for one design point), indexed by date.

        Raises
        ------
        ValueError : if no series has that metric name or that design point (the message lists the valid ones).
        """
        s = self.series
        names = s["metric"].unique()
        if name not in names:
            raise ValueError(f"no metric {name!r} in these results; choose one of {', '.join(sorted(map(str, names)))}")
        rows = s[(s.metric == name) & (s.point == point)]
        if rows.empty:
            raise ValueError(f"no design point {point} in these results (points {s.point.min()}..{s.point.max()})")
        return rows.set_index("date")

    def trajectories(self, metrics=None, replications=None) -> pd.DataFrame:
        """The stored per-replication monthly values (see :func:`alliance_sim.trajectories.load_trajectories`).

        Raises
        ------
        FileNotFoundError : these results were not written to a folder, or hold no trajectories.
        """
        if self.path is None:
            raise FileNotFoundError("these results were not written to a folder; run with out=... and trajectories=...")
        from .trajectories import load_trajectories

        return load_trajectories(self.path, metrics, replications)

    def to_ema(self, level: str = "replication"):
        """The ``(experiments, outcomes)`` pair EMA Workbench's analysis functions take.

        See :func:`alliance_sim.analysis.to_ema`.
        """
        from .analysis import to_ema  # analysis imports this module

        return to_ema(self, level=level)


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Rows below which a frame is converted to Arrow on this thread: pyarrow's conversion threads cost
#: more than they save on a sweep task's series (7.5 ms against 1.4 ms for 3,720 rows; same bytes).
THREADED_ROWS = 100_000


def _arrow(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False, nthreads=1 if len(df) < THREADED_ROWS else None)


#: Arrow schemas of frames by their columns' names and kinds (:func:`frame_table`); at most this many kept.
SCHEMAS = 64
_schemas: dict[tuple, pa.Schema] = {}


#: numpy kinds whose dtype alone fixes the Arrow type (bool, integers, floats, dates, durations, text).
_FIXED = set("biufmMU")


def _kind(values: Any) -> str | None:
    """What decides a column's Arrow type and pandas metadata, or None where the values decide it too
    (objects, categories, lists of anything but text): such a frame is converted by pandas each time."""
    if isinstance(values, list):
        return "list of str" if values and all(isinstance(v, str) for v in values) else None
    dtype = values.dtype
    if isinstance(dtype, np.dtype):
        return str(dtype) if dtype.kind in _FIXED else None
    return str(dtype) if str(dtype) in ("Int64", "str", "string") else None  # nullable integers, text


def frame_table(columns: Mapping[str, Any]) -> pa.Table:
    """The Arrow table of ``pd.DataFrame(columns)`` as :func:`write_arrow` converts it, pandas' metadata included.

    The first frame of each set of column names and kinds is converted by pandas; later ones
    are built from their columns with its schema, without a frame (a sweep task's runs part:
    2.2 -> 0.2 ms). Only where the dtypes fix the Arrow types: a frame with objects, categories
    or lists of anything but text is converted by pandas every time. ``columns`` maps names to
    arrays (numpy or pandas) or lists, all as long.
    """
    key = tuple((name, _kind(values)) for name, values in columns.items())
    schema = _schemas.get(key)
    if schema is None:
        table = _arrow(pd.DataFrame(columns))
        if len(_schemas) < SCHEMAS and all(kind is not None for _, kind in key):
            _schemas[key] = table.schema
        return table
    # from_pandas=True: NaN becomes null, as pandas' conversion makes it
    arrays = [
        pa.array(values, type=f.type, from_pandas=True) for values, f in zip(columns.values(), schema, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_arrow(df: pd.DataFrame | pa.Table, path: Path) -> None:
    """Write ``df`` (a frame, or the Arrow table of one) to ``path`` as an uncompressed Arrow IPC file,
    atomically: a sweep's parts, which cost a fifth of Parquet's time to write and a tenth to read
    back (they are merged into Parquet)."""

    def write(tmp):
        table = df if isinstance(df, pa.Table) else _arrow(df)
        with pa.OSFile(tmp, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)

    _atomic(Path(path), write)


def read_arrow(path: Path) -> pa.Table:
    """An Arrow IPC file written by :func:`write_arrow`, read whole."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` atomically (temporary file, then rename)."""
    table = _arrow(df)
    _atomic(Path(path), lambda tmp: pq.write_table(table, tmp))


def write_bytes(data: bytes, path: Path) -> None:
    """Write ``data`` to ``path`` atomically."""
    _atomic(Path(path), lambda tmp: Path(tmp).write_bytes(data))


def write_text(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` atomically."""
    _atomic(Path(path), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def write_figure(fig, path: Path, dpi: int = 110) -> None:
    """Save a matplotlib Figure to ``path`` (format from its suffix) atomically."""
    fmt = Path(path).suffix.lstrip(".") or "png"
    _atomic(Path(path), lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))


def write_json(data: dict, path: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n", path)


def new_folder(root: Path | str, name: str) -> Path:
    """A fresh folder ``root/name/YYYYmmdd-HHMMSS-<short id>``."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / name / f"{stamp}-{secrets.token_hex(3)}"


def check_writable(folder: Path) -> None:
    """Refuse to write into a folder that already holds results (nothing written may be lost)."""
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    if (folder / "manifest.json").exists():
        raise FileExistsError(f"{folder} already holds results; choose another --out")


def check_new_folder(folder: Path) -> None:
    """Refuse a folder that holds anything but our lock: results, or files that are not ours.

    Stricter than :func:`check_writable` (which lets a sweep be resumed): a single run
    only ever writes into a new or empty folder, so it can never overwrite anything.
    """
    check_writable(folder)
    if folder.is_dir() and any(p.name != LOCK_NAME for p in folder.iterdir()):
        raise FileExistsError(
            f"{folder} is not empty and holds no results of alliance-sim; choose a new or empty folder for --out"
        )


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:  # pragma: no cover - the file was readable a moment ago
        pid = ""
    return f"pid {pid}" if pid.isdigit() else "a process that is just starting"


@contextmanager
def lock_folder(folder: Path | str) -> Iterator[Path]:
    """Hold an exclusive lock on a results folder while writing it (created if missing).

    The lock is ``flock`` on ``folder/.lock``, taken without waiting: a second writer
    gets :class:`FolderBusy` (a ``ScenarioError``) naming the holder's pid, rather than
    both writing and one run's results being lost. The lock file is removed on exit,
    and so is the folder if this call created it and it is still empty (an error or
    Ctrl-C before anything was written). The lock dies with its process, so a killed
    run leaves no stale lock.

    Raises
    ------
    FolderBusy : another process holds the lock.
    OSError : the folder cannot be created (for example a file is in the way).
    """
    folder = Path(folder)
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise FolderBusy(
                f"another run ({holder}) is writing results into this folder; wait for it or choose another --out",
                folder,
            ) from None
        try:  # the previous holder removes the file before unlocking: lock the file that is there now
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield folder
    finally:
        lock.unlink(missing_ok=True)  # before unlocking, so no one locks a file that is going away
        os.close(fd)
        if created:
            with suppress(OSError):
                folder.rmdir()  # only if empty


def save(
    results: Results, folder: Path | str, scenario_dict: dict | None = None, staged: dict[str, Path] | None = None
) -> Path:
    """Write a results folder; the manifest goes last, so its presence means the folder is complete.

    Each file is written atomically; if one fails, the files this call already wrote
    are removed again, so the folder never holds a partial result. ``staged`` maps
    file names to complete temporary files (in ``folder``) that are renamed into place
    first (the trajectories, written while the run went on); they are removed on failure too.
    """
    folder = Path(folder)
    check_writable(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def put(write, data, name: str) -> None:
        write(data, folder / name)
        written.append(folder / name)

    try:
        for name, tmp in (staged or {}).items():
            put(os.replace, tmp, name)
        put(write_parquet, results.runs, "runs.parquet")
        put(write_parquet, results.series, "series.parquet")
        if scenario_dict is not None:
            put(write_text, yaml.safe_dump(scenario_dict, sort_keys=False, allow_unicode=True), "scenario.yaml")
        results.manifest["files"] = table_hashes(folder)
        write_json(results.manifest, folder / "manifest.json")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    results.path = folder
    return folder


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def table_hashes(folder: Path) -> dict[str, str]:
    """The manifest's ``files`` entry: SHA-256 of each table, so readers can tell it describes them."""
    present = [name for name in OPTIONAL_TABLES if (Path(folder) / name).is_file()]
    return {name: sha256_file(Path(folder) / name) for name in (*TABLES, *present)}


def load_results(folder: Path | str) -> Results:
    """Load a results folder written by ``simulate`` (a run or a sweep).

    Raises
    ------
    FileNotFoundError : the folder has no manifest.json (not a results folder, or not complete yet).
    ResultsMismatch : a table does not have the SHA-256 its manifest records (a writer is replacing
        it, or it was edited): the folder is not read as a mix of two versions.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    raw = {name: (folder / name).read_bytes() for name in TABLES}
    for name, expected in manifest.get("files", {}).items():
        if name in raw and hashlib.sha256(raw[name]).hexdigest() != expected:
            raise ResultsMismatch(
                f"{name} is not the table its manifest.json describes (its SHA-256 differs): the folder is being "
                "rewritten by a resume, or was edited; load it again once the writer is done",
                folder,
            )
    runs = pd.read_parquet(io.BytesIO(raw["runs.parquet"]))
    series = pd.read_parquet(io.BytesIO(raw["series.parquet"]))
    return Results(runs=runs, series=series, manifest=manifest, path=folder)
