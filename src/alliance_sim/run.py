"""One scenario -> ensemble chunks -> Results."""

from __future__ import annotations

import os
import platform
import subprocess
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import metrics
from .model import AllianceModel
from .names import month_label
from .scenario import Scenario, ScenarioError, apply_overrides, load_scenario, scenario_sources
from .store import Results, check_new_folder, lock_folder, save

#: Default ensemble size per chunk: large enough to vectorise well, small enough for memory.
DEFAULT_CHUNK = 5000
QUANTILES = (5, 50, 95)

#: Bytes per replication-month beyond the traces and the draws (model state, summaries);
#: with them, :func:`estimate_memory` matched the peak traced by ``tracemalloc`` within 10%
#: on base.yaml from 2,000 x 60 to 40,000 x 12 (one chunk and several).
STATE_BYTES = 4 * 8
GIB = 2**30


def default_max_memory() -> float:
    """The default memory limit of one run, in bytes: 4 GiB, or half the machine's RAM if that is less."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not a POSIX system
        ram = 0
    return float(min(4 * GIB, ram / 2)) if ram > 0 else float(4 * GIB)


def estimate_memory(scenario: Scenario, replications: int | None = None) -> int:
    """Peak memory (bytes) of running ``replications`` (default: all) of ``scenario`` in one process.

    The traces of every step metric and driver term (months x R float64) are kept for
    the whole ensemble and concatenated once (so counted twice); each replication
    also holds its pre-drawn uniforms and normals (months x draws) while it runs.
    A sweep task, which runs one chunk, can pass the chunk size as ``replications``.
    """
    r = scenario.replications if replications is None else replications
    n_traces = len(metrics.STEP_METRICS) + len(metrics.DRIVERS)
    per_month = 8 * 2 * n_traces + STATE_BYTES
    return int(r) * scenario.months * per_month


def _size(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 2**20:.1f} MiB"


def check_memory(
    scenario: Scenario, max_memory: float, file: str | Path | None = None, replications: int | None = None
) -> None:
    """Refuse a run (or a sweep task of ``replications``) whose estimated memory is above ``max_memory`` bytes.

    Raises
    ------
    ScenarioError : with the estimate, the limit and how to lift it (``--max-memory``).
    """
    r = scenario.replications if replications is None else replications
    need = estimate_memory(scenario, r)
    if need > max_memory:
        what = "this run" if replications is None else "each task (one chunk)"
        raise ScenarioError(
            f"{what} needs about {_size(need)} of memory ({r:,} replications x "
            f"{scenario.months} months), above the limit of {_size(max_memory)}; use fewer replications "
            "or months, or raise the limit with --max-memory GB (Python: simulate(..., max_memory=bytes))",
            file or f"scenario {scenario.name!r}",
            None,
            "replications",
        )


def run_ensemble(
    scenario: Scenario, point: int = 0, replications=None, coefficients=None, ensemble=None
) -> tuple[pd.DataFrame, dict]:
    """Run replications (indices; default all) of design point ``point`` as one ensemble.

    Returns the per-replication summaries and the traces (months x R arrays) of
    every step metric and driver term (``driver_<term>``). ``coefficients`` sets
    coefficient columns per replication (see :class:`~alliance_sim.model.AllianceModel`);
    ``ensemble`` runs prebuilt arrays instead (:func:`alliance_sim.ensemble.build`,
    e.g. several design points at once), with ``scenario`` the first part's.
    """
    if ensemble is None:
        reps = np.arange(scenario.replications) if replications is None else np.asarray(replications)
        model = AllianceModel(scenario, replications=reps, point=point, coefficients=coefficients, collect=False)
    else:
        model = AllianceModel(scenario, ensemble=ensemble, collect=False)
    model.run()
    e = model.ensemble
    trace = dict(model.trace) | {f"driver_{k}": v for k, v in model.drivers.items()}
    runs = pd.DataFrame(
        {
            "point": e.points,
            "replication": e.replications,
            "seed": (e.keys[:, 0] + (e.keys[:, 1] << 32)).astype(np.uint64),
            "spawn_key": [f"{p},{r}" for p, r in zip(e.points.tolist(), e.replications.tolist(), strict=True)],
        }
    )
    for name, fn in metrics.SUMMARIES.items():
        runs[name] = fn(model.trace, scenario.parameters)
    runs["first_rupture_month"] = runs["first_rupture_month"].astype("Int64")
    return runs, trace


def percentiles(values: np.ndarray, q=QUANTILES) -> np.ndarray:
    """``np.percentile(values, q, axis=1)`` of a 2-D array, from one sort of each row.

    numpy partitions every row around each rank it needs, which costs more than one
    SIMD sort; this sorts, then interpolates exactly as numpy's default ('linear')
    method does, so the numbers are the same (tested). Rows where the order of equal
    values could matter are left to ``np.percentile``: rows holding NaN, and rows
    holding zeros of both signs where a picked rank is zero (-0.0 == 0.0, so which
    of them lands on a rank depends on the algorithm; numpy's SIMD sort may even
    turn one into the other).
    """
    n = values.shape[1]
    # numpy's steps: virtual index (n - 1) q, its floor and the next rank, the fraction between them
    virtual = (n - 1) * np.true_divide(q, 100)
    below = np.floor(virtual)
    above = below + 1
    below[virtual >= n - 1] = above[virtual >= n - 1] = -1
    below, above = below.astype(np.intp), above.astype(np.intp)
    gamma = (virtual - below)[:, None]
    ordered = np.sort(values, axis=1)
    a, b = ordered[:, below].T, ordered[:, above].T
    diff = b - a
    result = a + diff * gamma
    np.subtract(b, diff * (1 - gamma), out=result, where=np.broadcast_to(gamma >= 0.5, result.shape))
    suspect = np.isnan(ordered[:, -1]) | (a == 0).any(axis=0) | (b == 0).any(axis=0)
    if suspect.any():
        rows = np.flatnonzero(suspect)
        check = values[rows]  # not ``ordered``: the sort may swap the signs of equal zeros
        zero, negative = check == 0, np.signbit(check)
        redo = rows[np.isnan(ordered[rows, -1]) | ((zero & negative).any(axis=1) & (zero & ~negative).any(axis=1))]
        if redo.size:
            result[:, redo] = np.percentile(values[redo], q, axis=1)
    return result


def series_table(scenario: Scenario, trace: dict, point: int = 0) -> pd.DataFrame:
    """Ensemble statistics per month and metric, in long (tidy) form."""
    months = scenario.months
    dates = pd.to_datetime([month_label(scenario.start, t) for t in range(months)], format="%Y-%m")
    # One frame for all metrics: building a frame per metric cost as much as the quantiles (sweeps do this per point).
    q = np.stack([percentiles(values) for values in trace.values()])
    return pd.DataFrame(
        {
            "point": point,
            "month": np.tile(np.arange(1, months + 1), len(trace)),
            "date": np.tile(dates, len(trace)),
            "metric": np.repeat(list(trace), months),
            "mean": np.stack([values.mean(axis=1) for values in trace.values()]).ravel(),
            "p05": q[:, 0].ravel(),
            "p50": q[:, 1].ravel(),
            "p95": q[:, 2].ravel(),
        }
    )


def chunks(n: int, size: int) -> list[range]:
    """Split replication indices 0..n-1 into consecutive chunks of at most ``size``."""
    return [range(i, min(i + size, n)) for i in range(0, n, size)]


def git_commit() -> str | None:
    """The git commit of the source tree, where known."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def package_version() -> str:
    try:
        return version("alliance-sim")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def manifest(scenario: Scenario, wall: float, sources: list[str] | None = None, **extra) -> dict:
    """Provenance of a run: what was run, by which code, how long it took, what the metrics mean."""
    return {
        "kind": "scenario",
        "name": scenario.name,
        "scenario": scenario.to_dict(),
        "sources": sources or [],
        "seed": scenario.seed,
        "replications": scenario.replications,
        "months": scenario.months,
        "start": scenario.start,
        "package_version": package_version(),
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "wall_seconds": round(wall, 4),
        "metrics": metrics.definitions(),
        **extra,
    }


