"""Base classes: a state is a Mesa agent whose every variable is a vector over R replications."""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

STANCE = {"conservative": 1.0, "progressive": -1.0}


class State(mesa.Agent):
    """A state actor. Every state variable is a numpy vector of length R (one per replication)."""

    code: ClassVar[str]

    def __init__(self, model):
        super().__init__(model)
        self.R = model.R
        self.p = model.p

    def full(self, value) -> np.ndarray:
        """A fresh state vector filled with ``value``."""
        return np.full(self.R, value, dtype=float)


class Ally(State):
    """A junior ally (ROK or JPN): perceives threat, abandonment and entrapment,
    sets its cooperation, and is held back by its domestic gate.

    State vectors
    -------------
    stance : +1 conservative (pro-alignment) or -1 progressive government.
    interim : an acting government is in office (the gate freezes).
    approval, approval_anchor : government approval and its long-run level.
    antipathy, antipathy_anchor : public unfavourability toward the partner (grievance).
    perceived : perceived US commitment; abandonment = 1 - perceived.
    threat, entrapment : Walt's threat and Snyder's entrapment fear.
    audience_gap : how far elite cooperation runs ahead of what the public accepts
        (coop - (1 - antipathy), floored at 0): the stored audience cost.
    """

    partner: ClassVar[str]

    def __init__(self, model, init):
        super().__init__(model)
        self.init = init
        self.stance = self.full(STANCE[init.government])
        self.interim = np.full(self.R, init.interim, dtype=bool)
        self.approval = self.full(init.approval)
        self.approval_anchor = self.full(init.approval if init.approval_anchor is None else init.approval_anchor)
        self.antipathy = self.full(init.antipathy)
        self.antipathy_anchor = self.full(init.antipathy if init.antipathy_anchor is None else init.antipathy_anchor)
        self.perceived = self.full(model.spec.actors.USA.commitment * init.us_trust)
        self.threat = self.full(0.0)
        self.entrapment = self.full(0.0)
        self.audience_gap = self.full(0.0)

    @property
    def abandonment(self) -> np.ndarray:
        """Snyder's abandonment fear: 1 - perceived US commitment."""
        return 1.0 - self.perceived

    # ---- phase 4: perception (Walt, Snyder)

    def perceive(self) -> None:
        m, p = self.model, self.p
        usa, prk, chn = m.actor("USA"), m.actor("PRK"), m.actor("CHN")
        self.perceived += p.snyder.perception_rate * (
            usa.commitment_to[self.code] * self.init.us_trust - self.perceived
        )
        threat = self.init.prk_proximity * prk.threat + self.init.chn_proximity * chn.threat_to[self.code]
        self.threat = threat.clip(0, 1)
        tension = usa.tension + p.chn.entrapment_weight * chn.pressure_on(self.code)
        self.entrapment = (self.init.china_exposure * tension).clip(0, 1)

    # ---- phase 4: cooperation targets

    def cha_terms(self) -> dict[str, np.ndarray]:
        """Cha's quasi-alliance target toward the other junior ally, term by term."""
        cha = self.p.cha
        other = self.model.actor(self.partner)
        a_self, a_other = self.abandonment, other.abandonment
        return {
            "baseline": cha.baseline,
            "threat": cha.shared_threat * np.minimum(self.threat, other.threat),
            "abandonment": cha.symmetric_abandonment * np.minimum(a_self, a_other),
            "asymmetry": -cha.asymmetric_abandonment * np.abs(a_self - a_other),
            "grievance": -cha.grievance * self.antipathy,
            "brokerage": cha.brokerage * self.model.actor("USA").effort,
            "stance": cha.stance * self.stance,
            "events": self.model.summit_boost[(self.code, self.partner)],
        }

    def snyder_terms(self) -> dict[str, np.ndarray]:
        """Snyder's security dilemma: move toward the patron when abandonment fear exceeds entrapment fear."""
        s = self.p.snyder
        return {
            "baseline": s.baseline,
            "abandonment": s.dilemma * (self.abandonment - self.entrapment),
            "threat": s.threat * self.threat,
            "events": self.model.summit_boost[(self.code, "USA")],
        }

    # ---- phase 4: the move, with reciprocity and the domestic gate

    def winset(self) -> tuple[np.ndarray, np.ndarray]:
        """Putnam's win-set: the largest cooling and warming move this month.

        An interim government freezes both ways (no new initiatives, no collapse).
        Public antipathy shrinks the room for warming moves only.
        """
        g = self.p.gate
        room = g.winset_base + g.winset_approval * self.approval
        warm = room * (1 - g.antipathy_drag * self.antipathy)
        cool = np.where(self.interim, g.interim_winset, room)
        warm = np.where(self.interim, g.interim_winset, warm)
        return cool, warm

    def move(
        self, partner: str, target_terms: dict, z: np.ndarray, bounds: tuple[np.ndarray, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """This month's change in cooperation toward ``partner``, split into contributions.

        Axelrod's reciprocity with noise: the ally answers the partner's last move
        (its change in cooperation toward the ally), read with misperception noise.
        A misread can start a feud of mutual cooling; forgiveness damps it.
        ``bounds`` is the win-set as the lowest and highest move, ``(-cool, warm)``.
        """
        m, ax = self.model, self.p.axelrod
        own = m.coop[(self.code, partner)]
        their_move = m.last_move[(partner, self.code)]
        parts = {k: ax.adjustment_rate * v for k, v in target_terms.items()}
        parts["baseline"] = parts["baseline"] - ax.adjustment_rate * own
        # Tit for tat on moves: answer the partner's last move as perceived; an
        # apparent defection is answered only in part (forgiveness ends feuds).
        seen = their_move + ax.misperception * z
        weight = np.where(seen < 0, ax.reciprocity * (1 - ax.forgiveness), ax.reciprocity)
        parts["reciprocity"] = weight * their_move
        parts["noise"] = weight * ax.misperception * z
        raw = sum(parts.values())
        new = (own + raw.clip(*bounds)).clip(0, 1)
        parts["gate"] = (new - own) - raw
        m.next_coop[(self.code, partner)] = new
        return parts

    def set_cooperation(self, z_partner: np.ndarray, z_usa: np.ndarray) -> dict[str, np.ndarray]:
        """Set cooperation toward the partner ally and the patron; return the partner move's parts."""
        cool, warm = self.winset()  # one domestic gate for both moves
        bounds = (-cool, warm)
        self.move("USA", self.snyder_terms(), z_usa, bounds)
        return self.move(self.partner, self.cha_terms(), z_partner, bounds)

    # ---- phase 5: domestic politics

    def update_politics(self, z: np.ndarray) -> None:
        """Approval drifts, pays the audience cost of warming toward an unpopular partner; grievances fade slowly."""
        d, g, m = self.p.domestic, self.p.gate, self.model
        warming = np.maximum(m.next_coop[(self.code, self.partner)] - m.coop[(self.code, self.partner)], 0)
        self.approval = (
            self.approval
            + d.approval_reversion * (self.approval_anchor - self.approval)
            + d.approval_noise * z
            - g.audience_cost * self.antipathy * warming
        ).clip(0, 1)
        self.antipathy = (self.antipathy + d.grievance_reversion * (self.antipathy_anchor - self.antipathy)).clip(0, 1)
        self.audience_gap = np.maximum(m.next_coop[(self.code, self.partner)] - (1 - self.antipathy), 0)

    # ---- event hooks

    def aggrieve(self, magnitude: float) -> None:
        """A historical-grievance shock raises public antipathy toward the partner."""
        self.antipathy = (self.antipathy + magnitude).clip(0, 1)

    def relieve(self, magnitude: float) -> None:
        """A summit eases public antipathy."""
        self.antipathy = (self.antipathy - magnitude).clip(0, 1)

    def hold_election(self, u: np.ndarray, advantage: float) -> None:
        """The incumbent camp keeps office with a logistic chance in approval; else the other camp takes over."""
        d = self.p.domestic
        keep = u < 1.0 / (1.0 + np.exp(-d.election_sensitivity * (self.approval + advantage - d.election_midpoint)))
        self.stance = np.where(keep, self.stance, -self.stance)
        self.approval = np.where(keep, self.approval, d.honeymoon)
        self.approval_anchor = np.where(keep, self.approval_anchor, d.election_midpoint)
        self.interim[:] = False

    def install(self, government: str, approval: float | None) -> None:
        """A forced change of government."""
        d = self.p.domestic
        self.stance[:] = STANCE[government]
        self.approval[:] = d.honeymoon if approval is None else approval
        self.approval_anchor[:] = d.election_midpoint
        self.interim[:] = False
