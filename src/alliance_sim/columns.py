"""Coefficient columns: every initial value and coefficient of a scenario as one numbered column.

The compiled month step reads a replication's coefficients from one float
vector (a row of the ensemble's coefficient matrix), so any coefficient or
initial value can differ from one replication to the next: a batch of design
points, or a calibration's candidate sets, runs as one ensemble. The columns
are the numeric leaves of the scenario's ``actors`` and ``parameters``
sections, in schema order, named by their dotted path
(``actors.ROK.approval``, ``parameters.cha.grievance``). A camp is stored as
+1 (conservative) or -1 (progressive), a flag as 1 or 0, an unset anchor as the
value it defaults to, an unset position as NaN (the compiled step takes its
camp's mean).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from .coefficients import Parameters
from .initial import Actors
from .schema import field_bounds

CAMP = {"conservative": 1.0, "progressive": -1.0}
#: Anchors that default to another field when unset.
ANCHORS = {"approval_anchor": "approval", "antipathy_anchor": "antipathy"}


def _leaves(model: type[BaseModel], prefix: str) -> Iterator[str]:
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            yield from _leaves(kind, f"{prefix}.{name}")
        else:
            yield f"{prefix}.{name}"


#: Every column's dotted path, in order.
COLUMNS: tuple[str, ...] = (*_leaves(Actors, "actors"), *_leaves(Parameters, "parameters"))
INDEX: dict[str, int] = {path: i for i, path in enumerate(COLUMNS)}


def col(path: str) -> int:
    """The column of ``path`` (``parameters.`` may be left out for coefficients)."""
    return INDEX[path] if path in INDEX else INDEX[f"parameters.{path}"]


#: Columns of a junior ally's initial state, relative to the ally's first column; ROK's and
#: JPN's blocks have the same layout (the partner's cooperation, then the patron's).
ALLY_FIELDS = tuple(p.split(".", 2)[2] for p in COLUMNS if p.startswith("actors.ROK."))
ALLY_COLUMNS = len(ALLY_FIELDS)
ALLY_INIT = col("actors.ROK.government")
if (
    tuple(p.split(".", 2)[2] for p in COLUMNS if p.startswith("actors.JPN."))
    != tuple(f.replace("coop.JPN", "coop.ROK") for f in ALLY_FIELDS)
    or col("actors.JPN.government") != ALLY_INIT + ALLY_COLUMNS
):  # pragma: no cover - a schema edit
    raise RuntimeError("ROK's and JPN's initial-state columns must follow each other with the same layout")


def ally_column(name: str) -> int:
    """A junior ally's column relative to its first one (``coop.partner`` for the other ally)."""
    return ALLY_FIELDS.index(name.replace("coop.partner", "coop.JPN"))


def _value(path: str, value: Any, section: Mapping) -> float:
    leaf = path.rsplit(".", 1)[1]
    if value is None and leaf in ANCHORS:
        value = section[ANCHORS[leaf]]
    if isinstance(value, str):
        return CAMP[value]
    return np.nan if value is None else float(value)


#: The last few scenarios' rows, by identity (a scenario is immutable); a small run spends
#: much of its time here otherwise.
_ROWS: dict[int, tuple[Any, np.ndarray]] = {}


def row(scenario) -> np.ndarray:
    """A scenario's coefficient vector (one value per column; do not modify it)."""
    cached = _ROWS.get(id(scenario))
    if cached is not None and cached[0] is scenario:
        return cached[1]
    if len(_ROWS) >= 16:
        _ROWS.clear()
    out = _row(scenario)
    out.flags.writeable = False
    _ROWS[id(scenario)] = (scenario, out)
    return out


def _row(scenario) -> np.ndarray:
    data = {"actors": scenario.actors.model_dump(), "parameters": scenario.parameters.model_dump()}
    out = np.empty(len(COLUMNS))
    for i, path in enumerate(COLUMNS):
        parts = path.split(".")
        node: Any = data
        for part in parts[:-1]:
            node = node[part]
        out[i] = _value(path, node[parts[-1]], node)
    return out


def _field(path: str):
    parts = path.split(".")
    model: Any = Actors if parts[0] == "actors" else Parameters
    for part in parts[1:-1]:
        model = model.model_fields[part].annotation
    return model.model_fields[parts[-1]]


def bounds(path: str) -> tuple[float, float]:
    """The valid range of a column: its schema bounds (a camp: -1..1, a flag: 0..1)."""
    lo, hi = field_bounds(_field(path))
    if lo is None or hi is None:  # Share fields carry their bounds in the annotation
        leaf = path.rsplit(".", 1)[1]
        lo, hi = (-1.0, 1.0) if leaf == "government" else (0.0, 1.0)
    return float(lo), float(hi)
