"""Scenario schema (pydantic v2) and the YAML loader.

The loader reads YAML with the safe loader only (:class:`yaml.SafeLoader`, as
:func:`yaml.safe_load`), within limits (:func:`read_yaml`), resolves ``extends``
chains (mappings deep-merge, lists replace, ``null`` deletes), validates once
and raises :class:`ScenarioError` naming the file, the line and the key path.
Error messages name files and keys; they never quote the content of a file other
than the one given (a parent named by ``extends`` may be any file).
"""

from __future__ import annotations

import copy
import difflib
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator

from .coefficients import Parameters
from .errors import ScenarioError
from .events import ACTORS, ALIASES, EVENT_TYPES, Government, Month


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Annotated[float, Field(ge=0, le=1)]


def _not_bool(value: object) -> object:
    # YAML reads `months: true` as a bool, which pydantic would take as the integer 1.
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return value


Integer = Annotated[int, BeforeValidator(_not_bool)]

#: Years a scenario may start in; the calendar (pandas dates) ends in 2262.
FIRST_YEAR, LAST_YEAR = 1900, 2200


class RokCoop(Strict):
    """Initial cooperation of ROK toward its partners."""

    JPN: Share = Field(0.6, description="ROK toward JPN.")
    USA: Share = Field(0.85, description="ROK toward USA.")


class JpnCoop(Strict):
    """Initial cooperation of JPN toward its partners."""

    ROK: Share = Field(0.6, description="JPN toward ROK.")
    USA: Share = Field(0.9, description="JPN toward USA.")


class UsaCoop(Strict):
    """Initial cooperation of the USA toward its allies."""

    ROK: Share = Field(0.85, description="USA toward ROK.")
    JPN: Share = Field(0.9, description="USA toward JPN.")


class AllyInit(Strict):
    """Initial state of a junior ally (a democracy with a domestic gate)."""

    government: Government = Field(
        "conservative", description="Camp in office; conservative = +1 alignment stance, progressive = -1."
    )
    interim: bool = Field(False, description="An acting government is in office.")
    approval: Share = Field(0.4, description="Approval of the government (or support of its camp).")
    approval_anchor: Share | None = Field(
        None, description="Long-run approval the government drifts toward; default: approval."
    )
    antipathy: Share = Field(0.5, description="Share of the public unfavourable to the partner (Genron NPO polls).")
    antipathy_anchor: Share | None = Field(
        None, description="Level public antipathy decays toward; default: antipathy."
    )
    us_trust: Share = Field(0.95, description="Share of the US commitment signal the ally believes.")
    china_exposure: Share = Field(
        0.3, description="Exposure to China (trade dependence) that turns US-China tension into entrapment fear."
    )
    prk_proximity: Share = Field(0.5, description="Weight of PRK threat in perceived threat (Walt's proximity).")
    chn_proximity: Share = Field(0.5, description="Weight of CHN threat in perceived threat.")


class RokInit(AllyInit):
    coop: RokCoop = RokCoop()


class JpnInit(AllyInit):
    coop: JpnCoop = JpnCoop()


class UsaInit(Strict):
    """Initial state of the patron."""

    commitment: Share = Field(0.8, description="Baseline US commitment signal to its allies.")
    transactionalism: Share = Field(
        0.3,
        description="How far the administration bargains over costs: scales burden-sharing shocks, discounts brokerage.",
    )
    brokerage: Share = Field(0.5, description="Capacity to broker ROK-JPN cooperation when it sinks.")
    china_tension: Share = Field(0.5, description="US-China tension, the source of allies' entrapment fear.")
    coop: UsaCoop = UsaCoop()


class PrkInit(Strict):
    """Initial state of North Korea."""

    capability: Share = Field(0.35, description="Military capability (threat floor without provocations).")
    russia_backing: Share = Field(0.0, description="Russian backing (treaty, technology transfer).")


class ChnInit(Strict):
    """Initial state of China."""

    pressure: Share = Field(0.2, description="Baseline economic and political pressure on ROK.")
    maritime: Share = Field(0.3, description="Baseline maritime assertiveness (Yellow Sea, East China Sea).")


