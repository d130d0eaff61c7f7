"""The contract every registered event kind keeps, checked the same way for each.

The kinds come from the registry (``EVENT_TYPES``), never from a list kept here, so
a new kind is tested as soon as it is defined. Each kind declares, as class
metadata, a minimal valid instance (``sample``), the number of pre-drawn uniform
columns it reads each active month (``draws``) and what it moves in which
direction (``moves``). For each kind, the tests check that it

- acts only inside its window: the model calls it exactly in the months its YAML
  names, and every state vector is bit for bit the same as in the same future
  without it until its first month (its random columns are appended, so they
  shift no one else's numbers);
- reads exactly its declared draws: exactly its own uniform columns, in exactly
  its active months, and no normal column that the run without it does not read;
- moves what it documents: the ensemble mean (R = 200) of each declared state
  vector lies on the declared side of the same future without it, at the end of
  its first month.

Like the shared player test of Axelrod (``axelrod/tests/strategies/test_player.py``)
one set of checks serves every kind; a kind only declares what it expects, and
here it declares it on its own class, so no per-kind test class is needed.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

from alliance_sim.draws import Draws, generate
from alliance_sim.events import EVENT_TYPES, Event
from alliance_sim.names import ACTORS, month_index
from alliance_sim.model import N_FIXED_UNIFORM, N_NORMAL, AllianceModel, draw_layout
from alliance_sim.scenario import Scenario

START, MONTHS, R, SEED = "2025-01", 8, 200, 11
PROBE = "probe"
#: Random background that runs before and alongside every probe, so that the probe's
#: columns come after other events' columns and PRK launches in every month.
BACKGROUND = {
    "background_tests": {"type": "missile_tests", "rate_per_month": 2, "from": "2025-01"},
    "background_nuclear": {"type": "nuclear_test", "from": "2025-01", "probability": 0.1},
}
BACKGROUND_UNIFORMS = 1  # the nuclear-test process reads one column


def kinds() -> list[str]:
    return list(EVENT_TYPES)


def scenario(with_probe: str | None) -> Scenario:
    events = dict(BACKGROUND)
    if with_probe is not None:
        events[PROBE] = {"type": with_probe, **EVENT_TYPES[with_probe].sample}
    return Scenario.model_validate(
        {"name": "contract", "start": START, "months": MONTHS, "replications": R, "seed": SEED, "events": events}
    )


def build(s: Scenario, draws: Draws | None = None) -> AllianceModel:
    return AllianceModel(s, draws or generate(s.seed, 0, range(R), s.months, *draw_layout(s)))


def expected_window(kind: str) -> tuple[int, int]:
    """The first and last active month the sample's YAML names (``to`` defaults to the horizon's end)."""
    sample = EVENT_TYPES[kind].sample
    if "at" in sample:
        at = month_index(START, str(sample["at"]))
        return at, at
    last = month_index(START, str(sample["to"])) if "to" in sample else MONTHS - 1
    return month_index(START, str(sample["from"])), last


def state(model: AllianceModel) -> dict[str, np.ndarray]:
    """Every state vector of the model and its five agents, by path (as in ``Event.moves``)."""
    out = {}
    for name in ("coop", "last_move", "summit_boost"):
        for (i, j), v in getattr(model, name).items():
            out[f"{name}.{i}.{j}"] = np.array(v)
    for code in ACTORS:
        for attr, v in vars(model.actor(code)).items():
            if isinstance(v, np.ndarray):
                out[f"{code}.{attr}"] = v.copy()
            elif isinstance(v, dict) and all(isinstance(x, np.ndarray) for x in v.values()):
                out |= {f"{code}.{attr}.{k}": x.copy() for k, x in v.items()}
    inputs = model.inputs
    out |= {"inputs.prk_rate": np.array(inputs.prk_rate), "inputs.icbm_rate": np.array(inputs.icbm_rate)}
    out["inputs.nuclear"] = inputs.nuclear.copy()
    return out


def trajectory(model: AllianceModel, months: int = MONTHS) -> list[dict[str, np.ndarray]]:
    """The state at the end of each of the first ``months`` months."""
    states = []
    for _ in range(months):
        model.step()
        states.append(state(model))
    return states


class Spy:
    """Stands in for an event in the model's timeline and records the months it is applied."""

    def __init__(self, event: Event):
        self.event, self.draws, self.months = event, event.draws, []

    def apply(self, model, t, u):
        self.months.append(t)
        self.event.apply(model, t, u)


class Tracked(np.ndarray):
    """Pre-drawn numbers, shape (months, columns, R), that log every (month, column) the model reads.

    The model reads a month (``a[t]`` or ``a[t, i:j]``), then slices columns off it and
    indexes single columns; those reads are logged in ``reads``. Any other kind of
    indexing fails, so a read the log would miss cannot pass silently.
    """

    reads: set[tuple[int, int]] | None
    month: int | None
    offset: int

    def __array_finalize__(self, obj):
        self.reads, self.month, self.offset = None, None, 0

    @classmethod
    def wrap(cls, values: np.ndarray, reads: set, month: int | None = None, offset: int = 0) -> Tracked:
        out = values.view(cls)
        out.reads, out.month, out.offset = reads, month, offset
        return out

    def __getitem__(self, key):
        values = np.asarray(self)[key]
        if self.reads is None:
            return values
        if self.month is None:  # axis 0 is the month
            t, cols = key if isinstance(key, tuple) else (key, slice(None))
            if not isinstance(cols, slice) or cols.step is not None:
                raise TypeError(f"untracked read {key!r}")
            return Tracked.wrap(values, self.reads, operator.index(t), cols.start or 0)
        if isinstance(key, slice):
            if key.step is not None:
                raise TypeError(f"untracked read {key!r}")
            return Tracked.wrap(values, self.reads, self.month, self.offset + (key.start or 0))
        self.reads.add((self.month, self.offset + operator.index(key)))
        return values


