"""The United States (USA): the patron."""

import numpy as np

from .base import State


class UnitedStates(State):
    """The patron of both junior allies.

    State vectors
    -------------
    shock[ally] : decaying shocks to the commitment signal (burden-sharing < 0, reassurance > 0).
    commitment_to[ally] : the commitment signal each ally reads, baseline + shock, in [0, 1].
    effort : brokerage effort this month, rising as ROK-JPN cooperation sinks below the threshold,
        plus any dated push (``us_brokerage``).
    push : decaying dated brokerage push.
    tension : US-China tension, raised by Chinese maritime pressure.
    """

    code = "USA"

    def __init__(self, model, init):
        super().__init__(model)
        self.init = init
        self.shock = {a: self.full(0.0) for a in ("ROK", "JPN")}
        self.commitment_to = {a: self.full(init.commitment) for a in ("ROK", "JPN")}
        self.effort = self.full(0.0)
        self.push = self.full(0.0)
        self.tension = self.full(init.china_tension)

    def act(self, coop_rok_jpn: np.ndarray, maritime: np.ndarray) -> None:
        """Phase 3: commitment signals, brokerage effort and tension."""
        s = self.p.snyder
        for ally in self.shock:
            self.commitment_to[ally] = (self.init.commitment + self.shock[ally]).clip(0, 1)
            self.shock[ally] = self.shock[ally] * (1 - s.commitment_recovery)
        self.effort = (self.brokerage(coop_rok_jpn) + self.push).clip(0, 1)
        self.push = self.push * (1 - s.commitment_recovery)
        self.tension = (self.init.china_tension + self.p.chn.tension_weight * maritime).clip(0, 1)

    def brokerage(self, coop_rok_jpn: np.ndarray) -> np.ndarray:
        """Patron brokerage: effort grows as ROK-JPN cooperation falls below the threshold
        (the US pressed Seoul to keep GSOMIA hours before it expired, November 2019).
        A transactional administration brokers less."""
        b = self.p.brokerage
        shortfall = ((b.threshold - coop_rok_jpn) / b.width).clip(0, 1)
        return self.init.brokerage * (1 - b.transactional_discount * self.init.transactionalism) * shortfall

    def set_cooperation(self, z: dict) -> None:
        """US cooperation toward each ally follows its commitment signal, partly reciprocating the ally."""
        m, s, ax = self.model, self.p.snyder, self.p.axelrod
        for ally in ("ROK", "JPN"):
            own, theirs = m.coop[("USA", ally)], m.coop[(ally, "USA")]
            target = (1 - s.us_reciprocity) * self.commitment_to[ally] + s.us_reciprocity * theirs
            target = target + m.summit_boost[("USA", ally)]
            step = ax.adjustment_rate * (target - own) + ax.reciprocity * ax.misperception * z[ally]
            m.next_coop[("USA", ally)] = (own + step).clip(0, 1)

    def press(self, magnitude: float) -> None:
        """A dated brokerage push (diplomatic pressure on both allies)."""
        self.push = self.push + magnitude

    def signal(self, target: str, delta: float, transactional: bool) -> None:
        """A burden-sharing demand (delta < 0, scaled by transactionalism) or a reassurance (delta > 0)."""
        scale = 0.5 + self.init.transactionalism if transactional else 1.0
        for ally in ("ROK", "JPN") if target == "both" else (target,):
            self.shock[ally] = self.shock[ally] + delta * scale
