"""Parameter sweeps: sweep files, the task plan, execution, failures and resume.

A sweep file has one top-level key, ``sweep:``::

    sweep:
      scenario: ../scenarios/base.yaml     # relative to this file
      sampler: grid                        # grid | lhs | sobol | morris
      parameters:
        actors.ROK.us_trust: [0.7, 0.8, 0.9]                 # a list of values
        events.prk_tests.rate_per_month: {low: 1, high: 6, steps: 3}
      replications: 200                    # per design point
      seed: 7                              # root seed of the runs and of the sampler
      chunk: 1000                          # replications per task (does not change results)

Replication ``r`` of design point ``p`` runs with ``SeedSequence(seed, spawn_key=(p, r))``,
so results do not depend on chunking, workers or executor. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sys
import time
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, wait
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tqdm import tqdm

from . import samplers
from .executors import Chunk, Job, PointSeries, SweepError, open_executor, run_job
from .run import DEFAULT_CHUNK, chunks, git_commit, manifest, package_version
from .scenario import (
    Scenario,
    ScenarioError,
    apply_overrides,
    load_scenario,
    parse_override,
    plain_message,
    read_yaml,
    suggest,
)
from .store import Results, check_writable, load_results, new_folder, write_json, write_parquet
from .sweepstore import (
    DESIGN,
    FAILURES,
    SWEEP_JSON,
    TaskLog,
    merge_parquet,
    remove_parts,
    runs_part,
    series_part,
    trace_part,
)

#: Scenario paths a sweep sets itself and so may not sweep.
RESERVED = ("replications", "seed", "name")

Scalar = bool | int | float | str

#: A sweep name is a folder under ``results/``: no ``..`` or hidden names (no leading dot or dash).
NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped (Ctrl-C); completed tasks are recorded in ``folder``."""

    def __init__(self, folder: Path):
        super().__init__(str(folder))
        self.folder = folder


# ------------------------------------------------------------------ schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParamSpec(_Strict):
    """One swept dotted path: a list of values, or a range with an optional distribution."""

    low: float | None = Field(None, description="Lower end of the range.")
    high: float | None = Field(None, description="Upper end of the range.")
    steps: int | None = Field(None, ge=2, description="Grid sampler: evenly spaced values from low to high.")
    values: list[Scalar] | None = Field(None, min_length=1, description="Explicit values (grid sampler).")
    distribution: Literal["uniform", "loguniform"] = Field("uniform", description="Distribution over the range.")


class SweepSpec(_Strict):
    """The body of a sweep file (under ``sweep:``)."""

    name: str | None = Field(None, pattern=NAME_PATTERN, description="Default: the file name.")
    description: str = ""
    scenario: str = Field(description="Scenario file, relative to the sweep file.")
    sampler: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    parameters: dict[str, ParamSpec] = Field(min_length=1, description="Dotted path -> values or range.")
    samples: int | None = Field(None, ge=1, description="N: LHS points, Sobol base samples, Morris trajectories.")
    replications: int | None = Field(None, ge=1, le=10_000_000, description="Per design point; default: scenario's.")
    months: int | None = Field(None, ge=1, le=600, description="Horizon; default: the scenario's.")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="Root seed; default: the scenario's.")
    chunk: int | None = Field(None, ge=1, description="Replications per task; does not change results.")
    calc_second_order: bool = Field(True, description="Sobol: design for second-order indices too.")
    levels: int = Field(4, ge=2, description="Morris: number of grid levels.")
    overrides: dict[str, Any] = Field(default_factory=dict, description="Fixed dotted-path values for every point.")

    @field_validator("parameters", mode="before")
    @classmethod
    def _lists_are_values(cls, value):
        # The manifest's form, a list of {path, low, high, ...}, is accepted too.
        if isinstance(value, list) and all(isinstance(v, dict) and "path" in v for v in value):
            value = {v["path"]: {k: x for k, x in v.items() if k != "path"} for v in value}
        if isinstance(value, dict):
            return {k: {"values": v} if isinstance(v, list) else v for k, v in value.items()}
        return value


