"""Validation helpers shared by the scenario and sweep schemas.

Both read YAML with a line for each key path (:mod:`alliance_sim.yamlfile`),
validate it with strict pydantic models, and turn the first pydantic error into
one message that names the file, the line and the key path, with a
did-you-mean hint for a misspelt key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails


class Strict(BaseModel):
    """A model that refuses unknown keys and is immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def field_bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """A field's schema bounds (``ge``, ``le``), None where it has none."""
    low = next((m.ge for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in field.metadata if getattr(m, "le", None) is not None), None)
    return low, high


def is_float(annotation: Any) -> bool:
    """A float annotation, or a union holding float and not bool (``float | None``)."""
    if annotation is float:
        return True
    return get_origin(annotation) is not None and float in get_args(annotation) and bool not in get_args(annotation)


def first_error(exc: ValidationError) -> ErrorDetails:
    """The error to report: an unknown key first, since a misspelt key also makes its right spelling "missing"."""
    return sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]


def suggest(word: object, choices: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" hint for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def plain_message(err: Mapping[str, Any], quote: bool = True) -> str:
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


def locate[T](lines: Mapping[tuple, T], loc: tuple) -> T | None:
    """The entry of the longest prefix of key path ``loc`` in a YAML line map (None if no prefix is there)."""
    for n in range(len(loc), 0, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def field_names(model: Any, loc: tuple, data: Any = None, pick: Callable[[Any], Any] | None = None) -> list[str]:
    """Keys valid at key path ``loc`` of ``model`` (for did-you-mean hints).

    Mappings of models (``dict[str, X]``) step into ``X``; ``pick(node)`` chooses
    the model from the data where ``X`` depends on it (a discriminated union).
    """
    node = data
    for part in loc:
        node = node.get(part, {}) if isinstance(node, dict) else {}
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = field.annotation
        elif get_origin(model) is dict:
            model = pick(node) if pick is not None else get_args(model)[1]
        else:
            return []
        if get_origin(model) in (Union, type(int | None)):
            model = next((a for a in get_args(model) if a is not type(None)), model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [f.alias or n for n, f in model.model_fields.items()]
    return []
