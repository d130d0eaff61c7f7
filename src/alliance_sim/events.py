"""Event kinds: one small class per kind, registered under its YAML ``type``.

A *dated* event fires in its month (``at``). A *process* is active every month
from ``from`` to ``to`` (inclusive; ``to`` defaults to the end of the horizon).
Each class's docstring gives a real-world example; the tables in ``docs/`` are
generated from :data:`EVENT_TYPES`.

Each kind has a compiled *handler* (``Kind.handler``), which acts on one
replication's state ``s`` with its coefficients ``c``, the event's numbers
``a`` (from :meth:`Event.args`), the month ``t``, the event's window
``first..last`` and, for kinds that draw (``draws = 1``), two uniforms ``u, v``
from the event's own random stream, keyed by its name. Handlers act through the
agents' documented hooks (:mod:`alliance_sim.actors`) and the month's event
inputs (the ``IN_*`` slots of :mod:`alliance_sim.slots`); :func:`fire` picks
the handler of a kind inside the compiled month step.
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args, get_origin

import numpy as np
from pydantic import ConfigDict, Field, field_validator, model_validator

from . import slots as S
from .actors import base as ally
from .actors import chn, prk, usa
from .columns import CAMP, col
from .jit import njit
from .names import ALLIES, Actor, Democracy, Government, Month, Target, month_index
from .schema import Strict

#: Junior allies and event targets as the handlers read them.
ALLY = {"ROK": float(S.ROK), "JPN": float(S.JPN)}
TARGET = {"ROK": float(S.ROK), "JPN": float(S.JPN), "both": 2.0}
#: Most numbers an event passes its handler.
N_ARGS = 4
SUMMIT_RELIEF = col("diplomacy.summit_relief")

#: Every event kind by its YAML ``type``, in definition order; filled as the classes are defined.
EVENT_TYPES: dict[str, type[Event]] = {}


class Event(Strict):
    """Base class of all event kinds. A subclass whose ``type`` is a Literal registers itself."""

    model_config = ConfigDict(populate_by_name=True)  # with Strict's: no unknown keys, frozen

    type: str
    #: How many uniforms (0, 1 or 2) the handler reads from the event's stream each active month.
    draws: ClassVar[int] = 0
    #: The compiled handler (see the module docstring).
    handler: ClassVar
    #: One-line real-world example, shown in the generated docs.
    example: ClassVar[str] = ""
    #: What the event moves, and in which direction: ``{path: +1 or -1}``. A path names a
    #: documented state vector of an actor (``ROK.antipathy``; ``USA.commitment_to.ROK`` for one
    #: entry of a per-ally mapping) or a model array (``coop.ROK.JPN``). The direction is that of
    #: the ensemble mean against the same future without the event, at the end of the event's
    #: first month, for ``sample`` in a scenario of defaults (checked in tests/test_event_contract.py).
    moves: ClassVar[dict[str, int]] = {}
    #: A minimal valid instance (its YAML mapping without ``type``), for the contract tests.
    #: Its months fall inside a horizon starting 2025-01.
    sample: ClassVar[dict[str, object]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs):
        super().__pydantic_init_subclass__(**kwargs)
        tag = cls.model_fields["type"].annotation
        if get_origin(tag) is Literal:
            EVENT_TYPES[get_args(tag)[0]] = cls

    def window(self, start: str, months: int) -> tuple[int, int]:
        """First and last active step (inclusive), relative to ``start``."""
        raise NotImplementedError

    def args(self) -> tuple[float, ...]:
        """The numbers the handler reads as ``a`` (at most :data:`N_ARGS`)."""
        raise NotImplementedError

    @classmethod
    def kind(cls) -> int:
        """The kind's number in :func:`fire` (its place in :data:`EVENT_TYPES`)."""
        return list(EVENT_TYPES.values()).index(cls)


class DatedEvent(Event):
    """An event that fires once, in month ``at``."""

    at: Month = Field(description="Month in which the event fires (YYYY-MM).")

    def window(self, start: str, months: int) -> tuple[int, int]:
        i = month_index(start, self.at)
        return i, i


def ordered(first: str | None, last: str | None) -> None:
    """Raise if a window ends before it starts (``YYYY-MM`` strings sort as dates)."""
    if first is not None and last is not None and last < first:
        raise ValueError(f"'to' ({last}) is before 'from' ({first})")


