"""Loading a sweep file: validation with file, line and key path, and the design it builds."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .. import posterior, samplers
from ..errors import ScenarioError, SweepError
from ..posterior import Posterior
from ..run import DEFAULT_CHUNK, check_memory, default_max_memory
from ..scenario import Scenario, apply_overrides, load_scenario, parse_override
from ..schema import field_names, first_error, locate, plain_message, suggest
from ..yamlfile import read_yaml
from .design import Sweep
from .spec import MAX_POINTS, NAME_PATTERN, RESERVED, ParamSpec, Scalar, SweepDoc, SweepSpec


def is_sweep_file(path: str | Path) -> bool:
    """True if ``path`` is a YAML mapping with a top-level ``sweep`` key (read within the YAML limits)."""
    try:
        data, _ = read_yaml(Path(path))
    except ScenarioError:
        return False
    return "sweep" in data


def _explain(err: ErrorDetails) -> tuple[tuple, str]:
    loc, kind = tuple(err["loc"]), err["type"]
    if kind == "extra_forbidden":
        choices = field_names(SweepDoc, loc[:-1])
        return loc, f"unknown key {loc[-1]!r}{suggest(loc[-1], choices)}; known: {', '.join(choices)}"
    return loc, plain_message(err)


class _Where:
    """Turns a key path into ``ScenarioError(file, line, key)`` using the YAML line map."""

    def __init__(self, file: str, lines: dict):
        self.file, self.lines = file, lines

    def error(self, loc: tuple, message: str) -> SweepError:
        where = locate(self.lines, loc)
        line = where[1] if where else None
        return SweepError(message, self.file, line, ".".join(map(str, loc)) or None)


def load_sweep(
    source: str | Path | dict,
    *,
    replications: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    chunk: int | None = None,
    overrides: dict | list[str] | None = None,
    max_points: int = MAX_POINTS,
    max_memory: float | None = None,
    parameters: str | Path | Posterior | None = None,
) -> Sweep:
    """Load and validate a sweep file (or a spec mapping) and build its design.

    Parameters
    ----------
    source : a sweep YAML file, or a mapping (the body under ``sweep:``, or a
        whole document); a mapping's scenario path is relative to the current folder.
    replications, seed, chunk : override the sweep's values.
    months, overrides : applied to the base scenario before the design points
        (``overrides`` as in ``--set``: a mapping or ``PATH=VALUE`` strings).
    max_points : refuse a design of more points than this (checked before it is built).
    max_memory : refuse a chunk size whose task would need more bytes than this
        (default :func:`~alliance_sim.run.default_max_memory`).
    parameters : each replication's coefficients, as in :func:`alliance_sim.simulate`:
        ``"posterior"``, ``"defaults"``, a posterior file or None (the base scenario's
        ``parameter_draws``). Swept paths, like the scenario's own coefficients, are held.

    Raises
    ------
    ScenarioError : (a :class:`SweepError`) for any invalid input, naming file, line and key path;
        a missing or invalid posterior file (:class:`~alliance_sim.posterior.PosteriorError`).
    """
    options = {"replications": replications, "seed": seed, "chunk": chunk, "months": months}
    spec, where = _read_spec(source, {k: v for k, v in options.items() if v is not None})
    base_dir = Path.cwd() if isinstance(source, dict) else Path(source).parent
    scenario_path = base_dir / spec.scenario
    scenario = _base_scenario(where, spec, scenario_path, overrides)
    draws = posterior.choose(parameters, scenario)
    if scenario.parameter_draws != posterior.mode_of(draws):  # the resolved scenario says what ran
        scenario = apply_overrides(scenario, {"parameter_draws": posterior.mode_of(draws)}, origin=" (parameters)")
    params = [_check_param(where, spec, scenario, path, p) for path, p in spec.parameters.items()]
    _check_sampler(where, spec)
    _check_size(where, spec, params, max_points)
    design = samplers.design(
        spec.sampler,
        params,
        samples=spec.samples,
        seed=scenario.seed,
        calc_second_order=spec.calc_second_order,
        levels=spec.levels,
    )
    name = _name(where, spec, source, scenario)
    size = min(scenario.replications, DEFAULT_CHUNK) if spec.chunk is None else spec.chunk
    limit = default_max_memory() if max_memory is None else max_memory
    drawn = 0 if draws is None else len(draws.columns)
    check_memory(scenario, limit, where.file, replications=min(size, scenario.replications), drawn=drawn)
    sources = [] if isinstance(source, dict) else [str(source), str(scenario_path)]
    return Sweep(name, spec, scenario, params, design, size, sources, draws)


def _read_spec(source: str | Path | dict, updates: dict) -> tuple[SweepSpec, _Where]:
    """Validate the file's ``sweep:`` body, then the command-line options that override its keys."""
    if isinstance(source, dict):
        data = source if "sweep" in source else {"sweep": source}
        file, lines = "<sweep spec>", dict[tuple, tuple]()
    else:
        data, lines = read_yaml(Path(source))
        file = str(source)
    where = _Where(file, lines)
    try:
        spec = SweepDoc.model_validate(data).sweep
    except ValidationError as exc:
        raise where.error(*_explain(first_error(exc))) from None
    if not updates:
        return spec, where
    # Options override the file's keys and are validated like them (model_copy would not validate).
    try:
        return SweepSpec.model_validate(spec.model_dump() | updates), where
    except ValidationError as exc:
        loc, reason = _explain(first_error(exc))
        if loc and loc[0] in updates:
            raise SweepError(reason, file, None, f"--{loc[0]}") from None
        raise where.error(("sweep", *loc), reason) from None  # pragma: no cover - the file was valid


