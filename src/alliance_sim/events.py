"""Event kinds: one small class per kind, registered under its YAML ``type``.

A *dated* event fires in its month (``at``). A *process* is active every month
from ``from`` to ``to`` (inclusive; ``to`` defaults to the end of the horizon).
Each class's docstring gives a real-world example; the tables in ``docs/`` are
generated from :data:`EVENT_TYPES`.

Each kind has a compiled *handler* (``Kind.handler``), which acts on one
replication's state ``s`` with its coefficients ``c``, the event's numbers
``a`` (from :meth:`Event.args`), the month ``t``, the event's window
``first..last`` and, for kinds that draw (``draws`` > 0), up to four uniforms
``u[0..3]`` from the event's own random stream, keyed by its name. Handlers act through the
agents' documented hooks (:mod:`alliance_sim.actors`) and the month's event
inputs (the ``IN_*`` slots of :mod:`alliance_sim.slots`); :func:`fire` picks
the handler of a kind inside the compiled month step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal, get_args, get_origin

import numpy as np
from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_serializer, model_validator
from pydantic_core import PydanticCustomError

from . import slots as S
from .actors import base as ally
from .actors import chn, prk, usa
from .columns import CAMP, col
from .distributions import DISTRIBUTION, within
from .jit import njit
from .names import ALLIES, Actor, Democracy, Government, Month, Target, month_index
from .schema import Strict, field_bounds, is_float

#: Junior allies and event targets as the handlers read them.
ALLY = {"ROK": float(S.ROK), "JPN": float(S.JPN)}
TARGET = {"ROK": float(S.ROK), "JPN": float(S.JPN), "both": 2.0}
#: Most numbers an event passes its handler.
N_ARGS = 8
#: Most uniforms an event's handler reads a month.
N_DRAWS = 4
SUMMIT_RELIEF = col("diplomacy.summit_relief")

#: Every event kind by its YAML ``type``, in definition order; filled as the classes are defined.
EVENT_TYPES: dict[str, type[Event]] = {}


class Event(Strict):
    """Base class of all event kinds. A subclass whose ``type`` is a Literal registers itself."""

    model_config = ConfigDict(populate_by_name=True)  # with Strict's: no unknown keys, frozen

    type: str
    #: How many uniforms (0 to :data:`N_DRAWS`) the handler reads from the event's stream each active month.
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

    #: Keys drawn from a distribution, one value per replication (:mod:`alliance_sim.distributions`).
    _random: dict = PrivateAttr(default_factory=dict)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs):
        super().__pydantic_init_subclass__(**kwargs)
        tag = cls.model_fields["type"].annotation
        if get_origin(tag) is Literal:
            EVENT_TYPES[get_args(tag)[0]] = cls

    @classmethod
    def numeric_range(cls, name: str) -> tuple[float, float] | None:
        """The valid range of a numeric key (a float, or a float that may be omitted); None for any other key."""
        field = cls.model_fields[name]
        if not is_float(field.annotation):
            return None
        low, high = field_bounds(field)
        gt = next((m.gt for m in field.metadata if getattr(m, "gt", None) is not None), None)
        if gt is not None:  # a strict lower bound: the next float above it
            low = float(np.nextafter(gt, np.inf))
        return float(-np.inf if low is None else low), float(np.inf if high is None else high)

    @model_validator(mode="wrap")
    @classmethod
    def _distributions(cls, data, handler):
        """Numeric keys given as distributions validate as their centres; the draws come later."""
        if not isinstance(data, Mapping):
            return handler(data)
        names = {f.alias or n: n for n, f in cls.model_fields.items()}
        data, random, errors = dict(data), {}, []
        for key, value in data.items():
            if not (isinstance(value, Mapping) and "dist" in value and key in names):
                continue
            try:
                bounds = cls.numeric_range(names[key])
                if bounds is None:
                    raise PydanticCustomError("distribution_key", "only a numeric key can be drawn from a distribution")
                dist = DISTRIBUTION.validate_python(value)
                within(dist, *bounds)
            except ValidationError as exc:
                errors += [_at(key, e) for e in exc.errors()]
                continue
            except PydanticCustomError as exc:
                errors.append({"type": exc, "loc": (key,), "input": value})
                continue
            random[names[key]] = dist
            data[key] = float(np.clip(dist.centre(), *bounds))
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        event = handler(data)
        event._random = random
        return event

    @model_serializer(mode="wrap")
    def _dump(self, handler):
        data = handler(self)
        for name, dist in self._random.items():
            data[name] = dist.model_dump()
        return data

    @property
    def random(self) -> dict:
        """The keys drawn per replication and their distributions."""
        return dict(self._random)

    def window(self, start: str, months: int) -> tuple[int, int]:
        """First and last active step (inclusive), relative to ``start``."""
        raise NotImplementedError

    def args(self, start: str) -> tuple[float, ...]:
        """The numbers the handler reads as ``a`` (at most :data:`N_ARGS`), for a run starting in month
        ``start`` (which only kinds that read the calendar use)."""
        raise NotImplementedError

    @classmethod
    def kind(cls) -> int:
        """The kind's number in :func:`fire` (its place in :data:`EVENT_TYPES`)."""
        return list(EVENT_TYPES.values()).index(cls)


