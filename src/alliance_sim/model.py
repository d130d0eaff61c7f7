"""AllianceModel: the Mesa model of one ensemble of R futures.

The state of every replication is a row of one matrix (:mod:`alliance_sim.slots`);
the agents' state vectors are views of its columns. A month is the compiled
step of :mod:`alliance_sim.kernel`. Replications never interact: nothing
reduces across the ensemble.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import mesa
import numpy as np
import pandas as pd

from . import hugepages, metrics, spinup
from .actors import Ally, China, Japan, NorthKorea, SouthKorea, UnitedStates
from .buffers import TraceBuffers
from .ensemble import Ensemble, build
from .events import Election
from .kernel import advance, initialise
from .names import month_label
from .scenario import Scenario, apply_overrides, load_scenario
from .slots import AGREEMENT, ALLIED, COOP, INSTITUTIONS, LAST_MOVE, N_SLOTS, SUMMIT

hugepages.advise_off()  # a run's fresh arrays must not stall in memory compaction (see hugepages)

#: Largest ensemble for which a model built the Mesa way keeps a DataCollector by default.
COLLECT_LIMIT = 100

#: Agent variables in the DataCollector record: name -> meaning (None for actors it does not apply to).
AGENT_VARIABLES = {
    "approval": "Approval of the government (ROK, JPN).",
    "position": "Government position on the history axis: -1 history hawk .. +1 pragmatist (ROK, JPN).",
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

    Build it from a scenario (a file path or a validated :class:`Scenario`):
    ``AllianceModel("scenarios/base.yaml", replications=1000, seed=7)``, then
    ``model.step()`` month by month (``model.running`` turns false at the horizon)
    or ``model.run()``. Works with ``mesa.batch_run``. Every random number is
    addressed by (seed, point, replication, month, stream)
    (:mod:`alliance_sim.philox`), so replication 3 of point 0 is the same future
    in any ensemble that holds it, built here or run by :func:`alliance_sim.simulate`
    with the same coefficients: the point estimates (``parameters="defaults"``), or its
    posterior set (``coefficients=posterior.draw(...).values``, :mod:`alliance_sim.posterior`).

    Parameters
    ----------
    scenario : a validated Scenario, or the path of a scenario file.
    replications : how many replications (``0..N-1``), or their indices. Default 1.
    replication : the index of a single replication (instead of ``replications``).
    seed : root seed (default: the scenario's). Named ``seed`` so ``mesa.batch_run``
        passes its ``rng`` values here.
    rng : an int root seed, as Mesa models take it (give ``seed`` or ``rng``, not both).
    months : horizon (default: the scenario's).
    point : the design point number (part of every random number's address). Default 0.
    coefficients : ``{column: values}``: any coefficient or initial value
        (:data:`alliance_sim.columns.COLUMNS`) set per replication (one value each) or for all.
    ensemble : the ensemble's arrays, already built (:func:`alliance_sim.ensemble.build`; a
        sweep's batch of design points); then ``scenario`` is the first part's.
    collect : keep a Mesa ``DataCollector`` (``model.datacollector``) of the step metrics and
        agent variables every month; default: on for at most :data:`COLLECT_LIMIT` replications.
    zero_traces : start the trace arrays at zero (default). False leaves a month's records unset
        until it runs: for a caller that runs the whole horizon before reading them (a sweep
        task saves zeroing 30 MB of a 1,000 x 120 ensemble). Ignored while Python step metrics are
        registered (one may read the month before at the first month: row -1, the last).
    buffers : take the trace arrays from these (:class:`alliance_sim.buffers.TraceBuffers`), which lend
        the same arrays to the next model of the same shape: for a caller that runs ensembles one after
        another and is done with each one's traces before it builds the next (a sweep worker).
    **overrides : dotted scenario paths and values, as ``--set`` takes them
        (``**{"actors.USA.commitment": 0.6}``); ``__`` may stand for the dots
        (``actors__USA__commitment=0.6``).

    Raises
    ------
    ScenarioError : if the scenario or an override is invalid.
    ValueError : for both ``seed`` and ``rng``, both ``replications`` and ``replication``, or a bad
        ``coefficients`` column or value.
    TypeError : for an ``rng`` that is not an int seed.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path,
        *,
        replications: int | Sequence[int] | np.ndarray | range | None = None,
        replication: int | None = None,
        seed: int | None = None,
        rng: Any = None,
        months: int | None = None,
        point: int = 0,
        coefficients: Mapping[str, Any] | None = None,
        ensemble: Ensemble | None = None,
        collect: bool | None = None,
        zero_traces: bool = True,
        buffers: TraceBuffers | None = None,
        **overrides: Any,
    ):
        # Mesa's own generators (self.random, self.rng) are never used: every random number
        # is computed from its address (alliance_sim.philox).
        super().__init__()
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if ensemble is None:
            scenario, reps = self._prepare(scenario, replications, replication, seed, rng, months, overrides)
            ensemble = build([(scenario, point, reps)], coefficients)
        self.spec, self.p, self.ensemble = scenario, scenario.parameters, ensemble
        self.R, self.months = ensemble.size, ensemble.months
        self.replications = ensemble.replications
        #: The state matrix: one row per replication (see :mod:`alliance_sim.slots`).
        self.S = np.empty((self.R, N_SLOTS))
        initialise(self.S, ensemble.coefficients)
        if ensemble.spin_parts:  # each replication starts where its spin-up ends
            self.S[:] = spinup.start(ensemble)
        self.states = {
            "ROK": SouthKorea(self),
            "JPN": Japan(self),
            "USA": UnitedStates(self),
            "PRK": NorthKorea(self),
            "CHN": China(self),
        }
        #: Step metrics and driver terms, (metrics, months, R); a metric's (months, R) block in ``trace``.
        #: User-registered step metrics (Python functions of the model), evaluated month by month.
        self.extra = metrics.extra_metrics()
        # A Python step metric may read the month before at the first month: it reads zeros, never what
        # another ensemble left in lent arrays.
        zero_traces = zero_traces or bool(self.extra)
        self.traces = self._blank("traces", len(metrics.STEP_METRICS), zero_traces, buffers)
        self.driver_traces = self._blank("driver_traces", len(metrics.DRIVERS), zero_traces, buffers)
        self.trace = dict(zip(metrics.STEP_METRICS, self.traces, strict=True))
        self.drivers = dict(zip(metrics.DRIVERS, self.driver_traces, strict=True))
        self.elections = {
            (event.actor, event.window(scenario.start, scenario.months)[0])
            for event in scenario.events.values()
            if isinstance(event, Election)
        }
        if collect if collect is not None else self.R <= COLLECT_LIMIT:
            self.datacollector = self._data_collector()

    def _blank(self, name: str, rows: int, zero: bool, buffers: TraceBuffers | None) -> np.ndarray:
        shape = (rows, self.months, self.R)
        if buffers is None:
            return np.zeros(shape) if zero else np.empty(shape)
        array = buffers.empty(name, shape)
        if zero:
            array.fill(0.0)
        return array

    @staticmethod
    def _prepare(scenario, replications, replication, seed, rng, months, overrides) -> tuple[Scenario, np.ndarray]:
        """The scenario with its overrides, and the replication indices (see the class docstring)."""
        if seed is not None and rng is not None:
            raise ValueError("pass either seed or rng, not both")
        if rng is not None:
            if isinstance(rng, bool) or not isinstance(rng, int | np.integer):
                raise TypeError(
                    f"rng must be an int root seed (alliance-sim computes every number from it), got {type(rng).__name__}"
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
        if changes:
            scenario = apply_overrides(scenario, changes, origin=" (AllianceModel argument)")
        return scenario, reps

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
        if name == "government":
            camp = getattr(agent, "camp", None)
            return None if camp is None else np.where(camp > 0, "conservative", "progressive")
        if name == "elected":
            camp = getattr(agent, "camp", None)
            if camp is None or (agent.code, self.steps - 1) not in self.elections:
                return None
            return np.where(camp > 0, "conservative", "progressive")
        if name == "perceived_commitment":
            return getattr(agent, "perceived", None)
        if name == "brokerage_effort":
            return getattr(agent, "effort", None)
        if name == "pressure" and agent.code != "CHN":
            return None
        return getattr(agent, name, None)

    def _block(self, first: int) -> dict[tuple[str, str], np.ndarray]:
        return {
            (i, j): self.S[:, first + 3 * a + b] for a, i in enumerate(ALLIED) for b, j in enumerate(ALLIED) if a != b
        }

    @property
    def coop(self) -> dict[tuple[str, str], np.ndarray]:
        """Directed cooperation ``(i, j)`` of ``i`` toward ``j`` among ROK, JPN and USA (views)."""
        return self._block(COOP)

    @property
    def last_move(self) -> dict[tuple[str, str], np.ndarray]:
        """Last month's change in each directed cooperation (views)."""
        return self._block(LAST_MOVE)

    @property
    def institutions(self) -> np.ndarray:
        """The ROK-JPN institutional stock (a view)."""
        return self.S[:, INSTITUTIONS]

    @property
    def agreement(self) -> np.ndarray:
        """Depth of the ROK-JPN agreements in force, 0 if none (a view)."""
        return self.S[:, AGREEMENT]

    @property
    def summit_boost(self) -> dict[tuple[str, str], np.ndarray]:
        """Decaying summit boosts to each directed cooperation target (views)."""
        return self._block(SUMMIT)

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

    # ------------------------------------------------------------- stepping

    def step(self) -> None:
        """One month of every replication: the phases of :func:`alliance_sim.kernel.month`, in order."""
        t = self.steps - 1  # Mesa counts the step before calling it; months are 0-based
        if t >= self.months:
            raise RuntimeError(f"the horizon is {self.months} months; build the model with months=... to go further")
        self._advance(t, t + 1)
        for name, fn in self.extra.items():
            self.trace[name][t] = fn(self)
        if hasattr(self, "datacollector"):
            self.datacollector.collect(self)
        self.running = t + 1 < self.months

    def run(self) -> None:
        """Step through the rest of the horizon: one compiled call, unless a DataCollector or a Python metric needs each month."""
        if hasattr(self, "datacollector") or self.extra:
            while self.running and self.steps < self.months:
                self.step()
            return
        self._advance(self.steps, self.months)
        self.steps: int = self.months
        self.running = False

    def _advance(self, t0: int, t1: int) -> None:
        e = self.ensemble
        advance(
            self.S, e.coefficients, e.keys, e.points, e.addresses, e.events, t0, t1, self.traces, self.driver_traces
        )

    # ------------------------------------------------------------- Mesa-style records

    def model_table(self) -> pd.DataFrame:
        """The DataCollector's step metrics, one row per month and replication.

        Columns: month (1 = the start month), date, replication, and one per step metric.
        """
        frame = self._collected().get_model_vars_dataframe()
        reps = self.replications
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
        reps = self.replications
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