def _base_scenario(where: _Where, spec: SweepSpec, scenario_path: Path, overrides: dict | list[str] | None) -> Scenario:
    """The scenario every design point starts from: the file's overrides, then --set, months, size and seed."""
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
        return apply_overrides(scenario, fixed, scenario_path)
    except ScenarioError as exc:
        # months, replications and seed were validated above: the bad value is from the file or --set.
        reason = exc.reason.removeprefix("--set: ").removesuffix(" (from --set)")
        if exc.key in spec.overrides and exc.key not in (overrides or {}):
            raise where.error(("sweep", "overrides", exc.key), reason) from None
        raise SweepError(f"--set: {reason}", where.file, None, exc.key) from None


def _name(where: _Where, spec: SweepSpec, source: str | Path | dict, scenario: Scenario) -> str:
    """The sweep's name: ``sweep.name``, else the file name (or the scenario's, for a mapping)."""
    name = spec.name or (Path(source).stem if not isinstance(source, dict) else scenario.name)
    if not re.match(NAME_PATTERN, name):
        origin = "the scenario" if isinstance(source, dict) else "the file name"
        reason = f"the default name {name!r} (from {origin}) is not a valid name; set sweep.name"
        raise SweepError(reason, where.file, None, "sweep.name")  # no line: the key is not in the file
    return name


def _check_size(where: _Where, spec: SweepSpec, params: list[samplers.Param], limit: int) -> None:
    """Refuse a design too large to hold, before building it (a typo such as ``steps: 100000`` would)."""
    points = samplers.design_size(spec.sampler, params, spec.samples, spec.calc_second_order)
    if points > limit:
        key = ("sweep", "parameters") if spec.sampler == "grid" else ("sweep", "samples")
        raise where.error(
            key,
            f"the {spec.sampler} design would have {points:,} design points, more than the limit of {limit:,}; "
            "make it smaller, or raise the limit with --max-points (run_sweep/load_sweep: max_points=)",
        )


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
    if path == "parameter_draws":
        raise where.error(loc, "holds for the whole sweep and cannot be swept (set it in overrides, or --parameters)")
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
        checks: dict[str, Scalar | None] = {"low": p.low, "high": p.high}
    else:
        if spec.sampler != "grid":
            raise where.error(loc, f"the {spec.sampler} sampler needs a range (low/high), not a list of values")
        checks = {f"values.{i}": v for i, v in enumerate(p.values)}
    integer = isinstance(current, int) and not isinstance(current, bool)
    for key, value in checks.items():
        try:
            apply_overrides(
                scenario,
                {path: round(value) if integer and p.values is None and isinstance(value, float) else value},
                origin="",
            )
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
