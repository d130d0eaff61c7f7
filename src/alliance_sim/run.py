"""One scenario -> ensemble chunks -> Results."""

from __future__ import annotations

import functools
import gc
import os
import platform
import subprocess
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from . import metrics, posterior, spinup
from .buffers import TraceBuffers
from .columns import COLUMNS, INDEX
from .jit import loaded
from .model import AllianceModel
from .names import month_label
from .posterior import Draws, Posterior
from .scenario import Scenario, ScenarioError, apply_overrides, load_scenario, scenario_sources
from .series import BLOCK, MonthlyStats, binned_bytes, exact_bytes, quantile_method, trace_names
from .slots import N_SLOTS
from .store import Results, check_new_folder, lock_folder, save
from .trajectories import FILE as TRAJECTORIES
from .trajectories import TrajectoryWriter, bytes_per_replication, choose, replications_per_group

#: Default ensemble size per chunk: large enough to vectorise well, small enough for memory.
DEFAULT_CHUNK = 5000

#: Bytes per replication-month of a running chunk beyond its traces (temporaries of the summaries).
STATE_BYTES = 4 * 8
#: Bytes per replication of a running chunk: its state row and coefficient row.
ROW_BYTES = 8 * (N_SLOTS + len(COLUMNS))
#: Bytes the first run in a process allocates once, whatever its size: loading the compiled
#: month step from the disk cache (measured at 10-13 MiB).
FIRST_CALL_BYTES = 13 * 2**20
#: Bytes per replication-month of a chunk's histogram work (bin indices and temporaries).
BINNING_BYTES = 3 * 8
#: Bytes per replication of the runs table (kept whole for runs.parquet, and copied once by concat).
#: With these, :func:`estimate_memory` was within 10% (traced / estimate 0.93-1.02) of the peak traced by
#: ``tracemalloc`` on base.yaml from 1,000 x 24 to 30,000 x 120, in one chunk and in several,
#: exact and binned, with and without trajectories (``benchmarks/memory.py``).
#: With base.yaml's spin-up (:func:`alliance_sim.spinup.memory`, added on top) the ratio was 0.87-0.95
#: from 200 x 12 to 5,000 x 60.
RUN_BYTES = 100
#: Bytes per replication and posterior column of the runs table (float64), the set index included.
DRAWN_BYTES = 8
GIB = 2**30


def default_max_memory() -> float:
    """The default memory limit of one run, in bytes: 4 GiB, or half the machine's RAM if that is less."""
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not a POSIX system
        ram = 0
    return float(min(4 * GIB, ram / 2)) if ram > 0 else float(4 * GIB)


def estimate_memory(
    scenario: Scenario,
    replications: int | None = None,
    chunk: int | None = None,
    quantiles: str | None = None,
    trajectories: int = 0,
    drawn: int = 0,
) -> int:
    """Peak memory (bytes) of running ``replications`` (default: all) of ``scenario`` in one process.

    The run goes chunk by chunk (``chunk``, default :data:`DEFAULT_CHUNK`), so the peak is
    the sum of:

    - one chunk: the traces of every step metric and driver term (months x chunk float64),
      each replication's state and coefficient rows, model state,
      and for binned quantiles the work of binning it;
    - the series accumulators: every value for exact quantiles, else the histograms
      (:func:`~alliance_sim.series.quantile_method` picks by ensemble size, ``quantiles`` forces one);
    - the runs table, one row per replication (with ``drawn`` posterior columns, each
      replication's set index and coefficients too);
    - with ``trajectories`` metrics stored, a chunk and a row group of them in float32;
    - a spin-up's scratch traces and per-replication rows (:func:`alliance_sim.spinup.memory`).

    A sweep task runs one chunk and keeps its traces: it passes the chunk size as
    ``replications`` (and as ``chunk``) with ``quantiles="exact"``.
    """
    r = scenario.replications if replications is None else replications
    size = min(r, DEFAULT_CHUNK if chunk is None else chunk)
    months, names = scenario.months, trace_names()
    method = quantile_method(r, names) if quantiles is None else quantiles
    per_month = 8 * len(names) + STATE_BYTES
    if method == "binned":
        per_month += BINNING_BYTES
        kept = binned_bytes(names, months)
    else:
        kept = 0 if size == r else exact_bytes(names, months, r)  # one chunk: its traces are kept as they are
    if size < r:  # a block of the mean's sum that a chunk boundary splits waits for its rest
        kept += exact_bytes(names, months, BLOCK)
    stored = 0
    if trajectories:
        stored = (size + replications_per_group(months)) * bytes_per_replication(months, trajectories)
    first = 0 if loaded() else FIRST_CALL_BYTES
    run_bytes = RUN_BYTES + (DRAWN_BYTES * (drawn + 1) if drawn else 0)
    spin = spinup.memory(scenario, int(size))
    return first + int(size) * (months * per_month + ROW_BYTES) + spin + kept + int(r) * run_bytes + stored


