"""The arrays one ensemble runs on: a coefficient row, a random-number address and an event table per replication.

An ensemble is a list of *parts*, each a scenario (a design point), its point
number and replication indices. Parts may differ in any coefficient, initial
value or event number (a sweep batches design points, a calibration hands in
candidate sets), but not in shape: the same start, horizon and events (names
and kinds, in order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .columns import COLUMNS, INDEX, bounds, row
from .distributions import draw
from .events import N_ARGS, Event
from .philox import key, stream_id, uniforms
from .scenario import Scenario
from .spinup import seed_of


@dataclass(frozen=True)
class Ensemble:
    """Per-replication inputs of the compiled step.

    Attributes
    ----------
    coefficients : (R, K) coefficient rows (:data:`alliance_sim.columns.COLUMNS`).
    keys : (R, 2) the Philox key (the seed's two 32-bit words) of each replication.
    points, replications : (R,) design point and replication index: the rest of the address.
    addresses : (R, 2) the replication word of the address of the *incident* streams (events,
        PRK launches, event numbers drawn from distributions) and of the *noise* streams
        (misperception, approval, ladder steps, meetings, repudiations): both the replication index, unless
        a variance decomposition sets them apart (:mod:`alliance_sim.uncertainty`).
    events : (kinds, streams, draws, first, last, args): kind number, stream and whether it
        draws, per event (E,); window (R, E); the handler's numbers (R, E, N_ARGS).
    months, start : the horizon, shared by all parts.
    spin_parts : what the spin-up ensemble is built from (:attr:`spin`): per part, the spin-up
        scenario under its own seed and the replication indices; empty without a spin-up.
    """

    coefficients: np.ndarray
    keys: np.ndarray
    points: np.ndarray
    replications: np.ndarray
    events: tuple
    months: int
    start: str
    addresses: np.ndarray
    spin_parts: tuple = ()

    @property
    def size(self) -> int:
        return len(self.replications)

    @cached_property
    def spin(self) -> Ensemble | None:
        """The scenario's spin-up (:mod:`alliance_sim.spinup`), an ensemble of the same replications over
        the spin-up storyline, or None: each replication's coefficient row with the spin-up file's actor
        values, its address under the spin-up's seed at point 0. Built when first read."""
        if not self.spin_parts:
            return None
        ensemble = build([(scenario, 0, reps) for scenario, reps in self.spin_parts], addresses=self.addresses)
        rows = ensemble.coefficients.copy()
        rows[:, COEFFICIENT_COLUMNS] = self.coefficients[:, COEFFICIENT_COLUMNS]  # coefficients: the replication's own
        return replace(ensemble, coefficients=np.ascontiguousarray(rows))

    def spin_inputs(self) -> tuple:
        """All that :attr:`spin` is built from: equal inputs give equal spin-up ensembles."""
        return self.spin_parts, self.addresses.copy(), self.coefficients[:, COEFFICIENT_COLUMNS]


def shape_of(scenario: Scenario) -> tuple:
    """What parts of one ensemble must share: start, horizon, event names and kinds, the thresholds the run
    summaries read (computed once for the whole ensemble), and the spin-up's."""
    events = tuple((name, ev.type) for name, ev in scenario.events.items())
    shape = scenario.start, scenario.months, events, scenario.parameters.thresholds.rupture
    return shape if scenario.spin_up is None else (*shape, shape_of(scenario.spin_up))


def _event_rows(scenario: Scenario, point: int, addresses: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each event's window (E,) and the handler's numbers: (E, N_ARGS), or (R, E, N_ARGS) once a key
    is drawn from a distribution (:mod:`alliance_sim.distributions`)."""
    events: list[Event] = list(scenario.events.values())
    windows = np.array([ev.window(scenario.start, scenario.months) for ev in events], dtype=np.int64).reshape(-1, 2)
    args = np.full((len(events), N_ARGS), np.nan)
    drawn = []
    for e, (name, ev) in enumerate(scenario.events.items()):
        values = ev.args(scenario.start)
        args[e, : len(values)] = values
        if ev.random:
            drawn.append((e, name, ev))
    if not drawn:
        return windows[:, 0], windows[:, 1], args
    per_rep = np.repeat(args[None], len(addresses), axis=0)
    for e, name, ev in drawn:
        update = {}
        for field, dist in ev.random.items():
            u = uniforms(scenario.seed, point, addresses, 1, f"event.{name}.{field}")[0, 0]
            bounds = type(ev).numeric_range(field)
            assert bounds is not None  # validated: only numeric keys are drawn
            update[field] = draw(dist, u, *bounds)
        values = ev.model_copy(update=update).args(scenario.start)
        per_rep[:, e, : len(values)] = np.column_stack(np.broadcast_arrays(*values))
    return windows[:, 0], windows[:, 1], per_rep


def build(
    parts: Sequence[tuple[Scenario, int, Sequence[int] | np.ndarray]],
    coefficients: Mapping[str, np.ndarray | float] | None = None,
    addresses: np.ndarray | None = None,
) -> Ensemble:
    """The ensemble of ``parts`` [(scenario, point, replication indices)], in that order.

    ``coefficients`` may set columns (dotted paths of :data:`COLUMNS`) to one value per
    replication of the whole ensemble, or one value for all: a calibration's candidate sets.
    ``addresses`` (R, 2) sets the replication words of the incident and noise streams
    (default: each replication's index for both; see :class:`Ensemble`).

    Raises
    ------
    ValueError : parts of different shapes, an unknown column, a value of the wrong length
        or outside the column's range.
    """
    if not parts:
        raise ValueError("an ensemble needs at least one part")
    first_scenario = parts[0][0]
    shape = shape_of(first_scenario)
    rows, keys, points, reps, firsts, lasts, argss = [], [], [], [], [], [], []
    total = sum(len(np.asarray(r).reshape(-1)) for _, _, r in parts)
    if addresses is not None and np.shape(addresses) != (total, 2):
        raise ValueError(f"addresses: expected shape ({total}, 2), got {np.shape(addresses)}")
    at = 0
    for scenario, point, replications in parts:
        if shape_of(scenario) != shape:
            raise ValueError(
                f"scenario {scenario.name!r} (point {point}) differs in start, horizon or events from the "
                "first part; parts of one ensemble must share them"
            )
        idx = np.asarray(replications, dtype=np.int64).reshape(-1)
        n = len(idx)
        rows.append(np.broadcast_to(row(scenario), (n, len(COLUMNS))))
        keys.append(np.broadcast_to(np.array(key(scenario.seed), dtype=np.int64), (n, 2)))
        points.append(np.full(n, point, dtype=np.int64))
        reps.append(idx)
        f, l_, a = _event_rows(scenario, point, idx if addresses is None else addresses[at : at + n, 0])
        at += n
        firsts.append(np.broadcast_to(f, (n, len(f))))
        lasts.append(np.broadcast_to(l_, (n, len(l_))))
        argss.append(a if a.ndim == 3 else np.broadcast_to(a, (n, *a.shape)))
    C = np.ascontiguousarray(np.concatenate(rows))
    if coefficients:
        _set_columns(C, coefficients)
    events_of: list[Event] = list(first_scenario.events.values())
    events = (
        np.array([ev.kind() for ev in events_of], dtype=np.int64),
        np.array([stream_id(f"event.{name}") for name in first_scenario.events], dtype=np.int64),
        np.array([ev.draws for ev in events_of], dtype=np.int64),
        np.ascontiguousarray(np.concatenate(firsts)),
        np.ascontiguousarray(np.concatenate(lasts)),
        np.ascontiguousarray(np.concatenate(argss)),
    )
    replication_index = np.concatenate(reps)
    if addresses is None:
        addresses = np.column_stack([replication_index, replication_index])
    spin_parts = () if first_scenario.spin_up is None else _spin_parts(parts)
    return Ensemble(
        C,
        np.ascontiguousarray(np.concatenate(keys)),
        np.concatenate(points),
        replication_index,
        events,
        first_scenario.months,
        first_scenario.start,
        np.ascontiguousarray(addresses, dtype=np.int64),
        spin_parts,
    )


#: The coefficient columns that are not actors' values (a spin-up runs the replication's own).
COEFFICIENT_COLUMNS = np.array([i for i, p in enumerate(COLUMNS) if not p.startswith("actors.")], dtype=np.int64)


def _spin_parts(parts) -> tuple:
    """Each part's spin-up under the spin-up seed of its seed, with its replications: at point 0 for
    every part, so every design point spins up alike unless its coefficients differ."""
    return tuple(
        (scenario.spin_up.model_copy(update={"seed": seed_of(scenario.seed)}), np.asarray(reps, dtype=np.int64))
        for scenario, _point, reps in parts
    )


def _set_columns(C: np.ndarray, values: Mapping[str, np.ndarray | float]) -> None:
    for path, value in values.items():
        if path not in INDEX:
            raise ValueError(
                f"unknown coefficient column {path!r}; columns are the numeric leaves of actors and parameters"
            )
        v = np.asarray(value, dtype=float)
        if v.ndim and v.shape != (len(C),):
            raise ValueError(f"{path}: expected one value or {len(C)} (one per replication), got shape {v.shape}")
        lo, hi = bounds(path)
        if np.isnan(v).any() or (v < lo).any() or (v > hi).any():
            raise ValueError(f"{path}: values must lie in [{lo}, {hi}]")
        C[:, INDEX[path]] = v