def _at(key: str, error: dict) -> dict:
    """A pydantic error of a distribution's mapping, placed under the event's ``key``."""
    message = "required key is missing" if error["type"] == "missing" else error["msg"]
    kind = PydanticCustomError("distribution", message.removeprefix("Value error, "))
    return {"type": kind, "loc": (key, *error["loc"]), "input": error["input"]}


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
def missile_tests(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (self.rate_per_month * (1 - self.icbm_share), self.rate_per_month * self.icbm_share)


@njit
def nuclear_test(s, c, a, t, first, last, u):
    """Compiled handler of ``nuclear_test``: a = (probability,)."""
    if u[0] < a[0]:
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

    def args(self, start: str) -> tuple[float, ...]:
        return (self.probability,)


@njit
def impeachment(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (ALLY[self.actor], float(self.removed))


@njit
def election(s, c, a, t, first, last, u):
    """Compiled handler of ``election``: a = (ally, incumbent advantage, leader changes, outcome or NaN)."""
    ally.hold_election(s, c, int(a[0]), u[0], u[1], a[1], a[2] != 0.0, a[3])


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

    def args(self, start: str) -> tuple[float, ...]:
        outcome = np.nan if self.outcome is None else float(self.outcome == "kept")
        return (ALLY[self.actor], self.incumbent_advantage, float(self.leader_changes), outcome)


@njit
def political_transition(s, c, a, t, first, last, u):
    """Compiled handler of ``political_transition``: a = (ally, camp, position or NaN); approval in ``a[3]``."""
    ally.install(s, c, int(a[0]), a[1], a[2], a[3], u[0])


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

    def args(self, start: str) -> tuple[float, ...]:
        position = np.nan if self.position is None else self.position
        return (ALLY[self.actor], CAMP[self.government], position, np.nan if self.approval is None else self.approval)


@njit
def history_dispute(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (self.magnitude * self.rok, self.magnitude * self.jpn)


@njit
def us_burden_sharing(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


@njit
def us_reassurance(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


@njit
def us_brokerage(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (self.magnitude,)


@njit
def china_coercion(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (float(self.channel == "economic"), TARGET[self.target], self.magnitude)


@njit
def prk_russia_alignment(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (self.magnitude,)


@njit
def summit(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        allied = sum(1 << i for i, code in enumerate(ALLIES) if code in self.parties)
        return (float(allied), float("PRK" in self.parties), self.magnitude)


@njit
def us_tariffs(s, c, a, t, first, last, u):
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

    def args(self, start: str) -> tuple[float, ...]:
        return (TARGET[self.target], self.magnitude)


#: Months of the year of the recurring history flashpoints: Takeshima Day (22 February, Shimane
#: prefecture since 2005), the March 1st Movement anniversary and Japan's textbook screenings
#: (late March), the Yasukuni spring festival (April), Liberation Day and the war-end anniversary
#: with its Yasukuni offerings (15 August).
FLASHPOINTS = (2, 3, 4, 8)


@njit(inline="always")  # a process active every month: a call would pass its four arrays on the stack
def history_incidents(s, c, a, t, first, last, u):
    """Compiled handler of ``history_incidents``: a = (rate, extra rate, calendar bits, size, tail, cap, major).

    The month's count is Poisson (inverted from ``u[0]``, at most three), each incident's size
    Pareto from ``u[1..3]``.
    """
    rate = a[0] + (a[1] if int(a[2]) >> (t % 12) & 1 else 0.0)
    n = int(min(prk.poisson_inverse(u[0], rate), 3.0))
    for i in range(n):
        size = min(a[5], a[3] * (1.0 - u[1 + i]) ** (-1.0 / a[4]))
        ally.incident(s, S.ROK, size, a[6])
        ally.incident(s, S.JPN, size, a[6])


class HistoryIncidents(Process):
    """Random history incidents: a compound Poisson process with heavy-tailed sizes and calendar flashpoints.

    Example: Takeshima Day statements every February, textbook screenings every March,
    Yasukuni offerings, a court ruling on wartime labour (October 2018), a dispute over a
    radar lock-on (December 2018). Each month the number of incidents is Poisson with mean
    ``rate_per_month``, plus ``flashpoint_rate`` in the ``flashpoints`` months of the year
    (at most three a month); each incident's size is Pareto with minimum ``size`` and tail
    index ``tail`` (heavier the smaller), capped at ``cap``. Every incident opens a dispute
    of its size in both governments (which may climb the escalation ladder); one of at least
    ``major`` also raises both publics' antipathy by its size, as a ``history_dispute`` does.
    """

    type: Literal["history_incidents"]
    example: ClassVar[str] = "Takeshima Day 2019-02; radar lock-on 2018-12; forced-labour ruling 2018-10"
    draws: ClassVar[int] = 4  # the month's count, and the sizes of up to three incidents
    moves: ClassVar[dict[str, int]] = {"ROK.dispute": +1, "JPN.dispute": +1}
    sample: ClassVar[dict[str, object]] = {"rate_per_month": 3.0, "size": 0.2, "from": "2025-04", "to": "2025-04"}
    rate_per_month: float = Field(0.15, ge=0, le=3, description="Mean incidents per month outside the flashpoints.")
    flashpoint_rate: float = Field(0.5, ge=0, le=3, description="Extra mean incidents in a flashpoint month.")
    flashpoints: list[int] = Field(
        list(FLASHPOINTS),
        description="Months of the year (1-12) of recurring flashpoints (default: Feb, Mar, Apr, Aug).",
    )
    size: float = Field(0.01, gt=0, le=1, description="Smallest incident: the Pareto minimum of the dispute opened.")
    tail: float = Field(1.5, ge=0.5, le=10, description="Pareto tail index of incident sizes (smaller: heavier tail).")
    cap: float = Field(0.4, gt=0, le=1, description="Largest incident size.")
    major: float = Field(
        0.15, ge=0, le=1, description="Size from which an incident also raises both publics' antipathy by its size."
    )

    @model_validator(mode="after")
    def _size_within_cap(self):
        if self.size > self.cap:
            raise ValueError(f"size ({self.size}) is above cap ({self.cap}): every incident would be the cap")
        return self

    @field_validator("flashpoints")
    @classmethod
    def _months(cls, v):
        if any(not 1 <= m <= 12 for m in v) or len(set(v)) != len(v):
            raise ValueError("flashpoints must be distinct months of the year, 1 to 12")
        return v

    handler: ClassVar = staticmethod(history_incidents)

    def args(self, start: str) -> tuple[float, ...]:
        first = int(start[5:7]) - 1  # month of the year (0-11) of step 0
        bits = sum(1 << ((m - 1 - first) % 12) for m in self.flashpoints)  # bit i: steps t with t % 12 == i
        return (self.rate_per_month, self.flashpoint_rate, float(bits), self.size, self.tail, self.cap, self.major)


@njit
def us_retrenchment(s, c, a, t, first, last, u):
    """Compiled handler of ``us_retrenchment``: a = (chance to enter, chance to leave, cut, brokerage kept, initial)."""
    usa.retrench(s, t == max(first, 0), a[0], a[1], a[4], u[0])
    if s[S.US_REGIME] == 1.0:
        usa.cut(s, a[2], a[3])
    if t == last:  # the process ends with its window
        s[S.US_REGIME] = 0.0


class UsRetrenchment(Process):
    """US commitment regimes: a switching process between steady commitment and retrenchment.

    Example: the 2017-2020 administration's talk of withdrawing troops from Korea, its
    demand for a fivefold rise in host-nation support (2019) and its absence as a broker
    during the 2019 trade dispute until November. Each month a steady United States enters
    retrenchment with chance ``enter`` and a retrenching one returns with chance ``leave``
    (a two-state Markov chain; mean spells 1/enter and 1/leave months). While retrenching,
    the commitment signal to both allies is cut by ``cut`` and only ``brokerage`` of the
    brokerage effort is kept (0: the US does not broker at all). ``initial`` is the regime in
    the first month (``stationary``: drawn from the chain's long-run shares), the run's first
    month if the window opened before it; the regime ends with the window. Two such processes
    would share one regime: give a scenario one.
    """

    type: Literal["us_retrenchment"]
    example: ClassVar[str] = "Troop-withdrawal talk and SMA demands, 2018-2019"
    draws: ClassVar[int] = 1
    moves: ClassVar[dict[str, int]] = {"USA.commitment_to.ROK": -1, "USA.commitment_to.JPN": -1}
    sample: ClassVar[dict[str, object]] = {"from": "2025-04", "to": "2025-05", "initial": "retrenched"}
    enter: float = Field(0.01, ge=0, le=1, description="Monthly chance that a steady US starts retrenching.")
    leave: float = Field(0.02, ge=0, le=1, description="Monthly chance that a retrenching US returns to steady.")
    cut: float = Field(0.15, ge=0, le=1, description="Cut in the commitment signal to both allies while retrenching.")
    brokerage: float = Field(
        0.3, ge=0, le=1, description="Share of the brokerage effort kept while retrenching (0: no brokerage at all)."
    )
    initial: Literal["steady", "retrenched", "stationary"] = Field(
        "steady", description="Regime in the first active month."
    )

    handler: ClassVar = staticmethod(us_retrenchment)

    def args(self, start: str) -> tuple[float, ...]:
        initial = {"steady": 0.0, "retrenched": 1.0, "stationary": -1.0}[self.initial]
        return (self.enter, self.leave, self.cut, self.brokerage, initial)


@njit
def agreement(s, c, a, t, first, last, u):
    """Compiled handler of ``agreement``: a = (depth,)."""
    ally.sign(s, a[0])


class Agreement(DatedEvent):
    """A ROK-JPN agreement takes effect: it deepens the institutional stock and can be repudiated.

    Example: the General Security of Military Information Agreement (November 2016); the
    comfort-women agreement (December 2015), whose foundation Seoul dissolved in 2018-19. While
    the agreements are in force, a government whose public no longer holds them may repudiate
    them (``parameters.agreements``), an observable event (``agreement_repudiated``).
    """

    type: Literal["agreement"]
    example: ClassVar[str] = "GSOMIA, 2016-11; comfort-women agreement, 2015-12"
    moves: ClassVar[dict[str, int]] = {"institutions": +1, "agreement": +1}
    sample: ClassVar[dict[str, object]] = {"at": "2025-04", "depth": 0.3}
    depth: float = Field(
        0.2, ge=0, le=1, description="Share of the institutional stock still to build that the agreement adds."
    )

    handler: ClassVar = staticmethod(agreement)

    def args(self, start: str) -> tuple[float, ...]:
        return (self.depth,)


@njit(inline="always")
def fire(s, c, t, r, events, d, z, u):
    """Run the handler of each of replication ``r``'s events whose window holds month ``t``, in table order.

    ``events`` is the ensemble's event table (:class:`alliance_sim.ensemble.Ensemble`); event ``e``'s
    uniforms of the month are ``d[z + N_DRAWS * e]`` onwards (``draws`` of them, the rest read as 0.5),
    copied to the scratch ``u``; its numbers ``a`` are read in place, from its row of the table. The
    handler of a kind is picked by its number (its place in :data:`EVENT_TYPES`) in this loop's body:
    dispatching through a further function costs a call and copies of the arrays it passes at every
    event (a sixth of the month step).
    """
    kinds, _streams, draws, first, last, args = events
    for e in range(len(kinds)):
        start, end = first[r, e], last[r, e]
        if not start <= t <= end:
            continue
        for q in range(N_DRAWS):
            u[q] = d[z + N_DRAWS * e + q] if q < draws[e] else 0.5
        a = args[r, e]
        kind = kinds[e]
        if kind == 0:
            missile_tests(s, c, a, t, start, end, u)
        elif kind == 1:
            nuclear_test(s, c, a, t, start, end, u)
        elif kind == 2:
            impeachment(s, c, a, t, start, end, u)
        elif kind == 3:
            election(s, c, a, t, start, end, u)
        elif kind == 4:
            political_transition(s, c, a, t, start, end, u)
        elif kind == 5:
            history_dispute(s, c, a, t, start, end, u)
        elif kind == 6:
            us_burden_sharing(s, c, a, t, start, end, u)
        elif kind == 7:
            us_reassurance(s, c, a, t, start, end, u)
        elif kind == 8:
            us_brokerage(s, c, a, t, start, end, u)
        elif kind == 9:
            china_coercion(s, c, a, t, start, end, u)
        elif kind == 10:
            prk_russia_alignment(s, c, a, t, start, end, u)
        elif kind == 11:
            summit(s, c, a, t, start, end, u)
        elif kind == 12:
            us_tariffs(s, c, a, t, start, end, u)
        elif kind == 13:
            history_incidents(s, c, a, t, start, end, u)
        elif kind == 14:
            us_retrenchment(s, c, a, t, start, end, u)
        elif kind == 15:
            agreement(s, c, a, t, start, end, u)