def _size(n: float) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB else f"{n / 2**20:.1f} MiB"


def check_memory(
    scenario: Scenario,
    max_memory: float,
    file: str | Path | None = None,
    replications: int | None = None,
    chunk: int | None = None,
    quantiles: str | None = None,
    trajectories: int = 0,
    drawn: int = 0,
) -> None:
    """Refuse a run (or a sweep task of ``replications``) whose estimated memory is above ``max_memory`` bytes.

    A run is estimated as :func:`simulate` runs it (chunks of ``chunk``, ``quantiles``,
    ``trajectories`` metrics stored, ``drawn`` posterior columns); a sweep task as one
    ensemble of ``replications`` with exact quantiles.

    Raises
    ------
    ScenarioError : with the estimate, the limit and how to lift it (``--max-memory``).
    """
    if replications is None:
        r = scenario.replications
        need = estimate_memory(scenario, None, chunk, quantiles, trajectories, drawn)
    else:
        r = replications
        need = estimate_memory(scenario, r, r, "exact", drawn=drawn)
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


def run_columns(
    scenario: Scenario,
    point: int = 0,
    replications=None,
    coefficients=None,
    ensemble=None,
    draws: Draws | None = None,
    buffers: TraceBuffers | None = None,
) -> tuple[dict[str, Any], dict]:
    """:func:`run_ensemble`, with the runs table as its columns (name -> one value per replication).

    ``pd.DataFrame(columns)`` is the table; a sweep task writes its chunks' columns
    straight to Arrow (:func:`alliance_sim.store.frame_table`), without the frame.
    ``buffers`` (:class:`alliance_sim.buffers.TraceBuffers`) lends the trace arrays: the traces
    returned are then written over by the next run that borrows them.
    """
    if ensemble is None:
        reps = np.arange(scenario.replications) if replications is None else np.asarray(replications)
    size = len(reps) if ensemble is None else ensemble.size
    if draws is not None and len(draws) != size:
        raise ValueError(f"draws hold {len(draws)} replications, the ensemble {size}")
    if ensemble is None:
        if draws is not None:
            coefficients = draws.values | dict(coefficients or {})
        model = AllianceModel(
            scenario,
            replications=reps,
            point=point,
            coefficients=coefficients,
            collect=False,
            zero_traces=False,
            buffers=buffers,
        )
    else:
        model = AllianceModel(scenario, ensemble=ensemble, collect=False, zero_traces=False, buffers=buffers)
    e = model.ensemble
    model.run()
    trace = dict(model.trace) | {f"driver_{k}": v for k, v in model.drivers.items()}
    columns = {
        "point": e.points,
        "replication": e.replications,
        "seed": (e.keys[:, 0] + (e.keys[:, 1] << 32)).astype(np.uint64),
        "spawn_key": [f"{p},{r}" for p, r in zip(e.points.tolist(), e.replications.tolist(), strict=True)],
    }
    if draws is not None:  # the values the replications ran with, read back from the coefficient matrix
        columns[posterior.SET_COLUMN] = draws.sets
        columns |= {path: e.coefficients[:, INDEX[path]].copy() for path in draws.values}
    columns |= {name: fn(model.trace, scenario.parameters) for name, fn in metrics.SUMMARIES.items()}
    columns["first_rupture_month"] = pd.array(columns["first_rupture_month"], dtype="Int64")
    # A Mesa model is a reference cycle (its scenario, event generator and wrapped step refer back to it),
    # freed only when the garbage collector runs: the traces (30 MB for 1,000 x 120) must go with the
    # views returned, not wait for it. (A sweep worker held several tasks' traces at once: 450 MB, and a
    # fresh 30 MB to page in at every task.)
    del model.traces, model.driver_traces, model.trace, model.drivers
    return columns, trace


