"""One scenario -> ensemble chunks -> Results."""

from __future__ import annotations

import platform
import subprocess
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from . import metrics
from .draws import generate
from .events import month_label
from .model import AllianceModel, draw_layout
from .scenario import Scenario, apply_overrides, load_scenario, scenario_sources
from .store import Results, save

#: Default ensemble size per chunk: large enough to vectorise well, small enough for memory.
DEFAULT_CHUNK = 5000
QUANTILES = (5, 50, 95)


def run_ensemble(scenario: Scenario, point: int = 0, replications=None, draws=None) -> tuple[pd.DataFrame, dict]:
    """Run replications (indices; default all) of design point ``point`` as one ensemble.

    Returns the per-replication summaries and the traces (months x R arrays) of
    every step metric and driver term (``driver_<term>``). ``draws`` may pass the
    ensemble's pre-drawn numbers when the caller already has them (the explorer
    keeps them across slider moves); they must be those of ``scenario``'s seed and layout.
    """
    if draws is None:
        reps = np.arange(scenario.replications) if replications is None else np.asarray(replications)
        n_uniform, n_normal = draw_layout(scenario)
        draws = generate(scenario.seed, point, reps, scenario.months, n_uniform, n_normal)
    reps = draws.replications
    model = AllianceModel(scenario, draws)
    model.run()
    trace = dict(model.trace) | {f"driver_{k}": v for k, v in model.drivers.items()}
    runs = pd.DataFrame(
        {
            "point": np.full(len(reps), point, dtype=np.int64),
            "replication": reps.astype(np.int64),
            "seed": np.full(len(reps), scenario.seed, dtype=np.uint64),
            "spawn_key": [f"{point},{r}" for r in reps],
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


def simulate(
    scenario: Scenario | str | Path,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    out: str | Path | None = None,
    chunk: int | None = None,
    progress: bool = False,
    sources: list[str] | None = None,
) -> Results:
    """Run a scenario's ensemble and return its Results (written to ``out`` if given).

    Parameters
    ----------
    scenario : a Scenario or a path to a scenario file.
    replications, seed, months : override the scenario's values.
    out : folder to write the results into (must not already hold results).
    chunk : replications per ensemble; the output does not depend on it.
    progress : show a tqdm progress bar over chunks.
    sources : the files the scenario was built from (recorded in the manifest); by
        default the ``extends`` chain when ``scenario`` is a path.

    Raises
    ------
    ScenarioError : if the scenario or an override is invalid.
    """
    if not isinstance(scenario, Scenario):
        sources = scenario_sources(scenario) if sources is None else sources
        scenario = load_scenario(scenario)
    if chunk is not None and chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    for field, value in {"replications": replications, "seed": seed, "months": months}.items():
        if value is not None:
            scenario = apply_overrides(scenario, {field: value}, origin=f" (from {field}={value!r})")
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
    results = Results(runs, series, manifest(scenario, wall, sources, chunk=size))
    if out is not None:
        save(results, out, scenario.to_dict())
    return results