class Process(Event):
    """An event process active every month between ``from`` and ``to``."""

    from_: Month = Field(alias="from", description="First active month (YYYY-MM).")
    to: Month | None = Field(None, description="Last active month (YYYY-MM); default: end of horizon.")

    @model_validator(mode="after")
    def _window(self):
        ordered(self.from_, self.to)
        return self

    def window(self, start: str, months: int) -> tuple[int, int]:
        last = months - 1 if self.to is None else month_index(start, self.to)
        return month_index(start, self.from_), last


@njit
def missile_tests(s, c, a, t, first, last, u, v):
    """Compiled handler of ``missile_tests``: a = (non-ICBM rate, ICBM rate)."""
    s[S.IN_PRK_RATE] += a[0]
    s[S.IN_ICBM_RATE] += a[1]


class MissileTests(Process):
    """North Korean missile testing as a Poisson process.

    Example: 69 missiles in 2022 (about 5.75 a month), 41 in 2024 (CNS database).
    The rate is the baseline before PRK's action-reaction and Russian-backing
    multipliers. Several active processes add up.
    """

    type: Literal["missile_tests"]
    example: ClassVar[str] = "2022 campaign: 69 missiles in a year (CNS)"
    moves: ClassVar[dict[str, int]] = {"PRK.tests": +1, "PRK.threat": +1}
    sample: ClassVar[dict[str, object]] = {"rate_per_month": 4, "from": "2025-04", "to": "2025-05"}
    actor: Literal["PRK"] = Field("PRK", description="Always PRK.")
    rate_per_month: float = Field(ge=0, le=30, description="Baseline missiles launched per month.")
    icbm_share: float = Field(0.05, ge=0, le=1, description="Share of launches that are ICBMs.")

    handler: ClassVar = staticmethod(missile_tests)

    def args(self) -> tuple[float, ...]:
        return (self.rate_per_month * (1 - self.icbm_share), self.rate_per_month * self.icbm_share)


@njit
def nuclear_test(s, c, a, t, first, last, u, v):
    """Compiled handler of ``nuclear_test``: a = (probability,)."""
    if u < a[0]:
        s[S.IN_NUCLEAR] = 1.0


