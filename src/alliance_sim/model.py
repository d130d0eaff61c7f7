"""AllianceModel: the calendar, the cooperation arrays and the monthly step phases.

Every state variable is a vector over the R replications of one ensemble.
Replications never interact: nothing here reduces across the ensemble.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from typing import Literal, overload

import mesa
import numpy as np

from . import metrics
from .actors import Ally, China, Japan, NorthKorea, SouthKorea, UnitedStates
from .draws import Draws
from .events import ALLIES, Event
from .inputs import Inputs
from .scenario import Scenario

#: Fixed pre-drawn columns. Uniforms: PRK non-ICBM and ICBM launches; events follow.
U_PRK, U_ICBM, N_FIXED_UNIFORM = 0, 1, 2
#: Normals: misperception for each directed move of the allies, then approval shocks.
Z = {
    ("ROK", "JPN"): 0,
    ("ROK", "USA"): 1,
    ("JPN", "ROK"): 2,
    ("JPN", "USA"): 3,
    ("USA", "ROK"): 4,
    ("USA", "JPN"): 5,
    "ROK": 6,
    "JPN": 7,
}
N_NORMAL = len(Z)


def draw_layout(scenario: Scenario) -> tuple[int, int]:
    """Numbers of uniform and normal columns a scenario needs per month (independent of R)."""
    return N_FIXED_UNIFORM + sum(ev.draws for ev in events_of(scenario)), N_NORMAL


def events_of(scenario: Scenario) -> list[Event]:
    """The scenario's events in order (typed as :class:`Event` for mypy, which cannot read the union)."""
    return list(scenario.events.values())


