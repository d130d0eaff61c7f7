"""The contract every registered event kind keeps, checked the same way for each.

The kinds come from the registry (``EVENT_TYPES``), never from a list kept here, so
a new kind is tested as soon as it is defined. Each kind declares, as class
metadata, a minimal valid instance (``sample``), whether its handler reads a
uniform from the event's own random stream each active month (``draws``) and what
it moves in which direction (``moves``). For each kind, the tests check that it

- acts only inside its window: its window in the ensemble's event table is the one
  its YAML names, and every state variable is bit for bit the same as in the same
  future without it until its first month, and differs in that month;
- draws only from its own stream, keyed by its name: renaming it leaves the run
  bit for bit unchanged if it declares no draws; moving it to the front of the
  event order never changes anything; and deleting an unrelated event leaves a
  random event's draws unchanged;
- moves what it documents: the ensemble mean (R = 200) of each declared state
  vector lies on the declared side of the same future without it, at the end of
  its first month.

Like the shared player test of Axelrod (``axelrod/tests/strategies/test_player.py``)
one set of checks serves every kind; a kind only declares what it expects, and
here it declares it on its own class, so no per-kind test class is needed.
"""

from __future__ import annotations

import numpy as np
import pytest

from alliance_sim.events import EVENT_TYPES
from alliance_sim.model import AllianceModel
from alliance_sim.names import ACTORS, month_index
from alliance_sim.scenario import Scenario
from alliance_sim.slots import IN_NUCLEAR

START, MONTHS, R, SEED = "2025-01", 8, 200, 11
PROBE = "probe"
#: Random background that runs before and alongside every probe.
BACKGROUND = {
    "background_tests": {"type": "missile_tests", "rate_per_month": 2, "from": "2025-01"},
    "background_nuclear": {"type": "nuclear_test", "from": "2025-01", "probability": 0.1},
}


def kinds() -> list[str]:
    return list(EVENT_TYPES)


def scenario(with_probe: str | None, name: str = PROBE, first: bool = False) -> Scenario:
    events = dict(BACKGROUND)
    if with_probe is not None:
        probe = {name: {"type": with_probe, **EVENT_TYPES[with_probe].sample}}
        events = probe | events if first else events | probe
    return Scenario.model_validate(
        {"name": "contract", "start": START, "months": MONTHS, "replications": R, "seed": SEED, "events": events}
    )


def build(s: Scenario) -> AllianceModel:
    return AllianceModel(s, replications=R, collect=False)


def expected_window(kind: str) -> tuple[int, int]:
    """The first and last active month the sample's YAML names (``to`` defaults to the horizon's end)."""
    sample = EVENT_TYPES[kind].sample
    if "at" in sample:
        at = month_index(START, str(sample["at"]))
        return at, at
    last = month_index(START, str(sample["to"])) if "to" in sample else MONTHS - 1
    return month_index(START, str(sample["from"])), last


def trajectory(model: AllianceModel, months: int = MONTHS) -> list[np.ndarray]:
    """The whole state matrix at the end of each of the first ``months`` months."""
    states = []
    for _ in range(months):
        model.step()
        states.append(model.S.copy())
    return states


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
    """The trajectory of the contract scenario without a probe."""
    return trajectory(build(scenario(None)))


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
    first, last = expected_window(kind)
    model = build(scenario(kind))
    probe = list(model.spec.events).index(PROBE)
    _, _, _, firsts, lasts, _ = model.ensemble.events
    assert (firsts[:, probe] == first).all() and (lasts[:, probe] == last).all()
    states = trajectory(model)
    for t in range(first):
        assert states[t].tobytes() == quiet[t].tobytes(), f"the state moved in month {t}, before {first}"
    assert states[first].tobytes() != quiet[first].tobytes(), "no effect in its first month"


@pytest.mark.parametrize("kind", kinds())
def test_draws_only_from_its_own_stream(kind):
    base = trajectory(build(scenario(kind)))
    # the event order never matters: each event's numbers are keyed by its name
    moved = trajectory(build(scenario(kind, first=True)))
    assert all(a.tobytes() == b.tobytes() for a, b in zip(base, moved, strict=True))
    renamed = trajectory(build(scenario(kind, name="renamed_probe")))
    same = all(a.tobytes() == b.tobytes() for a, b in zip(base, renamed, strict=True))
    # another name is another stream: only a kind that draws may then differ
    assert same == (EVENT_TYPES[kind].draws == 0), "renaming changes the run exactly when the kind draws"


def test_deleting_an_unrelated_event_leaves_a_random_event_draws_unchanged():
    nuclear = {"type": "nuclear_test", "from": "2025-01", "probability": 0.3}
    others = {
        "tests": {"type": "missile_tests", "rate_per_month": 6, "from": "2025-01"},
        "vote": {"type": "election", "actor": "ROK", "at": "2025-03"},
        "ruling": {"type": "history_dispute", "magnitude": 0.4, "at": "2025-02"},
    }
    runs = []
    for events in ({"early": others["tests"], "nuke": nuclear, **others}, {"nuke": nuclear}):
        s = Scenario.model_validate({"name": "crn", "start": START, "months": MONTHS, "seed": SEED, "events": events})
        model = build(s)
        tests = []
        for _ in range(MONTHS):
            model.step()
            tests.append(model.S[:, IN_NUCLEAR].copy())  # this month's nuclear draw outcome
        runs.append(np.array(tests))
    assert 0.2 < runs[0].mean() < 0.4  # the draws are random, at the declared probability
    np.testing.assert_array_equal(runs[0], runs[1])


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