class Actors(Strict):
    """Initial states of the five actors. ``KOR`` is accepted as an alias of ``ROK``."""

    ROK: RokInit = RokInit()
    JPN: JpnInit = JpnInit(coop=JpnCoop())
    USA: UsaInit = UsaInit()
    PRK: PrkInit = PrkInit()
    CHN: ChnInit = ChnInit()

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data):
        if isinstance(data, dict):
            _check_aliases(data)
            data = {ALIASES.get(k, k): v for k, v in data.items()}
        return data


def _check_aliases(actors: dict) -> None:
    """Raise if an actor is given both by its code and by an alias (one would be dropped silently)."""
    for alias, code in ALIASES.items():
        if alias in actors and code in actors:
            raise ValueError(f"{code} and its alias {alias} are both given; keep one")


EventSpec = Annotated[Union[tuple(EVENT_TYPES.values())], Field(discriminator="type")]  # noqa: UP007


class Scenario(Strict):
    """A validated scenario: initial states, coefficients and events."""

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", description="Short name; used in the results path.")
    description: str = Field("", description="What the scenario represents, with sources.")
    extends: str | None = Field(None, description="Parent scenario file (resolved away after loading).")
    start: Month = Field(description="First simulated month, YYYY-MM.")
    months: Integer = Field(60, ge=1, le=600, description="Horizon in months.")
    replications: Integer = Field(1000, ge=1, le=10_000_000, description="Ensemble size R.")
    seed: Integer = Field(0, ge=0, le=2**63 - 1, description="Root seed of the SeedSequence.")
    actors: Actors = Actors()
    parameters: Parameters = Parameters()
    events: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")], EventSpec] = Field(default_factory=dict)

    @field_validator("start")
    @classmethod
    def _calendar(cls, value: str) -> str:
        if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
            raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}")
        return value

    def to_dict(self) -> dict:
        """The resolved scenario as plain data (YAML keys, defaults included)."""
        return self.model_dump(mode="json", by_alias=True)


# ---------------------------------------------------------------- loading


class _DuplicateKey(Exception):
    def __init__(self, path: tuple, first: int, again: int):
        self.path, self.first, self.again = path, first, again


#: Limits of :func:`read_yaml` (scenario and sweep files, ``--set`` values).
MAX_YAML_BYTES = 1_000_000
#: Deepest nesting of mappings and lists (scenarios need about 5).
MAX_YAML_DEPTH = 64
#: Most keys and values a document may hold once aliases (``*name``) are expanded.
MAX_YAML_NODES = 100_000


class _LimitError(Exception):
    def __init__(self, message: str, line: int | None):
        self.message, self.line = message, line


class _Loader(yaml.SafeLoader):
    """The safe loader, with a cap on nesting depth (the composer recurses per level)."""

    depth = 0

    def compose_node(self, parent, index):
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                line = self.peek_event().start_mark.line + 1
                raise _LimitError(f"YAML nested more than {MAX_YAML_DEPTH} levels deep", line)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _expanded_size(root) -> int:
    """Number of nodes of a composed document with every alias expanded (shared nodes counted each time)."""
    sizes: dict[int, int] = {}

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            if sizes[key] < 0:
                raise _LimitError("YAML alias refers to a node that contains it (a recursive alias)", None)
            return sizes[key]
        sizes[key] = -1
        if isinstance(node, yaml.MappingNode):
            n = 1 + sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            n = 1 + sum(size(v) for v in node.value)
        else:
            n = 1
        sizes[key] = min(n, MAX_YAML_NODES + 1)  # saturate: the counts of an alias bomb grow exponentially
        return sizes[key]

    return size(root)


