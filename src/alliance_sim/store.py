"""Results folders: Parquet tables plus manifest.json, written atomically.

Layout of a folder::

    manifest.json    resolved scenario, seed, sizes, version, git commit, timings, metric definitions
    runs.parquet     one row per replication: point, replication, seed, spawn_key, run summaries
    series.parquet   one row per (point, month, metric): mean, p05, p50, p95
    scenario.yaml    the resolved scenario (loadable on its own)
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml


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


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write ``df`` to ``path`` atomically (temporary file, then rename)."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    _atomic(Path(path), lambda tmp: pq.write_table(table, tmp))


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


def save(results: Results, folder: Path | str, scenario_dict: dict | None = None) -> Path:
    """Write a results folder; the manifest goes last, so its presence means the folder is complete."""
    folder = Path(folder)
    check_writable(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(results.runs, folder / "runs.parquet")
    write_parquet(results.series, folder / "series.parquet")
    if scenario_dict is not None:
        write_text(yaml.safe_dump(scenario_dict, sort_keys=False, allow_unicode=True), folder / "scenario.yaml")
    write_json(results.manifest, folder / "manifest.json")
    results.path = folder
    return folder


def load_results(folder: Path | str) -> Results:
    """Load a results folder written by ``simulate`` (a run or a sweep)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{folder} is not a results folder (no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    runs = pd.read_parquet(folder / "runs.parquet")
    series = pd.read_parquet(folder / "series.parquet")
    return Results(runs=runs, series=series, manifest=manifest, path=folder)
