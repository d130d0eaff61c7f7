"""The model-event interface: the month's event inputs, and the surface of the model events act on.

Most events act on an actor through one of its documented hooks
(``aggrieve``, ``signal``, ``coerce``...). A few only set *inputs* for the
month: the missile-test rates and the nuclear-test flag, which PRK turns into
launches and a threat shock in phase 2. Those inputs live here, in one typed
structure that the model resets at the start of every month, so that mypy
checks every read and write of them and an event cannot add a field by a typo.

:class:`EventHost` is everything else an event may touch on the model; mypy
checks the events against it, and the model against it where it applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol, overload

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .actors import Ally, China, NorthKorea, UnitedStates
    from .scenario import Scenario


@dataclass(slots=True)
class Inputs:
    """Event inputs of one month, reset to :meth:`quiet` before the month's events fire.

    Attributes
    ----------
    prk_rate : float, missiles per month
        Baseline rate of North Korean non-ICBM launches this month: the sum over
        active ``missile_tests`` processes of ``rate_per_month * (1 - icbm_share)``.
        A scalar, the same in every replication; PRK multiplies it by its
        boldness (action-reaction, Russian backing, detente), shape (R,).
    icbm_rate : float, ICBMs per month
        Baseline rate of ICBM launches this month: the sum of
        ``rate_per_month * icbm_share`` over active ``missile_tests``. A scalar, as
        ``prk_rate``.
    nuclear : bool array, shape (R,)
        Whether PRK conducts a nuclear test this month, per replication (set by
        ``nuclear_test``). PRK adds ``walt.nuclear_shock`` to its threat shock
        where it is true.
    """

    prk_rate: float
    icbm_rate: float
    nuclear: npt.NDArray[np.bool_]

    @classmethod
    def quiet(cls, replications: int) -> Inputs:
        """The inputs of a month without events: no missile tests, no nuclear test."""
        return cls(prk_rate=0.0, icbm_rate=0.0, nuclear=np.zeros(replications, dtype=bool))


class EventHost(Protocol):
    """The surface of :class:`alliance_sim.model.AllianceModel` that events act on.

    Attributes
    ----------
    spec : the scenario (events read its ``start`` to place their window).
    months : the horizon, in months.
    inputs : this month's event inputs, reset before the events fire.
    """

    spec: Scenario
    months: int
    inputs: Inputs

    @overload
    def actor(self, code: Literal["ROK", "JPN"]) -> Ally: ...
    @overload
    def actor(self, code: Literal["USA"]) -> UnitedStates: ...
    @overload
    def actor(self, code: Literal["PRK"]) -> NorthKorea: ...
    @overload
    def actor(self, code: Literal["CHN"]) -> China: ...
    def actor(self, code: str) -> Ally | UnitedStates | NorthKorea | China:
        """The agent of state ``code``, through its documented hooks."""

    def summit(self, parties: Sequence[str], magnitude: float) -> None:
        """Boost cooperation among the allied parties; with PRK present, detente."""