def reads_of(s: Scenario) -> tuple[set, set, AllianceModel]:
    """Run ``s`` and return the (month, column) uniform and normal cells it read, and the model."""
    d = generate(s.seed, 0, range(R), s.months, *draw_layout(s))
    uniform, normal = set(), set()
    model = build(s, Draws(Tracked.wrap(d.uniform, uniform), Tracked.wrap(d.normal, normal), d.point, d.replications))
    model.run()
    return uniform, normal, model


def resolve(model: AllianceModel, path: str) -> np.ndarray:
    """The state vector named by a ``moves`` path, as floats."""
    head, *rest = path.split(".")
    obj = model.actor(head) if head in ACTORS else getattr(model, head)
    while rest:
        if isinstance(obj, dict):
            tuple_keys = isinstance(next(iter(obj)), tuple)
            key, rest = (tuple(rest[:2]), rest[2:]) if tuple_keys else (rest[0], rest[1:])
            obj = obj[key]
        else:
            obj, rest = getattr(obj, rest[0]), rest[1:]
    return np.asarray(obj, dtype=float)


@pytest.fixture(scope="module")
def quiet():
    """The contract scenario without a probe: its trajectory and the cells it reads."""
    uniform, normal, _ = reads_of(scenario(None))
    return trajectory(build(scenario(None))), uniform, normal


@pytest.mark.parametrize("kind", kinds())
def test_declares_its_contract(kind):
    cls = EVENT_TYPES[kind]
    assert cls.__doc__ and cls.example, "a docstring and a real-world example"
    assert cls.sample, f"{cls.__name__} must declare a minimal valid instance as `sample`"
    assert isinstance(scenario(kind).events[PROBE], cls)
    assert cls.moves and set(cls.moves.values()) <= {-1, +1}, "moves maps state paths to +1 or -1"
    assert isinstance(cls.draws, int) and cls.draws >= 0
    first, last = expected_window(kind)
    assert 0 < first <= last < MONTHS - 1, "the sample's window must leave months before and after it"


@pytest.mark.parametrize("kind", kinds())
def test_acts_only_inside_its_window(kind, quiet):
    quiet_states = quiet[0]
    first, last = expected_window(kind)
    model = build(scenario(kind))
    [(event, *window, col)] = [entry for entry in model.timeline if entry[0] is model.spec.events[PROBE]]
    assert tuple(window) == (first, last)
    assert col == N_FIXED_UNIFORM + BACKGROUND_UNIFORMS  # after the fixed and the background columns
    spy = Spy(event)
    model.timeline = [(spy, *entry[1:]) if entry[0] is event else entry for entry in model.timeline]
    states = trajectory(model)
    assert spy.months == list(range(first, last + 1))
    for t in range(first):
        for path, value in quiet_states[t].items():
            assert states[t][path].tobytes() == value.tobytes(), f"{path} moved in month {t}, before {first}"
    assert any(states[first][p].tobytes() != v.tobytes() for p, v in quiet_states[first].items()), "no effect"


@pytest.mark.parametrize("kind", kinds())
def test_reads_exactly_its_declared_draws(kind, quiet):
    _, quiet_uniform, quiet_normal = quiet
    cls = EVENT_TYPES[kind]
    s = scenario(kind)
    n_uniform, n_normal = draw_layout(s)
    assert (n_uniform, n_normal) == (N_FIXED_UNIFORM + BACKGROUND_UNIFORMS + cls.draws, N_NORMAL)
    uniform, normal, model = reads_of(s)
    first, last = expected_window(kind)
    # the probe is the last event, so its columns are the last ``draws`` ones
    own = {(t, c) for t in range(first, last + 1) for c in range(n_uniform - cls.draws, n_uniform)}
    assert uniform == quiet_uniform | own
    assert normal == quiet_normal
    # logging the reads changed nothing
    plain = build(s)
    plain.run()
    for name, values in plain.trace.items():
        np.testing.assert_array_equal(values, model.trace[name], err_msg=name)


@pytest.mark.parametrize("kind", kinds())
def test_moves_what_it_documents(kind):
    first, _ = expected_window(kind)
    without, with_ = build(scenario(None)), build(scenario(kind))
    for model in (without, with_):
        for _ in range(first + 1):
            model.step()
    for path, sign in EVENT_TYPES[kind].moves.items():
        before, after = resolve(without, path), resolve(with_, path)
        assert after.shape == (R,), path
        shift = (after - before).mean()
        assert np.sign(shift) == sign, f"{path}: mean shift {shift:+.4g}, documented {sign:+d}"