class SweepDoc(_Strict):
    sweep: SweepSpec


# ------------------------------------------------------------------ loading


@dataclass
class Sweep:
    """A validated sweep: base scenario, parameters, design table and chunking.

    ``scenario`` is the base scenario with the sweep's fixed overrides, seed and
    replications applied; design point ``p`` runs it with the values of row
    ``p`` of ``design``.
    """

    name: str
    spec: SweepSpec
    scenario: Scenario
    params: list[samplers.Param]
    design: pd.DataFrame
    chunk: int
    sources: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        return len(self.design)

    @property
    def replications(self) -> int:
        return self.scenario.replications

    @property
    def runs(self) -> int:
        return self.points * self.replications

    def design_info(self) -> dict:
        """The ``design`` entry of the manifest: enough to rebuild the SALib problem."""
        info = {
            "sampler": self.spec.sampler,
            "seed": self.scenario.seed,
            "samples": self.spec.samples,
            "parameters": [p.describe() for p in self.params],
            "problem": samplers.problem(self.params),
            "points": self.points,
            "replications": self.replications,
            "table": DESIGN,
        }
        if self.spec.sampler == "sobol":
            info["calc_second_order"] = self.spec.calc_second_order
        if self.spec.sampler == "morris":
            info["levels"] = self.spec.levels
        return info

    def fingerprint(self) -> str:
        """Hash of everything that decides the results and the task ids (not workers or executor)."""
        key = {"scenario": self.scenario.to_dict(), "design": self.design_info(), "chunk": self.chunk}
        return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()

    def point_values(self) -> list[dict]:
        """Per design point, the dotted-path overrides (plain Python scalars)."""
        paths = [p.path for p in self.params]
        return [dict(zip(paths, map(_plain, row), strict=True)) for row in self.design[paths].itertuples(index=False)]

    def tasks(self) -> tuple[list[Chunk], dict[int, PointSeries]]:
        """Run tasks in point order, and the series tasks of points split over several chunks."""
        parts = chunks(self.replications, self.chunk)
        runs = [Chunk(p, r.start, r.stop, len(parts) == 1) for p in range(self.points) for r in parts]
        finals = (
            {} if len(parts) == 1 else {p: PointSeries(p, tuple(r.start for r in parts)) for p in range(self.points)}
        )
        return runs, finals


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def is_sweep_file(path: str | Path) -> bool:
    """True if ``path`` is a YAML mapping with a top-level ``sweep`` key."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(data, dict) and "sweep" in data


def _allowed(loc: tuple) -> list[str]:
    model: Any = SweepDoc
    for part in loc:
        if model is SweepDoc and part == "sweep":
            model = SweepSpec
        elif model is SweepSpec and part == "parameters":
            model = "parameters"
        elif model == "parameters":
            model = ParamSpec
        else:
            return []
    return list(model.model_fields) if isinstance(model, type) else []


def _explain(err: dict) -> tuple[tuple, str]:
    loc, kind = tuple(err["loc"]), err["type"]
    if kind == "extra_forbidden":
        choices = _allowed(loc[:-1])
        return loc, f"unknown key {loc[-1]!r}{suggest(loc[-1], choices)}; known: {', '.join(choices)}"
    return loc, plain_message(err)


class _Where:
    """Turns a key path into ``ScenarioError(file, line, key)`` using the YAML line map."""

    def __init__(self, file: str, lines: dict):
        self.file, self.lines = file, lines

    def error(self, loc: tuple, message: str) -> SweepError:
        line = None
        for n in range(len(loc), 0, -1):
            if loc[:n] in self.lines:
                line = self.lines[loc[:n]][1]
                break
        return SweepError(message, self.file, line, ".".join(map(str, loc)) or None)


def load_sweep(
    source: str | Path | dict,
    *,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    chunk: int | None = None,
    overrides: dict | list[str] | None = None,
) -> Sweep:
    """Load and validate a sweep file (or a spec mapping) and build its design.

    Parameters
    ----------
    source : a sweep YAML file, or a mapping (the body under ``sweep:``, or a
        whole document); a mapping's scenario path is relative to the current folder.
    replications, seed, chunk : override the sweep's values.
    months, overrides : applied to the base scenario before the design points
        (``overrides`` as in ``--set``: a mapping or ``PATH=VALUE`` strings).

    Raises
    ------
    ScenarioError : (a :class:`SweepError`) for any invalid input, naming file, line and key path.
    """
    if isinstance(source, dict):
        data = source if "sweep" in source else {"sweep": source}
        file, base_dir, lines = "<sweep spec>", Path.cwd(), {}
    else:
        path = Path(source)
        data, lines = read_yaml(path)
        file, base_dir = str(path), path.parent
    where = _Where(file, lines)
    try:
        spec = SweepDoc.model_validate(data).sweep
    except ValidationError as exc:
        raise where.error(*_explain(exc.errors()[0])) from None
    # Options override the file's keys and are validated like them (model_copy would not validate).
    options = {"replications": replications, "seed": seed, "chunk": chunk, "months": months}
    updates = {k: v for k, v in options.items() if v is not None}
    if updates:
        try:
            spec = SweepSpec.model_validate(spec.model_dump() | updates)
        except ValidationError as exc:
            loc, reason = _explain(exc.errors()[0])
            if loc and loc[0] in updates:
                raise SweepError(reason, file, None, f"--{loc[0]}") from None
            raise where.error(("sweep", *loc), reason) from None  # pragma: no cover - the file was valid

    scenario_path = base_dir / spec.scenario
    if not scenario_path.is_file():
        raise where.error(("sweep", "scenario"), f"scenario file not found: {scenario_path}")
    scenario = load_scenario(scenario_path)
    fixed = dict(spec.overrides)
    if isinstance(overrides, list):
        overrides = dict(parse_override(o) for o in overrides)
    fixed.update(overrides or {})
    if spec.months is not None:
        fixed["months"] = spec.months
    fixed["replications"] = scenario.replications if spec.replications is None else spec.replications
    fixed["seed"] = scenario.seed if spec.seed is None else spec.seed
    try:
        scenario = apply_overrides(scenario, fixed, scenario_path)
    except ScenarioError as exc:
        # months, replications and seed were validated above: the bad value is from the file or --set.
        reason = exc.reason.removeprefix("--set: ").removesuffix(" (from --set)")
        if exc.key in spec.overrides and exc.key not in (overrides or {}):
            raise where.error(("sweep", "overrides", exc.key), reason) from None
        raise SweepError(f"--set: {reason}", file, None, exc.key) from None

    params = [_check_param(where, spec, scenario, path, p) for path, p in spec.parameters.items()]
    _check_sampler(where, spec)
    design = samplers.design(
        spec.sampler,
        params,
        samples=spec.samples,
        seed=scenario.seed,
        calc_second_order=spec.calc_second_order,
        levels=spec.levels,
    )
    name = spec.name or (Path(source).stem if not isinstance(source, dict) else scenario.name)
    if not re.match(NAME_PATTERN, name):
        origin = "the scenario" if isinstance(source, dict) else "the file name"
        reason = f"the default name {name!r} (from {origin}) is not a valid name; set sweep.name"
        raise SweepError(reason, file, None, "sweep.name")  # no line: the key is not in the file
    size = min(scenario.replications, DEFAULT_CHUNK) if spec.chunk is None else spec.chunk
    sources = [] if isinstance(source, dict) else [str(source), str(scenario_path)]
    return Sweep(name, spec, scenario, params, design, size, sources)


def _lookup(data: dict, path: str):
    node = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            choices = list(node) if isinstance(node, dict) else []
            under = ".".join(parts[:i]) or "the top level"
            raise KeyError(f"unknown parameter path: no key {part!r} under {under}{suggest(part, choices)}")
        node = node[part]
    return node


def _check_param(where: _Where, spec: SweepSpec, scenario: Scenario, path: str, p: ParamSpec) -> samplers.Param:
    loc = ("sweep", "parameters", path)
    if path in RESERVED:
        raise where.error(loc, f"{path!r} is set by the sweep itself and cannot be swept")
    try:
        current = _lookup(scenario.to_dict(), path)
    except KeyError as exc:
        raise where.error(loc, exc.args[0]) from None
    if isinstance(current, dict | list):
        raise where.error(loc, "this path holds a mapping; give the dotted path of a single value")
    ranged = p.low is not None or p.high is not None
    if p.values is not None and (ranged or p.steps is not None):
        raise where.error(loc, "give either values or a range (low/high), not both")
    if p.values is None:
        if p.low is None or p.high is None:
            raise where.error(loc, "a range needs both low and high (or give a list of values)")
        if not p.low < p.high:
            raise where.error((*loc, "high"), f"high must be greater than low (got low={p.low}, high={p.high})")
        if p.distribution == "loguniform" and p.low <= 0:
            raise where.error((*loc, "low"), f"a loguniform range needs low > 0 (got {p.low})")
        if spec.sampler == "grid" and p.steps is None:
            raise where.error(loc, "the grid sampler needs steps for a range (or a list of values)")
        if spec.sampler != "grid" and p.steps is not None:
            raise where.error((*loc, "steps"), f"steps applies to the grid sampler only, not {spec.sampler}")
        checks = {"low": p.low, "high": p.high}
    else:
        if spec.sampler != "grid":
            raise where.error(loc, f"the {spec.sampler} sampler needs a range (low/high), not a list of values")
        checks = {f"values.{i}": v for i, v in enumerate(p.values)}
    integer = isinstance(current, int) and not isinstance(current, bool)
    for key, value in checks.items():
        try:
            apply_overrides(scenario, {path: round(value) if integer and p.values is None else value})
        except ScenarioError as exc:
            raise where.error((*loc, *key.split(".")), f"{value!r} is not valid for {path}: {exc.reason}") from None
    values = tuple(p.values) if p.values is not None else None
    return samplers.Param(path, p.low, p.high, p.steps, values, p.distribution, integer)


def _check_sampler(where: _Where, spec: SweepSpec) -> None:
    if spec.sampler == "grid":
        if spec.samples is not None:
            raise where.error(("sweep", "samples"), "samples applies to lhs, sobol and morris; a grid has no samples")
        return
    if spec.samples is None:
        raise where.error(("sweep", "sampler"), f"the {spec.sampler} sampler needs samples (N)")
    if spec.sampler == "sobol" and spec.samples & (spec.samples - 1):
        n = spec.samples
        raise where.error(
            ("sweep", "samples"),
            f"Sobol' sequences need a power of 2 (got {n}; try {1 << (n.bit_length() - 1)} or {1 << n.bit_length()})",
        )


# ------------------------------------------------------------------ execution


@dataclass
class Outcome:
    """What an execution of a sweep did."""

    folder: Path
    complete: bool
    failures: list[dict]
    points_done: int
    rows: int
    wall: float
    executor: str = ""
    skipped: int = 0


def _prepare(sweep: Sweep, folder: Path, resume: bool) -> pd.DataFrame:
    """Create the folder (or check the one being resumed); return the design table to use."""
    state = folder / SWEEP_JSON
    if resume and not folder.exists():
        raise SweepError(f"cannot resume: {folder} does not exist (to start a new sweep there, use --out {folder})")
    if resume and state.exists():
        stored = json.loads(state.read_text(encoding="utf-8"))
        _check_code(folder, stored)
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


def _check_code(folder: Path, stored: dict) -> None:
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


def _count_execution(folder: Path) -> int:
    """Number this execution of the sweep in ``folder`` (1, then one more per resume) and record it in sweep.json."""
    state = folder / SWEEP_JSON
    info = json.loads(state.read_text(encoding="utf-8"))
    info["executions"] = info.get("executions", 0) + 1
    write_json(info, state)
    return info["executions"]


def _failure(sweep: Sweep, task, values: dict, tb: str, error: str | None = None) -> dict:
    start = task.start if isinstance(task, Chunk) else 0
    stop = task.stop if isinstance(task, Chunk) else sweep.replications
    lines = tb.strip().splitlines()
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "task": task.id,
        "point": task.point,
        "replications": [start, stop],
        "seed": sweep.scenario.seed,
        "spawn_keys": f"({task.point},{start})..({task.point},{stop - 1})",
        "parameters": values,
        "error": error or (lines[-1] if lines else ""),
        "traceback": tb,
    }


def execute(
    sweep: Sweep,
    folder: str | Path,
    *,
    workers: int | None = None,
    executor=None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = False,
    max_in_flight: int | None = None,
) -> Outcome:
    """Run (or resume) ``sweep`` into ``folder``; return what happened.

    At most ``max_in_flight`` tasks (default twice the workers) are submitted at
    once. Completed task ids are appended to ``tasks.log``; failed tasks go to
    ``failures.jsonl`` and the rest continue. On completion the parts are merged
    into ``runs.parquet`` and ``series.parquet`` and ``manifest.json`` is written.

    Raises
    ------
    SweepInterrupted : on Ctrl-C, after the running tasks finished and were recorded.
    """
    given = Path(folder)
    # Workers get this path: on a cluster their working folder is not ours, so it must be absolute.
    folder = given.absolute()
    started = time.perf_counter()
    design = _prepare(sweep, folder, resume)
    if resume and (folder / "manifest.json").exists():
        done_manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if done_manifest.get("complete"):
            remove_parts(folder)
            return Outcome(given, True, [], done_manifest["points"], done_manifest["runs"], 0.0, "", sweep.points)
    execution = _count_execution(folder)
    sweep.design = design
    values = sweep.point_values()
    runs, finals = sweep.tasks()
    log = TaskLog(folder)
    (folder / FAILURES).touch()  # appended to: the failures of earlier executions are kept

    def finished(task) -> bool:
        if task.id not in log.done:
            return False
        if isinstance(task, Chunk) and not task.whole and finished(finals[task.point]):
            return runs_part(folder, task.point, task.start).exists()  # its traces were used and removed
        return all(p.exists() for p in task.outputs(folder))

    pending = deque(t for t in runs if not finished(t))
    left = {p: 0 for p in finals}
    for t in pending:
        if t.point in left:
            left[t.point] += 1
    ready = deque(f for p, f in finals.items() if left[p] == 0 and not finished(f))
    total = len(runs) + len(finals)
    skipped = total - len(pending) - len(ready) - sum(1 for p, f in finals.items() if left[p] > 0)
    failures: list[dict] = []
    broken = ""  # once the executor is broken: the formatted exception that said so
    done_runs = 0

    # Nothing left to run (say, killed while merging): no pool to start.
    opened = open_executor(executor, workers, scheduler) if pending or ready else nullcontext((None, 1, "nothing"))
    with opened as (pool, n, described):
        limit = max_in_flight or 2 * n
        in_flight: dict = {}
        bar = tqdm(total=total, initial=skipped, unit="task", desc=sweep.name, disable=not progress, file=sys.stderr)
        clock = time.perf_counter()

        def fail(task, tb: str, error: str | None = None) -> None:
            failures.append({"execution": execution, **_failure(sweep, task, values[task.point], tb, error)})
            with open(folder / FAILURES, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(failures[-1]) + "\n")

        def record(fut, task) -> None:
            nonlocal broken, done_runs
            try:
                _, tb = fut.result()
            except BrokenExecutor as exc:
                broken = tb = "".join(traceback.format_exception(exc))
            except Exception as exc:  # a lost worker, a cancelled future, a scheduler error
                tb = "".join(traceback.format_exception(exc))
            bar.update()
            if tb is not None:
                fail(task, tb)
                return
            log.add(task.id)
            if isinstance(task, Chunk):
                done_runs += task.runs
                bar.set_postfix_str(f"{done_runs / (time.perf_counter() - clock):,.0f} runs/s", refresh=False)
                if task.point in left:
                    left[task.point] -= 1
                    if left[task.point] == 0:
                        ready.append(finals[task.point])
            else:
                for start in task.starts:
                    trace_part(folder, task.point, start).unlink(missing_ok=True)

        try:
            while (pending or ready or in_flight) and not broken:
                while len(in_flight) < limit and (ready or pending) and not broken:
                    task = ready.popleft() if ready else pending.popleft()
                    job = Job(str(folder), sweep.scenario, values[task.point], task)
                    try:
                        in_flight[pool.submit(run_job, job)] = task
                    except BrokenExecutor as exc:
                        broken = "".join(traceback.format_exception(exc))
                        pending.appendleft(task)
                if not in_flight:
                    break
                completed, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for fut in [f for f in in_flight if f in completed]:  # submission order, not set order
                    record(fut, in_flight.pop(fut))
            # A broken pool fails whatever it was running, and runs nothing more.
            for fut in list(in_flight):
                record(fut, in_flight.pop(fut))
            for task in (*ready, *pending):
                fail(task, broken, "not run: executor broken")
        except KeyboardInterrupt:
            for fut in in_flight:
                fut.cancel()
            running = {f: t for f, t in in_flight.items() if not f.cancelled()}
            if running:
                print(f"\nstopping: waiting for {len(running)} running task(s)", file=sys.stderr)
            try:
                for fut in wait(running).done:
                    record(fut, running[fut])
            finally:
                bar.close()
                log.close()
            raise SweepInterrupted(given) from None
        bar.close()
    log.close()

    complete_points = _complete_points(sweep, runs, finals, log.done)
    starts = {p: [] for p in complete_points}
    for t in runs:
        if t.point in starts:
            starts[t.point].append(t.start)
    rows = merge_parquet(
        ([runs_part(folder, p, start) for start in starts[p]] for p in complete_points),
        folder / "runs.parquet",
    )
    merge_parquet(([series_part(folder, p)] for p in complete_points), folder / "series.parquet")
    complete = len(complete_points) == sweep.points
    wall = time.perf_counter() - started
    extra = {
        "kind": "sweep",
        "name": sweep.name,
        "design": sweep.design_info(),
        "sweep": sweep.spec.model_dump(mode="json"),
        "points": len(complete_points),
        "runs": rows,
        "chunk": sweep.chunk,
        "tasks": total,
        "executor": described,
        "resumed": resume,
        "complete": complete,
        "execution": execution,
        "failures": [{k: v for k, v in f.items() if k != "traceback"} for f in failures],
    }
    write_json(manifest(sweep.scenario, wall, sweep.sources, **extra), folder / "manifest.json")
    if complete:
        remove_parts(folder)
    return Outcome(given, complete, failures, len(complete_points), rows, wall, described, skipped)


def _complete_points(sweep: Sweep, runs: list[Chunk], finals: dict, done: set[str]) -> list[int]:
    ok = [True] * sweep.points
    for t in runs:
        if t.id not in done:
            ok[t.point] = False
    for p, f in finals.items():
        if f.id not in done:
            ok[p] = False
    return [p for p in range(sweep.points) if ok[p]]


def run_sweep(
    sweep_file_or_spec: str | Path | dict | Sweep,
    workers: int | None = None,
    executor=None,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    progress: bool = False,
    *,
    scheduler: str | None = None,
    chunk: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    overrides: dict | list[str] | None = None,
    max_in_flight: int | None = None,
) -> Results:
    """Run a sweep and return its Results (``runs``, ``series`` and ``manifest``).

    Parameters
    ----------
    sweep_file_or_spec : a sweep YAML file, a spec mapping or a loaded :class:`Sweep`.
    workers : parallel workers (default: the core count; 1 runs in this process).
    executor : ``"process"`` (default), ``"dask"`` or any ``concurrent.futures.Executor``.
    out : new results folder (default ``results/<name>/<timestamp>-<id>``).
    resume : an interrupted sweep's folder; completed tasks are skipped.
    progress : show a tqdm bar (tasks, runs/s, ETA).
    scheduler : Dask scheduler address (``executor="dask"``; default: a LocalCluster).
    chunk, replications, seed, months, overrides : as in :func:`load_sweep`.

    If some tasks failed, the returned results hold the completed design points and
    ``manifest["complete"]`` is False, with the failures in ``manifest["failures"]``.

    Raises
    ------
    ScenarioError : invalid sweep file or folder.
    SweepInterrupted : on Ctrl-C (a KeyboardInterrupt); resume with ``resume=folder``.
    """
    sweep = (
        sweep_file_or_spec
        if isinstance(sweep_file_or_spec, Sweep)
        else load_sweep(
            sweep_file_or_spec, replications=replications, seed=seed, months=months, chunk=chunk, overrides=overrides
        )
    )
    folder = Path(resume or out or new_folder("results", sweep.name))
    outcome = execute(
        sweep,
        folder,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        resume=resume is not None,
        progress=progress,
        max_in_flight=max_in_flight,
    )
    return load_results(outcome.folder)


# ------------------------------------------------------------------ command line


def _resume_command(args) -> str:
    cmd = ["simulate", str(args.file)]
    for flag, value in (
        ("--replications", args.replications),
        ("--seed", args.seed),
        ("--months", args.months),
        ("--chunk", args.chunk),
        ("--workers", args.workers),
        ("--scheduler", args.scheduler),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    if args.executor not in (None, "process"):
        cmd += ["--executor", args.executor]
    for o in args.overrides:
        cmd += ["--set", o]
    return shlex.join(cmd)


def main(args) -> int:
    """``simulate SWEEP.yaml``: run a sweep from parsed command-line arguments; return the exit status.

    Exit status: 0 complete, 2 invalid input, 3 not complete (tasks failed or were not run), 130 interrupted.
    """
    folder = None
    try:
        sweep = load_sweep(
            args.file,
            replications=args.replications,
            seed=args.seed,
            months=args.months,
            chunk=args.chunk,
            overrides=args.overrides,
        )
        if args.resume and args.out and Path(args.resume) != Path(args.out):
            raise SweepError("give either --out or --resume, not two different folders")
        folder = Path(args.resume or args.out or new_folder("results", sweep.name))
        if not args.quiet:
            print(
                f"{sweep.name}: {sweep.points} design points ({sweep.spec.sampler}) x {sweep.replications} "
                f"replications = {sweep.runs:,} runs of {sweep.scenario.months} months -> {folder}",
                file=sys.stderr,
            )
        outcome = execute(
            sweep,
            folder,
            workers=args.workers,
            executor=args.executor,
            scheduler=args.scheduler,
            resume=args.resume is not None,
            progress=not args.quiet,
        )
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileExistsError, NotADirectoryError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a SweepInterrupted, or Ctrl-C while the pool was starting
        if folder is None or not (folder / SWEEP_JSON).exists():
            print("interrupted before the sweep started; nothing to resume", file=sys.stderr)
            return 130
        print("interrupted; completed tasks are saved. Resume with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(folder))}", file=sys.stderr)
        return 130
    if not outcome.complete:
        unrun = sum(f["error"].startswith("not run") for f in outcome.failures)
        what = f"{len(outcome.failures) - unrun} task(s) failed" + (f", {unrun} not run" if unrun else "")
        print(f"{what}; {outcome.points_done} of {sweep.points} design points complete:", file=sys.stderr)
        for f in outcome.failures[:20]:
            print(f"  {f['task']} (point {f['point']}, spawn keys {f['spawn_keys']}): {f['error']}", file=sys.stderr)
        if len(outcome.failures) > 20:
            print(f"  ... and {len(outcome.failures) - 20} more", file=sys.stderr)
        print(f"tracebacks in {outcome.folder / FAILURES}; after a fix, rerun the failed tasks with:", file=sys.stderr)
        print(f"  {_resume_command(args)} --resume {shlex.quote(str(outcome.folder))}", file=sys.stderr)
        print(f"partial results written to {outcome.folder}")
        return 3
    if not outcome.executor:
        print("sweep already complete; nothing to run")
    elif not args.quiet:
        print(f"{outcome.rows:,} runs in {outcome.wall:.1f} s on {outcome.executor}")
    print(f"results written to {outcome.folder}")
    return 0