def events_outside_horizon(scenario: Scenario) -> list[str]:
    """One sentence per dated event (``at``) that falls after the last simulated month, or before the start.

    Such an event never fires; a storyline whose election lies beyond ``months`` would
    otherwise lose it without a word.
    """
    last = month_label(scenario.start, scenario.months - 1)
    out = []
    for name, event in scenario.events.items():
        at = getattr(event, "at", None)
        if at is None:
            continue
        at = str(at)
        if at > last or at < scenario.start:
            out.append(
                f"event {name!r} at {at} is outside the horizon {scenario.start}..{last} "
                f"({scenario.months} months) and never fires"
            )
    return out


def simulate(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    out: str | Path | None = None,
    chunk: int | None = None,
    progress: bool = False,
    sources: list[str] | None = None,
    max_memory: float | None = None,
    overrides: dict | None = None,
) -> Results:
    """Run a scenario's ensemble and return its Results (written to ``out`` if given).

    Dated events outside the horizon are reported: a ``UserWarning`` and the
    manifest's ``warnings`` list (see :func:`events_outside_horizon`).

    Parameters
    ----------
    scenario : a Scenario or a path to a scenario file.
    replications, seed, months : override the scenario's values.
    overrides : ``{dotted.path: value}`` applied to the scenario, as ``--set`` and ``run_sweep`` do.
    out : folder to write the results into: new or empty. It is locked while the run
        computes and writes (:func:`~alliance_sim.store.lock_folder`).
    chunk : replications per ensemble; the output does not depend on it.
    progress : show a tqdm progress bar over chunks.
    sources : the files the scenario was built from (recorded in the manifest); by
        default the ``extends`` chain when ``scenario`` is a path.
    max_memory : refuse the run if its estimated memory (:func:`estimate_memory`) is
        above this many bytes; default (None) :func:`default_max_memory`; ``math.inf``: no limit.

    Raises
    ------
    ScenarioError : if the scenario or an override is invalid, the run needs more
        memory than ``max_memory``, or ``out`` is being written by another process
        (:class:`~alliance_sim.store.FolderBusy`).
    FileExistsError : ``out`` already holds results or other files.
    """
    if not isinstance(scenario, Scenario):
        sources = scenario_sources(scenario) if sources is None else sources
        scenario = load_scenario(scenario)
    if chunk is not None and chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    if overrides:
        scenario = apply_overrides(scenario, dict(overrides), origin=" (from overrides)")
    for field, value in {"replications": replications, "seed": seed, "months": months}.items():
        if value is not None:
            scenario = apply_overrides(scenario, {field: value}, origin=f" (from {field}={value!r})")
    check_memory(scenario, default_max_memory() if max_memory is None else max_memory, sources[-1] if sources else None)
    notes = events_outside_horizon(scenario)
    for note in notes:
        warnings.warn(f"{scenario.name}: {note}", UserWarning, stacklevel=2)
    if out is None:
        return _run(scenario, chunk, progress, sources, notes)
    with lock_folder(out) as folder:
        check_new_folder(folder)
        results = _run(scenario, chunk, progress, sources, notes)
        save(results, folder, scenario.to_dict())
    return results


def _run(scenario: Scenario, chunk: int | None, progress: bool, sources: list[str] | None, notes: list[str]) -> Results:
    started = time.perf_counter()
    size = chunk or min(scenario.replications, DEFAULT_CHUNK)
    parts, traces = [], []
    for reps in tqdm(
        chunks(scenario.replications, size),
        desc=scenario.name,
        unit="chunk",
        disable=not progress or scenario.replications <= size,
    ):
        runs, trace = run_ensemble(scenario, 0, reps)
        parts.append(runs)
        traces.append(trace)
    trace = {k: np.concatenate([t[k] for t in traces], axis=1) for k in traces[0]}
    runs = pd.concat(parts, ignore_index=True)
    series = series_table(scenario, trace)
    wall = time.perf_counter() - started
    return Results(runs, series, manifest(scenario, wall, sources, chunk=size, warnings=notes))