def _line_map(node, prefix=(), out=None, seen=None) -> dict[tuple, int]:
    """Map each key path of a composed YAML node to its 1-based line.

    A node reached again through an alias is not walked again: its keys take the line
    of the alias (the caller looks up the nearest mapped ancestor of a key path).
    Raises ``_DuplicateKey`` for a key given twice in one mapping (YAML would keep the last silently).
    """
    out = {} if out is None else out
    seen = set() if seen is None else seen
    if id(node) in seen:
        return out
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = (*prefix, str(k.value))
            if path in out:
                raise _DuplicateKey(path, out[path], k.start_mark.line + 1)
            out[path] = k.start_mark.line + 1
            _line_map(v, path, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[(*prefix, i)] = v.start_mark.line + 1
            _line_map(v, (*prefix, i), out, seen)
    return out


def _read_text(path: Path) -> str:
    """The text of a regular file of at most ``MAX_YAML_BYTES`` (never blocks on a FIFO or a device)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError("no such file", path) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or type(exc).__name__}", path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ScenarioError("is a directory, not a scenario file", path)
        if not stat.S_ISREG(info.st_mode):
            raise ScenarioError("is not a regular file (a device, pipe or socket); give a YAML file", path)
        if info.st_size > MAX_YAML_BYTES:
            raise ScenarioError(
                f"file is {info.st_size:,} bytes; scenario and sweep files are limited to {MAX_YAML_BYTES:,} bytes",
                path,
            )
        chunks = []
        while sum(map(len, chunks)) <= MAX_YAML_BYTES and (part := os.read(fd, MAX_YAML_BYTES + 1)):
            chunks.append(part)
        raw = b"".join(chunks)
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror or type(exc).__name__}", path) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_YAML_BYTES:  # grew while we looked
        raise ScenarioError(f"file is over the limit of {MAX_YAML_BYTES:,} bytes", path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"is not UTF-8 text (undecodable byte at offset {exc.start})", path) from None


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _unquote(problem: str) -> str:
    """A parser message without the file's content it quotes (keeps token names and single characters)."""

    def keep(m: re.Match) -> str:
        inner = m.group(0)[1:-1]
        if re.fullmatch(r"<[a-z ]+>|\\?.", inner):
            return m.group(0)
        return "(...)"

    return _QUOTED.sub(keep, problem)


def load_yaml_text(text: str, source: str | Path) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML ``text`` with the safe loader within the limits; its data and key path -> line map.

    Raises
    ------
    ScenarioError : invalid YAML, too deep, too large once aliases are expanded, a
        recursive alias or a duplicate key, naming ``source`` and the line.
    """
    loader = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, {}
        if _expanded_size(node) > MAX_YAML_NODES:
            raise _LimitError(
                f"YAML holds more than {MAX_YAML_NODES:,} keys and values once aliases (*name) are expanded", None
            )
        lines = _line_map(node)
        return loader.construct_document(node), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or type(exc).__name__
        if isinstance(exc, yaml.reader.ReaderError):
            code = ord(exc.character) if isinstance(exc.character, str) else exc.character
            problem = f"a control character (#x{code:04x}) is not allowed (character {exc.position + 1})"
            mark = None
        if "python/" in str(exc):
            problem = "Python-specific YAML tags (!!python/...) are not allowed; " + problem.split(";")[0]
        raise ScenarioError(f"invalid YAML: {_unquote(problem)}", source, mark.line + 1 if mark else None) from None
    except _LimitError as exc:
        raise ScenarioError(exc.message, source, exc.line) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise ScenarioError("YAML nested too deeply", source) from None
    except _DuplicateKey as dup:
        key = ".".join(dup.path)
        raise ScenarioError(f"duplicate key (first given on line {dup.first})", source, dup.again, key) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml(path: Path) -> tuple[Any, dict]:
    """Read one YAML file safely: its data and a map of key path -> (file, line).

    Limits: a regular file (not a device or FIFO) of at most :data:`MAX_YAML_BYTES`,
    nested at most :data:`MAX_YAML_DEPTH` deep, at most :data:`MAX_YAML_NODES` keys
    and values with aliases expanded (no "billion laughs"), no duplicate keys.

    Raises
    ------
    ScenarioError : naming the file (and the line) for any of these, or if the
        top level is not a mapping.
    """
    path = Path(path)
    data, lines = load_yaml_text(_read_text(path), path)
    if data is None:
        raise ScenarioError("file is empty", path)
    if not isinstance(data, dict):
        raise ScenarioError(f"expected a mapping at the top level, got {type(data).__name__}", path, 1)
    return data, {k: (path, v) for k, v in lines.items()}


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


def _allowed_keys(loc: tuple, data: dict) -> list[str]:
    """Field names valid at ``loc`` (used for did-you-mean suggestions)."""
    model: Any = Scenario
    node: Any = data
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            node = node.get(part, {}) if isinstance(node, dict) else {}
            if field is None:
                return []
            model = field.annotation
        elif get_origin(model) is dict:
            node = node.get(part, {}) if isinstance(node, dict) else {}
            model = EVENT_TYPES.get(node.get("type")) if isinstance(node, dict) else None
        else:
            return []
        if get_origin(model) in (Union, type(int | None)):
            model = next((a for a in get_args(model) if a is not type(None)), model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []


def suggest(word: str, choices) -> str:
    """A " (did you mean 'x'?)" hint for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _clean_loc(loc: tuple) -> tuple:
    # Discriminated unions add the tag to the location: events.<name>.<type>.<field>.
    if len(loc) > 2 and loc[0] == "events" and loc[2] in EVENT_TYPES:
        loc = loc[:2] + loc[3:]
    return tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))


