"""AllianceModel: the calendar, the cooperation arrays and the monthly step phases.

Every state variable is a vector over the R replications of one ensemble.
Replications never interact: nothing here reduces across the ensemble.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from pathlib import Path
from typing import Any, Literal, overload

import mesa
import numpy as np
import pandas as pd

from . import metrics
from .actors import Ally, China, Japan, NorthKorea, SouthKorea, UnitedStates
from .draws import Draws, generate
from .events import ALLIES, Election, Event, month_label
from .inputs import Inputs
from .scenario import Scenario, apply_overrides, load_scenario

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


#: Largest ensemble for which a model built the Mesa way keeps a DataCollector by default.
COLLECT_LIMIT = 100

#: Agent variables in the DataCollector record: name -> meaning (None for actors it does not apply to).
AGENT_VARIABLES = {
    "approval": "Approval of the government (ROK, JPN).",
    "position": "Government alignment stance: +1 conservative, -1 progressive (ROK, JPN).",
    "government": "Camp in office, 'conservative' or 'progressive' (ROK, JPN).",
    "interim": "An acting government is in office (ROK, JPN).",
    "elected": "Camp that won an election held this month, else None (ROK, JPN).",
    "perceived_commitment": "Perceived US commitment; abandonment fear is 1 minus it (ROK, JPN).",
    "threat": "Threat perceived (ROK, JPN) or posed (PRK).",
    "antipathy": "Public antipathy toward the partner ally (ROK, JPN).",
    "tests": "Missiles launched this month (PRK).",
    "pressure": "Economic pressure on ROK (CHN).",
    "brokerage_effort": "US brokerage effort this month (USA).",
}


class AllianceModel(mesa.Model):
    """Five states, one ensemble of R futures, stepped a month at a time.

    Two ways to build it:

    - The engine's way (used by :func:`alliance_sim.simulate` and the sweeps, the fast path):
      ``AllianceModel(scenario, draws)`` with pre-drawn numbers from :func:`alliance_sim.draws.generate`.
    - The Mesa way: ``AllianceModel("scenarios/base.yaml", replications=1, seed=7)``, then
      ``model.step()`` month by month (``model.running`` turns false at the horizon) or
      ``model.run()``. Replication ``r`` draws from ``SeedSequence(seed, spawn_key=(0, r))``,
      exactly as in the engine, so replication 3 built the Mesa way is replication 3 of
      ``simulate`` with the same seed. Works with ``mesa.batch_run``.

    Parameters
    ----------
    scenario : a validated Scenario, or the path of a scenario file.
    draws : the ensemble's pre-drawn random numbers (engine path); leave out to draw them here.
    replications : Mesa way: how many replications (``0..N-1``), or their indices. Default 1.
    replication : Mesa way: the index of a single replication (instead of ``replications``).
    seed : Mesa way: root seed (default: the scenario's). Named ``seed`` so ``mesa.batch_run``
        passes its ``rng`` values here.
    rng : an int root seed, as Mesa models take it (give ``seed`` or ``rng``, not both).
    months : Mesa way: horizon (default: the scenario's).
    collect : keep a Mesa ``DataCollector`` (``model.datacollector``) of the step metrics and
        agent variables every month; default: on for Mesa-way models of at most
        :data:`COLLECT_LIMIT` replications, off on the engine path.
    **overrides : dotted scenario paths and values, as ``--set`` takes them
        (``**{"actors.USA.commitment": 0.6}``); ``__`` may stand for the dots
        (``actors__USA__commitment=0.6``).

    Raises
    ------
    ScenarioError : if the scenario or an override is invalid.
    ValueError : for both ``seed`` and ``rng``, or both ``replications`` and ``replication``.
    TypeError : for an ``rng`` that is not an int seed.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        draws: Draws | None = None,
        *,
        replications: int | Sequence[int] | None = None,
        replication: int | None = None,
        seed: int | None = None,
        rng: Any = None,
        months: int | None = None,
        collect: bool | None = None,
        **overrides: Any,
    ):
        # Mesa's own generators (self.random, self.rng) are never used: all randomness is
        # pre-drawn per replication in ``draws``; leaving them unseeded keeps it that way.
        super().__init__()
        mesa_way = draws is None
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if draws is None:
            scenario, draws = self._mesa_way(scenario, replications, replication, seed, rng, months, overrides)
        elif overrides or any(v is not None for v in (replications, replication, seed, rng, months)):
            raise ValueError("with pre-drawn draws, pass the scenario as it should run (no overrides, seed or sizes)")
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
        self.elections = {(event.actor, first) for event, first, _, _ in self.timeline if isinstance(event, Election)}
        if collect if collect is not None else (mesa_way and self.R <= COLLECT_LIMIT):
            self.datacollector = self._data_collector()

    @staticmethod
    def _mesa_way(scenario, replications, replication, seed, rng, months, overrides) -> tuple[Scenario, Draws]:
        """The scenario with its overrides, and freshly generated draws (see the class docstring)."""
        if seed is not None and rng is not None:
            raise ValueError("pass either seed or rng, not both")
        if rng is not None:
            if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
                raise TypeError(
                    f"rng must be an int root seed (alliance-sim pre-draws every number from it), got {type(rng).__name__}"
                )
            seed = int(rng)
        if replications is not None and replication is not None:
            raise ValueError("pass either replications or replication, not both")
        if replication is not None:
            reps = np.array([replication])
        elif replications is None or isinstance(replications, int | np.integer):
            reps = np.arange(1 if replications is None else int(replications))
        else:
            reps = np.asarray(list(replications), dtype=np.int64)
        if len(reps) == 0 or (reps < 0).any():
            raise ValueError(f"replications must be a positive count or non-negative indices, got {replications!r}")
        changes = {path.replace("__", "."): value for path, value in overrides.items()}
        for field, value in {"seed": seed, "months": months}.items():
            if value is not None:
                changes[field] = value
        changes["replications"] = int(reps.max()) + 1
        scenario = apply_overrides(scenario, changes, origin=" (AllianceModel argument)")
        return scenario, generate(scenario.seed, 0, reps, scenario.months, *draw_layout(scenario))

    def _data_collector(self) -> mesa.DataCollector:
        """Mesa's record of every step metric (model) and :data:`AGENT_VARIABLES` (agents), each month.

        A value is a float for one replication and a vector over replications otherwise;
        :meth:`model_table` and :meth:`agent_table` give them in tidy form.
        """
        one = self.R == 1

        def value(v):
            if v is None:
                return None
            v = np.asarray(v)
            if v.ndim == 0:
                return v.item()
            return v[0].item() if one else v.copy()

        def model_reporter(name):
            return lambda m: value(m.trace[name][m.steps - 1])

        def agent_reporter(name):
            return lambda agent: value(self._agent_variable(agent, name))

        return mesa.DataCollector(
            model_reporters={"date": lambda m: month_label(m.spec.start, m.steps - 1)}
            | {name: model_reporter(name) for name in metrics.STEP_METRICS},
            agent_reporters={"actor": "code"} | {name: agent_reporter(name) for name in AGENT_VARIABLES},
        )

    def _agent_variable(self, agent, name: str):
        if name == "position":
            return getattr(agent, "stance", None)
        if name == "government":
            stance = getattr(agent, "stance", None)
            return None if stance is None else np.where(stance > 0, "conservative", "progressive")
        if name == "elected":
            stance = getattr(agent, "stance", None)
            if stance is None or (agent.code, self.steps - 1) not in self.elections:
                return None
            return np.where(stance > 0, "conservative", "progressive")
        if name == "perceived_commitment":
            return getattr(agent, "perceived", None)
        if name == "brokerage_effort":
            return getattr(agent, "effort", None)
        if name == "pressure" and agent.code != "CHN":
            return None
        return getattr(agent, name, None)

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
        if t >= self.months:
            raise RuntimeError(f"the horizon is {self.months} months; build the model with months=... to go further")
        self.fire_events(t)
        cohesion = metrics.cohesion(self)
        self.adversaries_act(t, cohesion)
        self.patron_acts()
        parts = self.allies_act(t)
        self.domestic_politics(t)
        self.last_move = {pair: self.next_coop[pair] - self.coop[pair] for pair in self.coop}
        self.coop, self.coop_cache = dict(self.next_coop), {}
        self.record(t, parts)
        if hasattr(self, "datacollector"):
            self.datacollector.collect(self)
        self.running = t + 1 < self.months

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

    # ------------------------------------------------------------- Mesa-style records

    def model_table(self) -> pd.DataFrame:
        """The DataCollector's step metrics, one row per month and replication.

        Columns: month (1 = the start month), date, replication, and one per step metric.
        """
        frame = self._collected().get_model_vars_dataframe()
        reps = self.draws.replications
        rows = {
            "month": np.repeat(np.arange(1, len(frame) + 1), self.R),
            "date": np.repeat(frame["date"].to_numpy(), self.R),
            "replication": np.tile(reps, len(frame)),
        }
        for name in metrics.STEP_METRICS:
            rows[name] = np.concatenate([np.atleast_1d(v) for v in frame[name]])
        return pd.DataFrame(rows)

    def agent_table(self) -> pd.DataFrame:
        """The DataCollector's agent variables, one row per month, replication and actor.

        Columns: month, date, replication, actor, then :data:`AGENT_VARIABLES` (None where
        a variable does not apply to the actor).
        """
        frame = self._collected().get_agent_vars_dataframe().reset_index()
        dates = self._collected().get_model_vars_dataframe()["date"].to_numpy()
        reps = self.draws.replications
        rows = {
            "month": np.repeat(frame["Step"].to_numpy(dtype=np.int64), self.R),
            "date": np.repeat(dates[frame["Step"].to_numpy(dtype=np.int64) - 1], self.R),
            "replication": np.tile(reps, len(frame)),
            "actor": np.repeat(frame["actor"].to_numpy(), self.R),
        }
        for name in AGENT_VARIABLES:
            column = [np.full(self.R, None, dtype=object) if v is None else np.atleast_1d(v) for v in frame[name]]
            rows[name] = np.concatenate(column) if column else np.array([])
        return pd.DataFrame(rows)

    def _collected(self) -> mesa.DataCollector:
        if not hasattr(self, "datacollector"):
            raise AttributeError(
                f"this model keeps no DataCollector (R = {self.R}); build it with collect=True "
                f"(on by default for Mesa-way models of at most {COLLECT_LIMIT} replications)"
            )
        return self.datacollector