def run_ensemble(
    scenario: Scenario,
    point: int = 0,
    replications=None,
    coefficients=None,
    ensemble=None,
    draws: Draws | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Run replications (indices; default all) of design point ``point`` as one ensemble.

    Returns the per-replication summaries and the traces (months x R arrays) of
    every step metric and driver term (``driver_<term>``). ``coefficients`` sets
    coefficient columns per replication (see :class:`~alliance_sim.model.AllianceModel`);
    ``ensemble`` runs prebuilt arrays instead (:func:`alliance_sim.ensemble.build`,
    e.g. several design points at once), with ``scenario`` the first part's.

    The engine runs the coefficients it is given: the scenario's point estimates unless
    ``draws`` (:meth:`alliance_sim.posterior.Posterior.draw` of these replications) gives
    each replication a posterior set. Their values go in before ``coefficients`` (which
    win); a prebuilt ``ensemble`` must have been built with ``coefficients=draws.values``.
    The runs table then records each replication's set index (``posterior_set``) and the
    value of every posterior coefficient it ran with.

    Raises
    ------
    ValueError : ``draws`` of another number of replications than the ensemble's.
    """
    columns, trace = run_columns(scenario, point, replications, coefficients, ensemble, draws)
    return pd.DataFrame(columns), trace  # built at once: column by column costs more than a small run


def month_dates(scenario: Scenario) -> pd.DatetimeIndex:
    """The first day of each simulated month."""
    return _month_dates(scenario.start, scenario.months)


@functools.lru_cache(maxsize=64)
def _month_dates(start: str, months: int) -> pd.DatetimeIndex:  # an index is immutable: shared safely
    return pd.to_datetime([month_label(start, t) for t in range(months)], format="%Y-%m")


def series_table(scenario: Scenario, trace: dict, point: int = 0) -> pd.DataFrame:
    """Ensemble statistics per month and metric, in long (tidy) form, with exact quantiles.

    ``trace`` holds the whole ensemble (months x R per metric); the mean is summed as
    :class:`~alliance_sim.series.MonthlyStats` sums it, so it equals a chunked run's.
    """
    return _exact_stats(trace, scenario.months).frame(month_dates(scenario), point)


def series_arrow(scenario: Scenario, trace: dict, point: int = 0) -> pa.Table:
    """:func:`series_table` as an Arrow table (what a sweep task writes), built without pandas."""
    return _exact_stats(trace, scenario.months).table(month_dates(scenario), point)


def _exact_stats(trace: dict, months: int) -> MonthlyStats:
    stats = MonthlyStats(list(trace), months, next(iter(trace.values())).shape[1], "exact")
    stats.add(trace)
    return stats


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
    trajectories: str | Sequence[str] | bool | None = None,
    quantiles: str | None = None,
    parameters: str | Path | Posterior | None = None,
) -> Results:
    """Run a scenario's ensemble and return its Results (written to ``out`` if given).

    The ensemble runs in chunks, and only each chunk's traces are held at once: the
    series are accumulated (:class:`~alliance_sim.series.MonthlyStats`), so memory does
    not grow with the traces of the whole ensemble. Dated events outside the horizon
    are reported: a ``UserWarning`` and the manifest's ``warnings`` list (see
    :func:`events_outside_horizon`).

    Parameters
    ----------
    scenario : a Scenario or a path to a scenario file.
    replications, seed, months : override the scenario's values.
    overrides : ``{dotted.path: value}`` applied to the scenario, as ``--set`` and ``run_sweep`` do.
    out : folder to write the results into: new or empty. It is locked while the run
        computes and writes (:func:`~alliance_sim.store.lock_folder`).
    chunk : replications per ensemble (default :data:`DEFAULT_CHUNK`); the output does not depend on it.
    progress : show a tqdm progress bar over replications.
    sources : the files the scenario was built from (recorded in the manifest); by
        default the ``extends`` chain when ``scenario`` is a path.
    max_memory : refuse the run if its estimated memory (:func:`estimate_memory`) is
        above this many bytes; default (None) :func:`default_max_memory`; ``math.inf``: no limit.
    trajectories : also store per-replication monthly values (float32) of these metrics
        (step metrics or ``driver_<term>``; ``True``: every step metric) in
        ``out/trajectories.parquet``; read them with :func:`~alliance_sim.trajectories.load_trajectories`.
    quantiles : ``"exact"`` or ``"binned"`` monthly quantiles; default (None) by ensemble size
        (:func:`~alliance_sim.series.quantile_method`). The manifest's ``quantiles`` says which, and how exact.
    parameters : where each replication's coefficients come from: ``"posterior"`` (a set
        drawn per replication from the default posterior file, :mod:`alliance_sim.posterior`),
        ``"defaults"`` (the point estimates), a posterior file's path or a
        :class:`~alliance_sim.posterior.Posterior`; default (None): the scenario's
        ``parameter_draws`` (itself ``"posterior"`` unless the scenario says otherwise).
        Coefficients the scenario sets explicitly, and ``overrides``, win over the draws.
        With a posterior, ``runs`` holds each replication's set index (``posterior_set``)
        and coefficients, and the manifest's ``parameter_draws`` names the file and its SHA-256.

    Raises
    ------
    ScenarioError : if the scenario or an override is invalid, the run needs more
        memory than ``max_memory``, or ``out`` is being written by another process
        (:class:`~alliance_sim.store.FolderBusy`); a missing or invalid posterior file
        (:class:`~alliance_sim.posterior.PosteriorError`).
    ValueError : an unknown trajectory metric or quantile method, a chunk below 1, or
        trajectories without ``out``.
    FileExistsError : ``out`` already holds results or other files.
    """
    if not isinstance(scenario, Scenario):
        sources = scenario_sources(scenario) if sources is None else sources
        scenario = load_scenario(scenario)
    if chunk is not None and chunk < 1:
        raise ValueError(f"chunk must be at least 1, got {chunk}")
    if quantiles not in (None, "exact", "binned"):
        raise ValueError(f"quantiles must be 'exact' or 'binned' (or None: by ensemble size), got {quantiles!r}")
    stored = choose(trajectories)
    if stored and out is None:
        raise ValueError("trajectories are written into the results folder: pass out=...")
    if overrides:
        scenario = apply_overrides(scenario, dict(overrides), origin=" (from overrides)")
    for field, value in {"replications": replications, "seed": seed, "months": months}.items():
        if value is not None:
            scenario = apply_overrides(scenario, {field: value}, origin=f" (from {field}={value!r})")
    draws = posterior.choose(parameters, scenario)
    if scenario.parameter_draws != posterior.mode_of(draws):  # the resolved scenario says what ran
        scenario = apply_overrides(scenario, {"parameter_draws": posterior.mode_of(draws)}, origin=" (parameters)")
    limit = default_max_memory() if max_memory is None else max_memory
    drawn = 0 if draws is None else len(draws.columns)
    check_memory(scenario, limit, sources[-1] if sources else None, None, chunk, quantiles, len(stored), drawn)
    notes = events_outside_horizon(scenario)
    for note in notes:
        warnings.warn(f"{scenario.name}: {note}", UserWarning, stacklevel=2)
    plan = _Plan(scenario, chunk, quantiles, stored, progress, draws)
    if out is None:
        return _run(plan, sources, notes)[0]
    with lock_folder(out) as folder:
        check_new_folder(folder)
        results, staged = _run(plan, sources, notes, folder)
        try:
            save(results, folder, resolved_scenario(scenario, draws), staged)
        finally:
            for tmp in staged.values():
                tmp.unlink(missing_ok=True)  # renamed into place unless save failed first
    return results


def resolved_scenario(scenario: Scenario, draws: Posterior | None) -> dict:
    """The ``scenario.yaml`` of a run: the resolved scenario, less the coefficients drawn from the posterior.

    Those are left at their defaults in the file, so that loading it draws them again
    (a coefficient a scenario file sets is held, not drawn) and reproduces the run, when
    it draws from the default posterior: a run with ``--parameters FILE`` is reproduced with
    the same ``--parameters FILE`` (the manifest's ``parameter_draws`` names it).
    """
    data = scenario.to_dict()
    for path in posterior.drawn_paths(draws, scenario):
        *parents, leaf = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node.pop(leaf)
    return data


@dataclass(frozen=True)
class _Plan:
    """How :func:`simulate` runs a scenario: chunk size, quantile method, trajectories, progress bar, posterior."""

    scenario: Scenario
    chunk: int | None
    quantiles: str | None
    trajectories: list[str]
    progress: bool
    draws: Posterior | None = None

    @property
    def size(self) -> int:
        return min(self.scenario.replications, self.chunk or DEFAULT_CHUNK)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Let ``gc.collect()`` skip the objects that exist now (modules, the caller's data).

    Each chunk's model is a reference cycle that only the cyclic collector frees; a
    full collection per chunk would walk the whole heap (0.1 s in a session with
    pandas and Mesa loaded), this walks what the run made since.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(
    plan: _Plan, sources: list[str] | None, notes: list[str], folder: Path | None = None
) -> tuple[Results, dict[str, Path]]:
    """Run the chunks; return the Results and the staged trajectories file (in ``folder``)."""
    started = time.perf_counter()
    scenario, total = plan.scenario, plan.scenario.replications
    method = plan.quantiles or quantile_method(total)
    stats = MonthlyStats(trace_names(), scenario.months, total, method)
    parts = []
    writer = TrajectoryWriter(folder, plan.trajectories, scenario.months) if plan.trajectories and folder else None
    with (
        writer or nullcontext(),
        tqdm(total=total, desc=scenario.name, unit="run", disable=not plan.progress) as bar,
        _frozen_heap(),
    ):
        for reps in chunks(total, plan.size):
            draws = None if plan.draws is None else plan.draws.draw([(scenario, 0, reps)])
            runs, trace = run_ensemble(scenario, 0, reps, draws=draws)
            stats.add(trace)
            if writer is not None:
                writer.add(trace)
            parts.append(runs)
            del trace
            gc.collect()  # the chunk's model is a reference cycle (Mesa model <-> agents): free it before the next
            bar.update(len(reps))
    runs = pd.concat(parts, ignore_index=True)
    del parts
    series = stats.frame(month_dates(scenario))
    wall = time.perf_counter() - started
    extra: dict = {
        "chunk": plan.size,
        "parameter_draws": posterior.describe(plan.draws, scenario),
        "quantiles": stats.describe(),
        "warnings": notes,
    }
    if writer is not None:
        extra["trajectories"] = {"file": TRAJECTORIES, "metrics": plan.trajectories, "dtype": "float32"}
    staged = {TRAJECTORIES: writer.path} if writer is not None else {}
    return Results(runs, series, manifest(scenario, wall, sources, **extra)), staged
