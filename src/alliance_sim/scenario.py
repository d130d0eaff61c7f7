"""Scenario schema (pydantic v2) and the YAML loader.

The loader reads YAML with the safe loader only, within limits
(:func:`alliance_sim.yamlfile.read_yaml`), resolves ``extends``
chains (mappings deep-merge, lists replace, ``null`` deletes), validates once
and raises :class:`ScenarioError` naming the file, the line and the key path.
Error messages name files and keys; they never quote the content of a file other
than the one given (a parent named by ``extends`` may be any file).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import ErrorDetails

from .coefficients import Parameters
from .errors import ScenarioError
from .events import EVENT_TYPES, Event
from .initial import Actors
from .names import ACTORS, ALIASES, Month, month_label
from .schema import Strict, field_names, first_error, locate, plain_message, suggest
from .yamlfile import load_yaml_text, read_yaml


def _not_bool(value: object) -> object:
    # YAML reads `months: true` as a bool, which pydantic would take as the integer 1.
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return value


Integer = Annotated[int, BeforeValidator(_not_bool)]

#: Years a scenario may start in; the calendar (pandas dates) ends in 2262.
FIRST_YEAR, LAST_YEAR = 1900, 2200


if TYPE_CHECKING:
    EventSpec = Event
else:  # one of the registered kinds, chosen by its ``type``
    EventSpec = Annotated[Union[tuple(EVENT_TYPES.values())], Field(discriminator="type")]  # noqa: UP007


class Scenario(Strict):
    """A validated scenario: initial states, coefficients and events."""

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", description="Short name; used in the results path.")
    description: str = Field("", description="What the scenario represents, with sources.")
    extends: str | None = Field(None, description="Parent scenario file (resolved away after loading).")
    start: Month = Field(description="First simulated month, YYYY-MM.")
    months: Integer = Field(60, ge=1, le=600, description="Horizon in months.")
    replications: Integer = Field(1000, ge=1, le=10_000_000, description="Ensemble size R.")
    seed: Integer = Field(
        0, ge=0, le=2**63 - 1, description="Root seed: the key of every random number (alliance_sim.philox)."
    )
    parameter_draws: Literal["posterior", "defaults"] = Field(
        "posterior",
        description="Coefficients of each replication: 'posterior' draws a calibrated set per replication "
        "(coefficients this scenario sets are kept; alliance_sim.posterior), 'defaults' runs the point estimates. "
        "simulate --parameters overrides it.",
    )
    actors: Actors = Actors()
    parameters: Parameters = Parameters()
    events: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")], EventSpec] = Field(default_factory=dict)
    spin_up: Scenario | None = Field(
        None,
        description="A storyline of inputs run before the start (a file path relative to the scenario file, "
        "e.g. hindcast/2015_2024.yaml): each replication starts from the state it reaches, run with the "
        "replication's own coefficients (alliance_sim.spinup). It must end the month before 'start'.",
    )

    @field_validator("start")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
            raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
        return value

    @field_validator("spin_up", mode="before")
    @classmethod
    def _spin_up_loaded(cls, value: object) -> object:
        if isinstance(value, str):  # a path is replaced by the file's scenario when the file is loaded
            raise ValueError("a spin-up file is read when its scenario file is loaded; give it in a scenario file")
        return value

    @field_validator("spin_up")
    @classmethod
    def _spin_up_joins(cls, spin: Scenario | None, info: ValidationInfo) -> Scenario | None:
        start = info.data.get("start")
        if spin is None or start is None:
            return spin
        if spin.spin_up is not None:
            raise ValueError("a spin-up cannot have a spin-up of its own")
        end = month_label(spin.start, spin.months)  # the month after the spin-up's last
        if end != start:
            raise ValueError(
                f"the spin-up runs {spin.start}..{month_label(spin.start, spin.months - 1)}, so the scenario "
                f"must start {end}, not {start}"
            )
        return spin

    def to_dict(self) -> dict:
        """The resolved scenario as plain data (YAML keys, defaults included)."""
        return self.model_dump(mode="json", by_alias=True)


Scenario.model_rebuild()


def deep_merge(parent: dict, child: dict) -> dict:
    """Merge ``child`` into a copy of ``parent``: mappings merge, lists replace, ``None`` deletes."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _normalise_actors(data: dict, lines: dict, path: Path) -> None:
    """Rename actor aliases (KOR) to their codes in one file, before merging, so they merge as one actor."""
    actors = data.get("actors")
    if not isinstance(actors, dict):
        return
    for alias, code in ALIASES.items():
        if alias not in actors:
            continue
        line = lines.get(("actors", alias), (path, None))[1]
        if code in actors:
            raise ScenarioError(f"{code} and its alias {alias} are both given; keep one", path, line, f"actors.{alias}")
        data["actors"] = {code if k == alias else k: v for k, v in actors.items()}
        for key in [k for k in lines if k[:2] == ("actors", alias)]:
            lines[("actors", code, *key[2:])] = lines.pop(key)


