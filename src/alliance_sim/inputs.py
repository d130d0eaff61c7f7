"""The month's event inputs: what events write in phase 1 and the actors read afterwards.

Most events act on an actor through one of its documented hooks
(``aggrieve``, ``signal``, ``coerce``...). A few only set *inputs* for the
month: the missile-test rates and the nuclear-test flag, which PRK turns into
launches and a threat shock in phase 2. Those inputs live here, in one typed
structure that the model resets at the start of every month, so that mypy
checks every read and write of them and an event cannot add a field by a typo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


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
