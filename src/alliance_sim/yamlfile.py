"""Reading YAML files safely: the safe loader, within limits, with a line for every key path.

Scenario files, sweep files and ``--set`` values are read here. The limits keep a
hostile or mistaken file from exhausting memory or time: a regular file (never a
device or FIFO) of at most :data:`MAX_YAML_BYTES`, nested at most
:data:`MAX_YAML_DEPTH` deep, with at most :data:`MAX_YAML_NODES` keys and values
once aliases are expanded (no "billion laughs"), and no key given twice. Error
messages name the file and line and never quote its content.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError


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


def read_bytes(
    path: Path,
    limit: int,
    what: str = "scenario file",
    files: str = "scenario and sweep files",
    kind: str = "YAML",
    error: type[ScenarioError] = ScenarioError,
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes (never blocks on a FIFO or a device).

    Messages call the file a ``what``, such files ``files``, their format ``kind``.

    Raises
    ------
    ScenarioError : (``error``) a missing or unreadable file, a directory, device or pipe, a file over the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise error("no such file", path) from None
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or type(exc).__name__}", path) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"is a directory, not a {what}", path)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"is not a regular file (a device, pipe or socket); give a {kind} file", path)
        if info.st_size > limit:
            raise error(f"file is {info.st_size:,} bytes; {files} are limited to {limit:,} bytes", path)
        chunks: list[bytes] = []
        while sum(map(len, chunks)) <= limit and (part := os.read(fd, min(limit + 1, 1 << 20))):
            chunks.append(part)
        raw = b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror or type(exc).__name__}", path) from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # grew while we looked
        raise error(f"file is over the limit of {limit:,} bytes", path)
    return raw


def _read_text(path: Path) -> str:
    """The text of a regular file of at most ``MAX_YAML_BYTES`` (never blocks on a FIFO or a device)."""
    raw = read_bytes(path, MAX_YAML_BYTES)
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