#: File name endings a parent scenario (``extends``) may have.
YAML_SUFFIXES = (".yaml", ".yml")


def _load_spin_up(data: dict, lines: dict, sources: list[str]) -> None:
    """Replace a ``spin_up`` path by the spin-up file's data (its ``extends`` resolved), in place.

    The path is relative to the file that gives the key. A spin-up file sets no
    coefficients (each replication runs its own through the spin-up) and has no spin-up.
    """
    ref = data.get("spin_up")
    if ref is None or isinstance(ref, dict):
        return
    file, line = lines.get(("spin_up",), (Path(sources[-1]), None))
    if not isinstance(ref, str):
        raise ScenarioError("expected a scenario file path, or null for none", file, line, "spin_up")
    target = (Path(file).parent / ref).resolve()
    if target.suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError(f"the spin-up must be a .yaml or .yml file, not {ref!r}", file, line, "spin_up")
    if not target.is_file():
        raise ScenarioError(f"spin-up scenario {ref!r} not found (looked for {target})", file, line, "spin_up")
    if target in {Path(s).resolve() for s in sources}:
        raise ScenarioError("a scenario cannot spin up from itself or its parents", file, line, "spin_up")
    spin, spin_lines, _ = _resolve(target)
    for key in ("parameters", "spin_up"):
        if key in spin:
            where = spin_lines.get((key,), (target, None))
            what = (
                "each replication runs its own coefficients through the spin-up"
                if key == "parameters"
                else "a spin-up cannot have a spin-up of its own"
            )
            raise ScenarioError(f"a spin-up file sets no {key!r}: {what}", where[0], where[1], key)
    data["spin_up"] = spin
    for key, where in spin_lines.items():
        lines[("spin_up", *key)] = where
    lines[("spin_up",)] = (file, line)


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, dict, list[str]]:
    data, lines = read_yaml(path)
    _normalise_actors(data, lines, path)
    parent_ref = data.pop("extends", None)
    sources = [str(path)]
    if parent_ref is None:
        return data, lines, sources
    line = lines.get(("extends",), (path, None))[1]
    if not isinstance(parent_ref, str):
        raise ScenarioError("expected a file path", path, line, "extends")
    parent = (path.parent / parent_ref).resolve()
    if parent.suffix.lower() not in YAML_SUFFIXES:
        raise ScenarioError(
            f"the parent scenario must be a .yaml or .yml file, not {parent_ref!r}", path, line, "extends"
        )
    if parent in chain or parent == path.resolve():
        cycle = " -> ".join(p.name for p in (*chain, path.resolve(), parent))
        raise ScenarioError(f"cyclic extends: {cycle}", path, line, "extends")
    if not parent.is_file():
        raise ScenarioError(f"parent scenario {parent_ref!r} not found (looked for {parent})", path, line, "extends")
    base, base_lines, base_sources = _resolve(parent, (*chain, path.resolve()))
    return deep_merge(base, data), {**base_lines, **lines}, base_sources + sources


def _clean_loc(loc: tuple) -> tuple:
    # Discriminated unions add the tag to the location: events.<name>.<type>.<field>.
    if len(loc) > 2 and loc[0] == "events" and loc[2] in EVENT_TYPES:
        loc = loc[:2] + loc[3:]
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _event_class(node: object) -> type | None:
    return EVENT_TYPES.get(str(node.get("type"))) if isinstance(node, dict) else None