class NuclearTest(Event):
    """A North Korean nuclear test: a large, slowly decaying threat shock.

    Example: the 6th nuclear test, 3 September 2017. Dated (``at``, fires with
    ``probability``) or a process (``from``/``to``, ``probability`` each month).
    """

    type: Literal["nuclear_test"]
    example: ClassVar[str] = "6th nuclear test, 2017-09"
    draws: ClassVar[int] = 1
    moves: ClassVar[dict[str, int]] = {"PRK.shock": +1, "PRK.threat": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04", "probability": 0.5}
    actor: Literal["PRK"] = Field("PRK", description="Always PRK.")
    at: Month | None = Field(None, description="Month of a dated test.")
    from_: Month | None = Field(None, alias="from", description="First month of a random-test process.")
    to: Month | None = Field(None, description="Last month of a random-test process.")
    probability: float = Field(1.0, ge=0, le=1, description="Chance of a test in each active month.")

    @model_validator(mode="after")
    def _one_shape(self):
        if (self.at is None) == (self.from_ is None):
            raise ValueError("give either 'at' (a dated test) or 'from' (a process), not both or neither")
        ordered(self.from_, self.to)
        return self

    def window(self, start: str, months: int) -> tuple[int, int]:
        if self.from_ is None:  # dated: the validator guarantees ``at``
            i = month_index(start, str(self.at))
            return i, i
        last = months - 1 if self.to is None else month_index(start, self.to)
        return month_index(start, self.from_), last

    handler: ClassVar = staticmethod(nuclear_test)

    def args(self) -> tuple[float, ...]:
        return (self.probability,)


@njit
def impeachment(s, c, a, t, first, last, u, v):
    """Compiled handler of ``impeachment``: a = (ally, removed)."""
    k = int(a[0])
    if t == first:
        s[k * S.ALLY_SLOTS + S.INTERIM] = 1.0
    if t == last and a[1] == 0.0:
        s[k * S.ALLY_SLOTS + S.INTERIM] = 0.0


class Impeachment(Event):
    """An acting government from ``from`` until ``to``: it neither starts nor breaks initiatives.

    Example: Yoon impeached on 14 December 2024; Han Duck-soo and then Choi
    Sang-mok acting presidents until the Constitutional Court ruled on 4 April
    2025. At the end of the window the interim flag is lifted (the president is
    reinstated) unless ``removed`` is true, in which case the acting government
    stays until an ``election`` or ``political_transition``.
    """

    type: Literal["impeachment"]
    example: ClassVar[str] = "Yoon impeached 2024-12, Court ruling 2025-04"
    moves: ClassVar[dict[str, int]] = {"ROK.interim": +1}
    sample: ClassVar[dict[str, object]] = {"from": "2025-04", "to": "2025-05"}
    actor: Democracy = Field("ROK", description="The state whose leader is impeached.")
    from_: Month = Field(alias="from", description="Month the acting government takes over.")
    to: Month = Field(description="Month of the ruling that ends the window.")
    removed: bool = Field(False, description="If true the leader is removed and the acting government stays on.")

    @model_validator(mode="after")
    def _window(self):
        ordered(self.from_, self.to)
        return self

    def window(self, start: str, months: int) -> tuple[int, int]:
        return month_index(start, self.from_), month_index(start, self.to)

    handler: ClassVar = staticmethod(impeachment)

    def args(self) -> tuple[float, ...]:
        return (ALLY[self.actor], float(self.removed))


@njit
def election(s, c, a, t, first, last, u, v):
    """Compiled handler of ``election``: a = (ally, incumbent advantage, leader changes, outcome or NaN)."""
    ally.hold_election(s, c, int(a[0]), u, v, a[1], a[2] != 0.0, a[3])


class Election(DatedEvent):
    """A scheduled election whose outcome is random and driven by approval.

    Example: the snap presidential election of 3 June 2025 (Lee Jae-myung,
    progressive, 49.4% against 41.2%). The incumbent camp keeps office with
    probability logistic(election_sensitivity * (approval + incumbent_advantage
    - election_midpoint)); otherwise the opposing camp takes office with
    honeymoon approval. The new government's position on the history axis is
    drawn from its camp's distribution (``parameters.positions``), also when the
    camp is kept unless ``leader_changes`` is false. Any interim government ends.
    ``outcome`` fixes the result instead, for counterfactual pairs: the event keeps
    its name, so every other random number of the scenario stays the same.
    """

    type: Literal["election"]
    example: ClassVar[str] = "ROK snap presidential election, 2025-06"
    draws: ClassVar[int] = 2  # the outcome, and the new leader's position
    #: A conservative incumbent (the default camp) loses office in part of the futures.
    moves: ClassVar[dict[str, int]] = {"ROK.camp": -1}
    sample: ClassVar[dict[str, object]] = {"actor": "ROK", "at": "2025-04"}
    actor: Democracy = Field(description="The state holding the election.")
    incumbent_advantage: float = Field(
        0.0, ge=-1, le=1, description="Added to approval in the logistic chance of keeping office."
    )
    leader_changes: bool = Field(
        True,
        description="A new leader takes office even if the camp is kept (ROK's single-term presidency); "
        "false: a kept camp keeps its leader and position (a Japanese general election).",
    )
    outcome: Literal["kept", "lost"] | None = Field(
        None, description="Force the result ('kept': the incumbent camp stays); default: drawn from approval."
    )

    handler: ClassVar = staticmethod(election)

    def args(self) -> tuple[float, ...]:
        outcome = np.nan if self.outcome is None else float(self.outcome == "kept")
        return (ALLY[self.actor], self.incumbent_advantage, float(self.leader_changes), outcome)


@njit
def political_transition(s, c, a, t, first, last, u, v):
    """Compiled handler of ``political_transition``: a = (ally, camp, position or NaN); approval in ``a[3]``."""
    ally.install(s, c, int(a[0]), a[1], a[2], a[3], u)


class PoliticalTransition(DatedEvent):
    """A forced change of government to a given camp, with a position on the history axis.

    Example: Moon Jae-in (progressive) replacing the impeached Park Geun-hye in
    May 2017; Yoon Suk Yeol (conservative) taking office in May 2022. Without a
    ``position`` the new government's is drawn from its camp's distribution
    (``parameters.positions``).
    """

    type: Literal["political_transition"]
    example: ClassVar[str] = "Yoon (conservative) takes office, 2022-05"
    draws: ClassVar[int] = 1  # the new government's position, unless given
    moves: ClassVar[dict[str, int]] = {"ROK.camp": -1}
    sample: ClassVar[dict[str, object]] = {"actor": "ROK", "government": "progressive", "at": "2025-04"}
    actor: Democracy = Field(description="The state whose government changes.")
    government: Government = Field(description="The camp that takes office.")
    position: float | None = Field(
        None,
        ge=-1,
        le=1,
        description="Its position, -1 history hawk .. +1 pragmatist; default: drawn from the camp's distribution.",
    )
    approval: float | None = Field(
        None, ge=0, le=1, description="Approval of the new government; default: domestic.honeymoon."
    )

    handler: ClassVar = staticmethod(political_transition)

    def args(self) -> tuple[float, ...]:
        position = np.nan if self.position is None else self.position
        return (ALLY[self.actor], CAMP[self.government], position, np.nan if self.approval is None else self.approval)


@njit
def history_dispute(s, c, a, t, first, last, u, v):
    """Compiled handler of ``history_dispute``: a = (rise for ROK, rise for JPN)."""
    ally.aggrieve(s, S.ROK, a[0])
    ally.aggrieve(s, S.JPN, a[1])


class HistoryDispute(DatedEvent):
    """A historical-grievance shock that raises public antipathy on both sides.

    Example: the ROK Supreme Court forced-labour ruling of 30 October 2018; a
    Dokdo/Takeshima incident.
    """

    type: Literal["history_dispute"]
    example: ClassVar[str] = "Forced-labour ruling, 2018-10"
    moves: ClassVar[dict[str, int]] = {"ROK.antipathy": +1, "JPN.antipathy": +1}
    sample: ClassVar[dict[str, object]] = {"magnitude": 0.3, "at": "2025-04"}
    magnitude: float = Field(ge=0, le=1, description="Rise in public antipathy toward the partner.")
    rok: float = Field(1.0, ge=0, le=1, description="Share of the rise felt by the ROK public.")
    jpn: float = Field(1.0, ge=0, le=1, description="Share of the rise felt by the Japanese public.")

    handler: ClassVar = staticmethod(history_dispute)

    def args(self) -> tuple[float, ...]:
        return (self.magnitude * self.rok, self.magnitude * self.jpn)


@njit
def us_burden_sharing(s, c, a, t, first, last, u, v):
    """Compiled handler of ``us_burden_sharing``: a = (target, magnitude)."""
    usa.signal(s, c, int(a[0]), -a[1], True)


class UsBurdenSharing(DatedEvent):
    """US cost-sharing demands or troop-cut talk: a drop in the US commitment signal.

    Example: the 2019 demand for a large rise in ROK host-nation support; May
    2025 reports of moving about 4,500 of 28,500 US troops from Korea. The drop
    is scaled by (0.5 + USA transactionalism) and decays at
    snyder.commitment_recovery.
    """

    type: Literal["us_burden_sharing"]
    example: ClassVar[str] = "SMA demands 2019-11; troop-cut reports 2025-05"
    moves: ClassVar[dict[str, int]] = {"USA.commitment_to.ROK": -1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04"}
    target: Target = Field("ROK", description="The ally pressed.")
    magnitude: float = Field(0.1, ge=0, le=1, description="Drop in the US commitment signal to the target.")

    handler: ClassVar = staticmethod(us_burden_sharing)

    def args(self) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


@njit
def us_reassurance(s, c, a, t, first, last, u, v):
    """Compiled handler of ``us_reassurance``: a = (target, magnitude)."""
    usa.signal(s, c, int(a[0]), a[1], False)


class UsReassurance(DatedEvent):
    """A US reassurance signal: a summit or an extended-deterrence statement.

    Example: the Washington Declaration (April 2023) and the Nuclear
    Consultative Group.
    """

    type: Literal["us_reassurance"]
    example: ClassVar[str] = "Washington Declaration, 2023-04"
    moves: ClassVar[dict[str, int]] = {"USA.commitment_to.ROK": +1, "USA.commitment_to.JPN": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04"}
    target: Target = Field("both", description="The ally reassured.")
    magnitude: float = Field(0.1, ge=0, le=1, description="Rise in the US commitment signal to the target.")

    handler: ClassVar = staticmethod(us_reassurance)

    def args(self) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


@njit
def us_brokerage(s, c, a, t, first, last, u, v):
    """Compiled handler of ``us_brokerage``: a = (magnitude,)."""
    usa.press(s, a[0])


class UsBrokerage(DatedEvent):
    """US pressure on both allies to keep their cooperation: a decaying push to brokerage effort.

    Example: in November 2019 Washington pressed Seoul over GSOMIA, and the
    termination was suspended about six hours before expiry. The push adds to
    the endogenous brokerage effort and decays at snyder.commitment_recovery.
    """

    type: Literal["us_brokerage"]
    example: ClassVar[str] = "GSOMIA saved, 2019-11"
    moves: ClassVar[dict[str, int]] = {"USA.effort": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04"}
    magnitude: float = Field(0.3, ge=0, le=1, description="Added brokerage effort (0..1 scale).")

    handler: ClassVar = staticmethod(us_brokerage)

    def args(self) -> tuple[float, ...]:
        return (self.magnitude,)


@njit
def china_coercion(s, c, a, t, first, last, u, v):
    """Compiled handler of ``china_coercion``: a = (economic?, target, magnitude)."""
    chn.coerce(s, a[0] != 0.0, int(a[1]), a[2], t == first)


class ChinaCoercion(DatedEvent):
    """Chinese economic or maritime pressure: a shock that lasts ``months`` and then decays.

    Example: economic retaliation after the 2016 THAAD announcement and the
    2010 rare-earth curbs on Japan (``economic``); the Yellow Sea structure of
    February 2025 and no-sail zones of May 2025 (``maritime``). Economic
    pressure on an ally feeds its entrapment fear (on ROK with the standing
    wedge); maritime pressure raises the threat the target perceives from CHN.
    The shock is added in month ``at`` and held at ``magnitude`` at least until
    the last of its ``months``; then it decays at ``chn.pressure_decay``.
    """

    type: Literal["china_coercion"]
    example: ClassVar[str] = (
        "THAAD retaliation 2016-07; rare-earth curbs on Japan 2010-09; Yellow Sea structure 2025-02"
    )
    moves: ClassVar[dict[str, int]] = {"CHN.pressure": +1, "ROK.entrapment": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04"}
    channel: Literal["economic", "maritime"] = Field(
        "economic", description="Economic (entrapment fear; the wedge on ROK) or maritime (threat)."
    )
    target: Target = Field("ROK", description="Who is pressed: ROK, JPN or both.")
    magnitude: float = Field(0.2, ge=0, le=1, description="Size of the pressure shock.")
    months: int = Field(1, ge=1, le=120, description="How many months the pressure is held before it decays.")

    handler: ClassVar = staticmethod(china_coercion)

    def window(self, start: str, months: int) -> tuple[int, int]:
        i = month_index(start, self.at)
        return i, i + self.months - 1

    def args(self) -> tuple[float, ...]:
        return (float(self.channel == "economic"), TARGET[self.target], self.magnitude)


@njit
def prk_russia_alignment(s, c, a, t, first, last, u, v):
    """Compiled handler of ``prk_russia_alignment``: a = (magnitude,)."""
    prk.back(s, a[0])


class PrkRussiaAlignment(DatedEvent):
    """Deeper DPRK-Russia alignment: a lasting rise in Russian backing of PRK.

    Example: the comprehensive strategic partnership treaty (signed June 2024,
    in force December 2024); troops sent to Kursk (October 2024).
    """

    type: Literal["prk_russia_alignment"]
    example: ClassVar[str] = "DPRK-Russia treaty, 2024-06"
    moves: ClassVar[dict[str, int]] = {"PRK.russia": +1, "PRK.threat": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04"}
    magnitude: float = Field(0.2, ge=0, le=1, description="Rise in Russian backing (0..1 scale).")

    handler: ClassVar = staticmethod(prk_russia_alignment)

    def args(self) -> tuple[float, ...]:
        return (self.magnitude,)


@njit
def summit(s, c, a, t, first, last, u, v):
    """Compiled handler of ``summit``: a = (allied parties as bits, PRK attends?, magnitude)."""
    allied = int(a[0])  # bit i: allied state i attends (0 ROK, 1 JPN, 2 USA)
    for i in range(3):
        for j in range(3):
            if i != j and allied >> i & 1 and allied >> j & 1:
                s[S.SUMMIT + 3 * i + j] += a[2]
    if allied & 3 == 3:
        ally.relieve(s, S.ROK, c[SUMMIT_RELIEF] * a[2])
        ally.relieve(s, S.JPN, c[SUMMIT_RELIEF] * a[2])
    if a[1] != 0.0 and allied:
        prk.relax(s, a[2])


class Summit(DatedEvent):
    """A bilateral or trilateral summit: a decaying boost to the parties' cooperation targets.

    Example: Camp David trilateral summit (August 2023); the inter-Korean summit
    of April 2018 (with PRK as a party it is a detente that lowers PRK testing).
    A share (diplomacy.summit_relief) of the boost also eases public antipathy
    between ROK and JPN when both attend.
    """

    type: Literal["summit"]
    example: ClassVar[str] = "Camp David, 2023-08; inter-Korean summit, 2018-04"
    moves: ClassVar[dict[str, int]] = {
        "coop.ROK.JPN": +1,
        "coop.JPN.ROK": +1,
        "ROK.antipathy": -1,
        "JPN.antipathy": -1,
    }
    sample: ClassVar[dict[str, object]] = {"parties": ["ROK", "JPN"], "at": "2025-04"}
    parties: list[Actor] = Field(min_length=2, description="Participating states (two or more).")
    magnitude: float = Field(0.1, ge=0, le=1, description="Boost to the parties' cooperation targets.")

    @field_validator("parties")
    @classmethod
    def _distinct(cls, v):
        if len(set(v)) != len(v):
            raise ValueError("parties must be distinct")
        return v

    handler: ClassVar = staticmethod(summit)

    def args(self) -> tuple[float, ...]:
        allied = sum(1 << i for i, code in enumerate(ALLIES) if code in self.parties)
        return (float(allied), float("PRK" in self.parties), self.magnitude)


@njit
def us_tariffs(s, c, a, t, first, last, u, v):
    """Compiled handler of ``us_tariffs``: a = (target, magnitude)."""
    usa.tariff(s, int(a[0]), a[1])


class UsTariffs(Process):
    """US tariffs on an ally: while they are in force the commitment signal the ally reads is cut.

    Example: the 2018 section 232 steel tariffs on both allies (ROK took a quota
    instead); tariffs announced on allies' exports in 2025. The cut feeds the
    ally's abandonment fear through its perceived commitment (Snyder, Cha).
    """

    type: Literal["us_tariffs"]
    example: ClassVar[str] = "Section 232 steel tariffs, 2018-03"
    moves: ClassVar[dict[str, int]] = {"USA.commitment_to.ROK": -1}
    sample: ClassVar[dict[str, object]] = {"from": "2025-04", "to": "2025-06"}
    target: Target = Field("ROK", description="The ally taxed: ROK, JPN or both.")
    magnitude: float = Field(
        0.1, ge=0, le=1, description="Cut in the US commitment signal to the target while in force."
    )

    handler: ClassVar = staticmethod(us_tariffs)

    def args(self) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


@njit
def fire(kind, s, c, a, t, first, last, u, v):
    """Run the handler of event kind ``kind`` (numbered as in :data:`EVENT_TYPES`); ``u, v``: its two uniforms."""
    if kind == 0:
        missile_tests(s, c, a, t, first, last, u, v)
    elif kind == 1:
        nuclear_test(s, c, a, t, first, last, u, v)
    elif kind == 2:
        impeachment(s, c, a, t, first, last, u, v)
    elif kind == 3:
        election(s, c, a, t, first, last, u, v)
    elif kind == 4:
        political_transition(s, c, a, t, first, last, u, v)
    elif kind == 5:
        history_dispute(s, c, a, t, first, last, u, v)
    elif kind == 6:
        us_burden_sharing(s, c, a, t, first, last, u, v)
    elif kind == 7:
        us_reassurance(s, c, a, t, first, last, u, v)
    elif kind == 8:
        us_brokerage(s, c, a, t, first, last, u, v)
    elif kind == 9:
        china_coercion(s, c, a, t, first, last, u, v)
    elif kind == 10:
        prk_russia_alignment(s, c, a, t, first, last, u, v)
    elif kind == 11:
        summit(s, c, a, t, first, last, u, v)
    elif kind == 12:
        us_tariffs(s, c, a, t, first, last, u, v)