class AllianceModel(mesa.Model):
    """Five states, one ensemble of R futures, stepped a month at a time.

    Parameters
    ----------
    scenario : the validated scenario.
    draws : the ensemble's pre-drawn random numbers (see :mod:`alliance_sim.draws`).
    """

    def __init__(self, scenario: Scenario, draws: Draws):
        # Mesa's own generators (self.random, self.rng) are never used: all randomness is
        # pre-drawn per replication in ``draws``; leaving them unseeded keeps it that way.
        super().__init__()
        self.spec, self.p = scenario, scenario.parameters
        self.R, self.months, self.draws = draws.size, scenario.months, draws
        a = scenario.actors
        init = {"ROK": a.ROK.coop, "JPN": a.JPN.coop, "USA": a.USA.coop}
        self.coop = {(i, j): np.full(self.R, float(getattr(init[i], j))) for i, j in permutations(ALLIES, 2)}
        #: Metrics of ``coop`` computed so far this month (see :func:`metrics.of_cooperation`).
        self.coop_cache: dict[tuple, np.ndarray] = {}
        self.next_coop = dict(self.coop)
        self.last_move = {pair: np.zeros(self.R) for pair in self.coop}
        self.summit_boost = {pair: np.zeros(self.R) for pair in self.coop}
        self.states = {
            "ROK": SouthKorea(self, a.ROK),
            "JPN": Japan(self, a.JPN),
            "USA": UnitedStates(self, a.USA),
            "PRK": NorthKorea(self, a.PRK),
            "CHN": China(self, a.CHN),
        }
        self.timeline = self._schedule(scenario)
        #: This month's event inputs (see :class:`alliance_sim.inputs.Inputs`), reset in phase 1.
        self.inputs = Inputs.quiet(self.R)
        self.trace = {name: np.empty((self.months, self.R)) for name in metrics.STEP_METRICS}
        self.drivers = {term: np.empty((self.months, self.R)) for term in metrics.DRIVERS}

    def _schedule(self, scenario: Scenario) -> list[tuple[Event, int, int, int]]:
        """(event, first month, last month, first uniform column) of each event within the horizon."""
        timeline, col = [], N_FIXED_UNIFORM
        for event in events_of(scenario):
            first, last = event.window(scenario.start, scenario.months)
            if last >= 0 and first < scenario.months:
                timeline.append((event, first, last, col))
            col += event.draws
        return timeline

    @overload
    def actor(self, code: Literal["ROK", "JPN"]) -> Ally: ...
    @overload
    def actor(self, code: Literal["USA"]) -> UnitedStates: ...
    @overload
    def actor(self, code: Literal["PRK"]) -> NorthKorea: ...
    @overload
    def actor(self, code: Literal["CHN"]) -> China: ...
    def actor(self, code: str) -> Ally | UnitedStates | NorthKorea | China:
        """The agent of state ``code`` (ROK, JPN, USA, PRK, CHN)."""
        return self.states[code]

    # ------------------------------------------------------------- phases

    def step(self) -> None:
        """One month, simultaneous: every actor reads last month's cooperation."""
        t = self.steps - 1  # Mesa counts the step before calling it; months are 0-based
        self.fire_events(t)
        cohesion = metrics.cohesion(self)
        self.adversaries_act(t, cohesion)
        self.patron_acts()
        parts = self.allies_act(t)
        self.domestic_politics(t)
        self.last_move = {pair: self.next_coop[pair] - self.coop[pair] for pair in self.coop}
        self.coop, self.coop_cache = dict(self.next_coop), {}
        self.record(t, parts)

    def fire_events(self, t: int) -> None:
        """Phase 1: dated events and active processes of month ``t``."""
        decay = 1 - self.p.diplomacy.summit_decay
        self.summit_boost = {pair: boost * decay for pair, boost in self.summit_boost.items()}
        self.inputs = Inputs.quiet(self.R)
        u = self.draws.uniform[t]
        for event, first, last, col in self.timeline:
            if first <= t <= last:
                event.apply(self, t, u[col : col + event.draws])

    def adversaries_act(self, t: int, cohesion: np.ndarray) -> None:
        """Phase 2: PRK launches (action-reaction), CHN sets its wedge pressure."""
        self.states["PRK"].act(cohesion, self.draws.uniform[t, U_PRK : U_ICBM + 1], self.inputs.nuclear)
        self.states["CHN"].act(cohesion)

    def patron_acts(self) -> None:
        """Phase 3: US commitment signals and brokerage."""
        self.states["USA"].act(metrics.coop_rok_jpn(self), self.states["CHN"].maritime())

    def allies_act(self, t: int) -> dict[str, np.ndarray]:
        """Phase 4: allies perceive, then set cooperation within their domestic gate."""
        z = self.draws.normal[t]
        rok, jpn = self.states["ROK"], self.states["JPN"]
        rok.perceive()
        jpn.perceive()
        self.next_coop = dict(self.coop)
        parts_rok = rok.set_cooperation(z[Z["ROK", "JPN"]], z[Z["ROK", "USA"]])
        parts_jpn = jpn.set_cooperation(z[Z["JPN", "ROK"]], z[Z["JPN", "USA"]])
        self.states["USA"].set_cooperation({"ROK": z[Z["USA", "ROK"]], "JPN": z[Z["USA", "JPN"]]})
        # The dyad is the mean of the two directions, so is each term's contribution.
        return {k: 0.5 * (parts_rok[k] + parts_jpn[k]) for k in metrics.DRIVERS}

    def domestic_politics(self, t: int) -> None:
        """Phase 5: approval (with audience costs) and grievance drift."""
        z = self.draws.normal[t]
        self.states["ROK"].update_politics(z[Z["ROK"]])
        self.states["JPN"].update_politics(z[Z["JPN"]])

    def record(self, t: int, parts: dict[str, np.ndarray]) -> None:
        """Phase 6: step metrics and the driver contributions to the ROK-JPN change."""
        for name, fn in metrics.STEP_METRICS.items():
            self.trace[name][t] = fn(self)
        for term, value in parts.items():
            self.drivers[term][t] = value

    # ------------------------------------------------------------- event hooks

    def summit(self, parties: Sequence[str], magnitude: float) -> None:
        """Boost cooperation targets among allied parties; with PRK present, detente."""
        allied = [p for p in parties if p in ALLIES]
        for i, j in permutations(allied, 2):
            self.summit_boost[(i, j)] = self.summit_boost[(i, j)] + magnitude
        if "ROK" in allied and "JPN" in allied:
            relief = self.p.diplomacy.summit_relief * magnitude
            self.states["ROK"].relieve(relief)
            self.states["JPN"].relieve(relief)
        if "PRK" in parties and allied:
            self.states["PRK"].relax(magnitude)

    def run(self) -> None:
        """Step through the whole horizon."""
        for _ in range(self.months):
            self.step()
