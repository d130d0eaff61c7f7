"""A sweep folder's state file, ``sweep.json``: starting a sweep, and checking one before it is resumed.

``sweep.json`` is written when a sweep starts and names everything that decides
its results (the fingerprint), the code that runs it and the SHA-256 of its
design table. ``--resume`` refuses a folder whose state file is missing, is not
one of ours, describes another sweep or another version of the code, or whose
design table was changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import SweepError
from ..run import git_commit, package_version
from ..store import LOCK_NAME, check_new_folder, sha256_file, write_bytes, write_json, write_parquet
from .store import DESIGN, POSTERIOR, SWEEP_JSON, remove_temporaries

if TYPE_CHECKING:
    from .design import Sweep

#: Keys every sweep.json written by alliance-sim has (``design_sha256`` since 0.1.0's hardening:
#: an older state file is refused by its code version or, failing that, for lacking it).
REQUIRED = ("name", "fingerprint", "design", "chunk")


def check_new(folder: Path) -> None:
    """Refuse to start a sweep in a folder that holds one already, or holds anything else."""
    if (folder / SWEEP_JSON).exists():
        if completed(folder):
            raise SweepError(f"{folder} holds a completed sweep; its results are kept: choose another --out")
        raise SweepError(f"{folder} holds an unfinished sweep; continue it with --resume {folder}")
    check_new_folder(folder)


def _manifest(folder: Path) -> dict:
    """The folder's manifest.json, or {} if there is none (or it cannot be read)."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def completed(folder: Path) -> dict | None:
    """The manifest of a sweep that is already complete, else None."""
    manifest = _manifest(folder)
    return manifest if manifest.get("complete") else None


def _kind(folder: Path) -> str | None:
    """``"sweep"``, ``"run"`` (a scenario run's manifest has no kind) or None without a manifest."""
    if not (folder / "manifest.json").exists():
        return None
    return _manifest(folder).get("kind", "run")


def start(sweep: Sweep, folder: Path) -> pd.DataFrame:
    """Write the design table and sweep.json into a new folder; return the design."""
    check_new(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(sweep.design, folder / DESIGN)
    if sweep.draws is not None:  # workers read the copy: the folder is the one place every worker sees
        raw = sweep.draws.path.read_bytes()
        write_bytes(raw, folder / POSTERIOR)
        if sha256_file(folder / POSTERIOR) != sweep.draws.sha256:
            raise SweepError(f"the posterior file changed while the sweep started: {sweep.draws.path}")
    info = {
        "name": sweep.name,
        "fingerprint": sweep.fingerprint(),
        "package_version": package_version(),  # the code that runs the tasks: checked by --resume
        "git_commit": git_commit(),
        "sources": sweep.sources,
        "chunk": sweep.chunk,
        "sweep": sweep.spec.model_dump(mode="json"),
        "design": sweep.design_info(),
        "design_sha256": sha256_file(folder / DESIGN),
        "scenario": sweep.scenario.to_dict(),
        "parameter_draws": sweep.draws_info(),
    }
    write_json(info, folder / SWEEP_JSON)  # last: its presence means the design is in place
    return sweep.design


def read(folder: Path) -> dict:
    """The state of the sweep in ``folder``; a missing, unreadable or foreign sweep.json is an error."""
    state = folder / SWEEP_JSON
    if not state.is_file() and _kind(folder) not in (None, "sweep"):
        raise SweepError(f"cannot resume {folder}: it already holds results that are not a sweep's")
    if not state.is_file():
        raise SweepError(
            f"cannot resume {folder}: it has no {SWEEP_JSON}, so it holds no sweep that can be resumed "
            "(the file was deleted, or the sweep never started); run the sweep again into a new folder (--out)"
        )
    try:
        info = json.loads(state.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        info = None
    if not isinstance(info, dict) or any(key not in info for key in REQUIRED):
        raise SweepError(
            f"cannot resume {folder}: {SWEEP_JSON} is not a sweep state written by alliance-sim "
            "(it is damaged or was edited); run the sweep again into a new folder (--out)"
        )
    return info


def check_resumable(sweep: Sweep, folder: Path) -> pd.DataFrame:
    """Check that ``folder`` holds this sweep, started by this code, with its design intact; return the design."""
    if not (folder / SWEEP_JSON).exists() and _never_started(folder):
        # Killed before sweep.json was written: nothing to mix with, so start afresh.
        remove_temporaries(folder)
        (folder / DESIGN).unlink(missing_ok=True)
        (folder / POSTERIOR).unlink(missing_ok=True)
        return start(sweep, folder)
    stored = read(folder)
    check_code(folder, stored)
    if stored["fingerprint"] != sweep.fingerprint():
        points = stored["design"].get("points") if isinstance(stored["design"], dict) else "?"
        raise SweepError(
            f"{folder} holds a different sweep ({stored['name']!r}, {points} points, chunk {stored['chunk']}); "
            "resume with the same sweep file and the same --replications/--seed/--months/--set/--chunk/--parameters "
            "(and the same posterior file)"
        )
    design = folder / DESIGN
    if not design.is_file():
        raise SweepError(f"cannot resume {folder}: {DESIGN} is missing; run the sweep again into a new folder (--out)")
    if "design_sha256" not in stored:
        raise SweepError(
            f"cannot resume {folder}: it was started by an older alliance-sim that did not record its design's "
            "hash; run the sweep again into a new folder (--out)"
        )
    if sha256_file(design) != stored["design_sha256"]:
        raise SweepError(
            f"cannot resume {folder}: {DESIGN} was changed after the sweep started (its SHA-256 differs from the "
            f"one in {SWEEP_JSON}); run the sweep again into a new folder (--out)"
        )
    if sweep.draws is not None and not _has_copy(folder, sweep.draws.sha256):
        raise SweepError(
            f"cannot resume {folder}: its copy of the posterior ({POSTERIOR}) is missing or was changed after the "
            "sweep started; run the sweep again into a new folder (--out)"
        )
    remove_temporaries(folder)  # only once the folder is known to be this sweep's
    return pd.read_parquet(design)


def _has_copy(folder: Path, sha256: str) -> bool:
    return (folder / POSTERIOR).is_file() and sha256_file(folder / POSTERIOR) == sha256


def _never_started(folder: Path) -> bool:
    """The folder holds only what a sweep writes before sweep.json: the lock, temporaries, design, posterior copy."""
    return all(
        p.name in (LOCK_NAME, DESIGN, POSTERIOR) or (p.name.startswith(".") and p.suffix == ".tmp")
        for p in folder.iterdir()
    )


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
    info = read(folder)
    info["executions"] = info.get("executions", 0) + 1
    write_json(info, folder / SWEEP_JSON)
    return info["executions"]
