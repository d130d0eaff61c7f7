"""Calibrated uncertainty: each replication runs one coefficient set drawn from the posterior.

The posterior is a CSV file, by default ``data/posterior/v1.csv`` (with its metadata,
``v1.json``, next to it; made by ``python scripts/calibrate.py``): a header of dotted
coefficient paths (``parameters.<group>.<name>``, columns of
:data:`alliance_sim.columns.INDEX`) and one row per accepted coefficient set.

Replication ``r`` under seed ``s`` runs set ``k = floor(u * n_sets)``, where
``u`` is the first Philox uniform at ``(s, point 0, r, month 0, stream
"posterior")`` (:mod:`alliance_sim.philox`): a replication's set depends on its
seed and index alone, never on the chunk, worker or executor that runs it. Two
scenarios with the same seed draw the same sets, and so do all the design points
of a sweep: common random numbers extend to the coefficients, so that a sweep
compares its points on the same coefficient sets (and the same spin-up starts,
:mod:`alliance_sim.spinup`).

Precedence, per coefficient: a value the scenario gives explicitly (in its YAML,
through ``extends`` too), a ``--set`` override or a swept path wins over the
posterior's column; every other column of the posterior replaces the point
estimate; coefficients the posterior does not hold stay at the scenario's values.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from .columns import INDEX, bounds, row
from .errors import ScenarioError
from .philox import uniforms
from .scenario import Scenario
from .schema import suggest
from .yamlfile import read_bytes

#: The posterior the ``posterior`` mode reads unless told otherwise: ``data/posterior/v1.csv`` of the
#: source tree (an editable install or a clone; ``src/alliance_sim/`` is two levels below it).
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "posterior" / "v1.csv"
#: Environment variable naming another default posterior file (the test suite points it at its own).
ENV = "ALLIANCE_SIM_POSTERIOR"
#: The Philox stream of the set index (month 0, first uniform).
STREAM = "posterior"
#: The runs-table column holding each replication's set index (row of the file, 0-based).
SET_COLUMN = "posterior_set"
#: Values of the scenario key ``parameter_draws`` (and of ``--parameters`` besides a file path).
MODES = ("posterior", "defaults")
#: Largest posterior file read (a million sets of a dozen coefficients fit).
MAX_BYTES = 256 * 2**20


class PosteriorError(ScenarioError):
    """The posterior file is missing, unreadable or invalid; the message names the file (and line, column)."""


def default_file() -> Path:
    """The default posterior file: ``$ALLIANCE_SIM_POSTERIOR`` if set, else :data:`DEFAULT_FILE`."""
    chosen = os.environ.get(ENV)
    return Path(chosen) if chosen else DEFAULT_FILE


def _header(names: list[str], path: Path) -> tuple[str, ...]:
    columns = tuple(n.strip() for n in names)
    if not any(columns):
        raise PosteriorError("the posterior file has no header of coefficient paths", path, 1)
    known = [c for c in INDEX if c.startswith("parameters.")]
    for i, name in enumerate(columns):
        if name not in INDEX or not name.startswith("parameters."):
            raise PosteriorError(
                f"unknown coefficient column{suggest(name, known)}", path, 1, name or f"column {i + 1}"
            )
        if name.startswith("parameters.thresholds."):
            raise PosteriorError(
                "a metric threshold, not a model coefficient: the run summaries read it from the scenario",
                path,
                1,
                name,
            )
        if name in columns[:i]:
            raise PosteriorError("column given twice", path, 1, name)
    return columns


def _parse(raw: bytes, path: Path) -> tuple[tuple[str, ...], np.ndarray]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PosteriorError(f"is not UTF-8 text (undecodable byte at offset {exc.start})", path) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _header(next(reader, []), path)
        limits = [bounds(c) for c in columns]
        rows: list[list[float]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # a blank line
            line = reader.line_num
            if len(cells) != len(columns):
                raise PosteriorError(f"{len(cells)} values, expected {len(columns)} (one per column)", path, line)
            values = []
            for name, cell, (lo, hi) in zip(columns, cells, limits, strict=True):
                try:
                    v = float(cell)
                except ValueError:
                    raise PosteriorError(f"not a number: {cell.strip()[:40]!r}", path, line, name) from None
                if not (math.isfinite(v) and lo <= v <= hi):
                    raise PosteriorError(f"{v!r} is outside the coefficient's range [{lo}, {hi}]", path, line, name)
                values.append(v)
            rows.append(values)
    except csv.Error as exc:
        raise PosteriorError(f"not a valid CSV file: {exc}", path, reader.line_num) from None
    if not rows:
        raise PosteriorError("the posterior file holds no coefficient sets (only a header)", path)
    table = np.array(rows, dtype=np.float64)
    table.flags.writeable = False
    return columns, table


def set_indices(seed: int, replications, sets: int) -> np.ndarray:
    """The set index of each replication: ``floor(u * sets)``, ``u`` the uniform at (seed, 0, r, 0, "posterior")."""
    u = uniforms(seed, 0, replications, 1, STREAM)[0, 0]
    return np.minimum((u * sets).astype(np.int64), sets - 1)  # u < 1, but u * sets may round up to sets


def pinned(scenario: Scenario) -> list[str]:
    """The coefficient paths the scenario sets explicitly (YAML, ``extends``, ``--set``, a sweep): they win over draws."""
    out: list[str] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name in type(model).model_fields:  # schema order
            if name not in model.model_fields_set:
                continue
            value = getattr(model, name)
            if isinstance(value, BaseModel):
                walk(value, f"{prefix}.{name}")
            else:
                out.append(f"{prefix}.{name}")

    walk(scenario.parameters, "parameters")
    return out


@dataclass(frozen=True)
class Draws:
    """The coefficient sets of an ensemble's replications.

    Attributes
    ----------
    sets : (R,) each replication's set index (a row of the posterior file, 0-based).
    values : ``{path: (R,) values}`` per posterior column: the value each replication runs with
        (the drawn one, or the scenario's where it sets the coefficient).
    """

    sets: np.ndarray
    values: dict[str, np.ndarray]

    def columns(self) -> dict[str, np.ndarray]:
        """The runs-table columns: :data:`SET_COLUMN`, then one per posterior coefficient."""
        return {SET_COLUMN: self.sets, **self.values}

    def __len__(self) -> int:
        return len(self.sets)


@dataclass(frozen=True, eq=False)
class Posterior:
    """A posterior: coefficient sets (rows) over coefficient paths (columns), and where they came from.

    Pickled by path and SHA-256 (workers read the file again, and refuse a changed one).
    """

    path: Path
    sha256: str
    columns: tuple[str, ...]
    table: np.ndarray = field(repr=False)

    @property
    def sets(self) -> int:
        return len(self.table)

    def __reduce__(self):
        return load, (str(self.path), self.sha256)

    def draw(self, parts: Sequence[tuple[Scenario, int, Sequence[int] | np.ndarray | range]]) -> Draws:
        """The sets of the replications of ``parts`` [(scenario, point, replication indices)], in that order.

        Pass ``draws.values`` to :func:`alliance_sim.ensemble.build` (``coefficients=``) or to
        :class:`~alliance_sim.model.AllianceModel`.
        """
        sets: list[np.ndarray] = []
        values: dict[str, list[np.ndarray]] = {c: [] for c in self.columns}
        for scenario, _point, replications in parts:  # the same sets at every design point
            reps = np.asarray(replications, dtype=np.int64).reshape(-1)
            k = set_indices(scenario.seed, reps, self.sets)
            held, base = set(pinned(scenario)), row(scenario)
            for j, path in enumerate(self.columns):
                values[path].append(np.full(len(reps), base[INDEX[path]]) if path in held else self.table[k, j])
            sets.append(k)
        return Draws(np.concatenate(sets), {c: np.concatenate(v) for c, v in values.items()})

    def metadata(self) -> Path | None:
        """The metadata file next to the CSV (``v1.json`` for ``v1.csv``), if there is one."""
        meta = self.path.with_suffix(".json")
        return meta if meta.is_file() else None

    def describe(self, scenario: Scenario | None = None) -> dict:
        """The manifest's ``parameter_draws`` entry: the file, its SHA-256, the sets and columns, what was held."""
        meta = self.metadata()
        info: dict = {
            "mode": "posterior",
            "file": str(self.path),
            "sha256": self.sha256,
            "sets": self.sets,
            "columns": list(self.columns),
            "set_column": SET_COLUMN,
            "stream": STREAM,
            "metadata": None if meta is None else {"file": str(meta), "sha256": _sha256(meta.read_bytes())},
        }
        if scenario is not None:
            info["held"] = [p for p in pinned(scenario) if p in self.columns]
        return info


def _sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


#: Parsed posteriors by (path, SHA-256): a worker reads and parses a file once.
_LOADED: dict[tuple[str, str], Posterior] = {}


def load(path: str | Path, sha256: str | None = None) -> Posterior:
    """Read and validate a posterior file.

    With ``sha256``, the file must have that hash (a worker checks it reads what the run chose).

    Raises
    ------
    PosteriorError : a missing or unreadable file; a header that is not coefficient paths (an
        unknown, repeated or threshold column); a row that is short, long, not numeric or outside
        a coefficient's range (file, line and column named); no rows; another hash than ``sha256``.
    """
    path = Path(path).absolute()
    if sha256 is not None and (str(path), sha256) in _LOADED:
        return _LOADED[str(path), sha256]
    raw = read_bytes(path, MAX_BYTES, "posterior file", "posterior files", "CSV", PosteriorError)
    digest = _sha256(raw)
    if sha256 is not None and digest != sha256:
        raise PosteriorError(
            f"the posterior file changed: its SHA-256 is {digest[:12]}..., the run chose {sha256[:12]}...", path
        )
    if (str(path), digest) not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.clear()
        columns, table = _parse(raw, path)
        _LOADED[str(path), digest] = Posterior(path, digest, columns, table)
    return _LOADED[str(path), digest]


def load_default() -> Posterior:
    """The default posterior (:func:`default_file`).

    Raises
    ------
    PosteriorError : the file is missing (the message says how to make it, or how to run without it), or invalid.
    """
    path = default_file()
    if not path.exists():
        origin = f" (named by ${ENV})" if os.environ.get(ENV) else ""
        raise PosteriorError(
            f"the posterior file{origin} is missing: make it with 'python scripts/calibrate.py', "
            "or run the point estimates with '--parameters defaults' (Python: parameters='defaults')",
            path,
        )
    return load(path)


def choose(parameters: str | Path | Posterior | None, scenario: Scenario) -> Posterior | None:
    """The posterior a run draws from, or None for the point estimates.

    ``parameters`` is ``"posterior"`` (the default file), ``"defaults"`` (point estimates), a
    posterior file's path, a :class:`Posterior`, or None: the scenario's ``parameter_draws``.

    Raises
    ------
    PosteriorError : the file is missing or invalid.
    """
    if isinstance(parameters, Posterior):
        return parameters
    mode = scenario.parameter_draws if parameters is None else parameters
    if mode == "defaults":
        return None
    if mode == "posterior":
        return load_default()
    if isinstance(mode, str) and not mode.lower().endswith(".csv") and not Path(mode).exists():
        raise PosteriorError(
            f"expected 'posterior', 'defaults' or a posterior CSV file, got {mode!r}{suggest(mode, MODES)}",
            key="parameters",
        )
    return load(Path(mode))


def mode_of(draws: Posterior | None) -> str:
    """The ``parameter_draws`` value that names a choice: ``"posterior"`` or ``"defaults"``."""
    return "defaults" if draws is None else "posterior"


def describe(draws: Posterior | None, scenario: Scenario | None = None) -> dict:
    """The manifest's ``parameter_draws`` entry for a choice (``{"mode": "defaults"}`` for point estimates)."""
    return {"mode": "defaults"} if draws is None else draws.describe(scenario)


def drawn_paths(draws: Posterior | None, scenario: Scenario) -> list[str]:
    """The coefficient paths that were drawn (the posterior's columns the scenario does not set)."""
    if draws is None:
        return []
    held = set(pinned(scenario))
    return [c for c in draws.columns if c not in held]