def _explain(err: dict, data: dict, quote: bool = True) -> tuple[tuple, str]:
    loc = _clean_loc(err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        if parent == ("actors",):
            return loc, f"unknown actor {key!r}{suggest(key, ACTORS)}; known: {', '.join(ACTORS)} (KOR = ROK)"
        allowed = _allowed_keys(parent, data)
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


def plain_message(err: dict, quote: bool = True) -> str:
    """A pydantic error as one short phrase, with the offending value where it helps.

    With ``quote=False`` the value is left out (the error is in a file the user did not name).
    """
    if err["type"] == "missing":
        return "required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    if not quote:
        return re.sub(r",? got .*$", "", msg)
    if "input" in err and not isinstance(err["input"], dict) and repr(err["input"]) not in msg:
        msg += f" (got {err['input']!r})"
    return msg


def _validate(data: dict, lines: dict, file: Path | str, origin: str = "") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        # An unknown key first: a misspelt key also makes its correct spelling "missing".
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        loc, msg = _explain(errors[0], data)
        where = (file, None)
        for n in range(len(loc), 0, -1):
            if loc[:n] in lines:
                where = lines[loc[:n]]
                break
        if str(where[0]) != str(file):  # never quote a value from a parent file (it may be any file)
            loc, msg = _explain(errors[0], data, quote=False)
        key = ".".join(str(p) for p in loc) or None
        raise ScenarioError(msg + origin, where[0], where[1], key) from None


#: Top-level keys that overrides (--set, sweeps) may not change.
FIXED_KEYS = {"extends": "the parent scenario is fixed by the file (a resolved scenario has none)"}


def set_path(data: dict, path: str, value: Any, file: str | Path | None = None) -> None:
    """Set ``value`` at dotted ``path`` in ``data``; the path must already exist (not ``extends``)."""
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


def apply_overrides(
    scenario: Scenario, overrides: dict[str, Any] | None, file: str | Path | None = None, origin: str = " (from --set)"
) -> Scenario:
    """Return ``scenario`` with dotted-path overrides applied and re-validated.

    ``file`` and ``origin`` only label error messages (which file, which option).
    """
    if not overrides:
        return scenario
    data = scenario.to_dict()
    for path, value in overrides.items():
        set_path(data, path, value, file)
    return _validate(data, {}, file or f"scenario {scenario.name!r}", origin=origin)


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
    data, lines, _ = _resolve(path)
    scenario = _validate(data, lines, path)
    if isinstance(overrides, list):
        overrides = dict(parse_override(o) for o in overrides)
    return apply_overrides(scenario, overrides, path)


def scenario_sources(path: str | Path) -> list[str]:
    """The chain of files a scenario is built from, root parent first."""
    return _resolve(Path(path))[2]