def _explain(err: ErrorDetails, data: dict, quote: bool = True) -> tuple[tuple, str]:
    loc = _clean_loc(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        if parent == ("actors",):
            return loc, f"unknown actor {key!r}{suggest(key, ACTORS)}; known: {', '.join(ACTORS)} (KOR = ROK)"
        allowed = field_names(Scenario, parent, data, pick=_event_class)
        return loc, f"unknown key {key!r}{suggest(key, allowed)}"
    if kind == "union_tag_invalid":
        tag = err["ctx"]["tag"]
        what = f"unknown event type {tag!r}{suggest(tag, EVENT_TYPES)}" if quote else "unknown event type"
        return (*loc, "type"), f"{what}; known: {', '.join(EVENT_TYPES)}"
    if kind == "union_tag_not_found":
        return loc, f"event needs a 'type'; known: {', '.join(EVENT_TYPES)}"
    if kind == "literal_error" and loc and (loc[-1] == "actor" or "parties" in loc):
        what = f"unknown actor {err.get('input')!r}" if quote else "unknown actor"
        return loc, f"{what}; expected one of {err['ctx']['expected']}"
    return loc, plain_message(err, quote)


def _validate(data: dict, lines: dict, file: Path | str, origin: str = "") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        error = first_error(exc)
        loc, msg = _explain(error, data)
        where = locate(lines, loc) or (file, None)
        if str(where[0]) != str(file):  # never quote a value from a parent file (it may be any file)
            loc, msg = _explain(error, data, quote=False)
        key = ".".join(str(p) for p in loc) or None
        raise ScenarioError(msg + origin, where[0], where[1], key) from None


#: Top-level keys that overrides (--set, sweeps) may not change.
FIXED_KEYS = {"extends": "the parent scenario is fixed by the file (a resolved scenario has none)"}


def set_path(data: dict, path: str, value: Any, file: str | Path | None = None) -> list[str]:
    """Set ``value`` at dotted ``path`` in ``data``; the path must already exist (not ``extends``).

    Returns the path's keys (an actor alias replaced by its code).
    """
    node = data
    parts = path.split(".")
    if parts[0] in FIXED_KEYS:
        raise ScenarioError(f"--set cannot change {parts[0]!r}: {FIXED_KEYS[parts[0]]}", file, None, path)
    if len(parts) > 1 and parts[0] == "actors":
        parts[1] = ALIASES.get(parts[1], parts[1])  # --set actors.KOR.approval=...
    for i, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            here = ".".join(parts[:i])
            choices = list(node) if isinstance(node, dict) else []
            raise ScenarioError(
                f"--set: no such key {part!r} under {here or 'the top level'}{suggest(part, choices)}",
                file,
                None,
                path,
            )
        if i == len(parts) - 1:
            node[part] = value
        node = node[part]
    return parts


def _give(given: dict, parts: list[str], value: Any) -> None:
    """Set ``value`` at key path ``parts`` of a scenario's explicitly given keys, adding mappings on the way."""
    node = given
    for part in parts[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[parts[-1]] = copy.deepcopy(value)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``PATH=VALUE`` (VALUE read as YAML, so numbers and booleans are typed)."""
    if "=" not in text:
        raise ScenarioError(f"--set expects PATH=VALUE, got {text!r}")
    path, raw = text.split("=", 1)
    try:
        value, _ = load_yaml_text(raw, "--set")
    except ScenarioError as exc:
        if not exc.reason.startswith("invalid YAML: "):
            raise  # beyond the limits, or a duplicate key
        value = raw  # not YAML: taken as a string
    return path.strip(), value


#: Keys of a spin-up that a run never reads, and why (an override of one is an error, not a silent no-op).
IGNORED_IN_SPIN_UP = {
    "parameters": "a spin-up runs each replication's own coefficients (set parameters.* instead)",
    "seed": "the spin-up's seed derives from the scenario's (alliance_sim.spinup.seed_of)",
    "replications": "the spin-up runs the scenario's replications",
    "parameter_draws": "the spin-up runs each replication's own coefficients (set parameter_draws instead)",
}


def apply_overrides(
    scenario: Scenario, overrides: dict[str, Any] | None, file: str | Path | None = None, origin: str = " (from --set)"
) -> Scenario:
    """Return ``scenario`` with dotted-path overrides applied and re-validated.

    ``file`` and ``origin`` only label error messages (which file, which option).
    The result remembers which keys were given (pydantic's ``model_fields_set``): the
    scenario's own and the overridden ones, so that a coefficient given explicitly still
    wins over a posterior draw (:func:`alliance_sim.posterior.pinned`).
    """
    if not overrides:
        return scenario
    for path in overrides:
        head = path.split(".")[:2]
        if head[0] == "spin_up" and len(head) == 2 and head[1] in IGNORED_IN_SPIN_UP:
            raise ScenarioError(
                f"not read by a run (from --set): {IGNORED_IN_SPIN_UP[head[1]]}",
                file or f"scenario {scenario.name!r}",
                None,
                path,
            )
    data = scenario.to_dict()  # every key: an override of a key left at its default is valid
    given = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for path, value in overrides.items():
        _give(given, set_path(data, path, value, file), value)
    return _validate(given, {}, file or f"scenario {scenario.name!r}", origin=origin)


def load_scenario(path: str | Path, overrides: dict[str, Any] | list[str] | None = None) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : the YAML file.
    overrides : dotted paths to values, or a list of ``PATH=VALUE`` strings.

    Raises
    ------
    ScenarioError : for any invalid input, naming file, line and key path.
    """
    path = Path(path)
    data, lines, sources = _resolve(path)
    _load_spin_up(data, lines, sources)
    scenario = _validate(data, lines, path)
    if isinstance(overrides, list):
        overrides = dict(parse_override(o) for o in overrides)
    return apply_overrides(scenario, overrides, path)


def scenario_sources(path: str | Path) -> list[str]:
    """The chain of files a scenario is built from, root parent first."""
    return _resolve(Path(path))[2]
