"""North Korea (PRK)."""

import numpy as np

from ..draws import poisson_inverse
from .base import State


class NorthKorea(State):
    """The DPRK: a small winning coalition with no audience cost. Its missile
    tests follow a Poisson process whose rate rises with allied cohesion
    (action-reaction to exercises) and Russian backing, and falls in detente.

    State vectors
    -------------
    tests, icbms : missiles and ICBMs launched this month.
    activity : exponentially remembered tests per month.
    shock : decaying threat shock from ICBM and nuclear tests.
    russia : Russian backing (0..1); raises capability and boldness.
    detente : share of provocations suppressed by detente (0..1).
    threat : the threat PRK poses (Walt: capability + shown intent), 0..1.
    """

    code = "PRK"

    def __init__(self, model, init):
        super().__init__(model)
        self.init = init
        self.russia = self.full(init.russia_backing)
        self.detente = self.full(0.0)
        self.activity = self.full(0.0)
        self.shock = self.full(0.0)
        self.tests = self.full(0.0)
        self.icbms = self.full(0.0)
        self.threat = self.full(self.capability())

    def capability(self) -> np.ndarray:
        """Capability, raised by Russian technology transfer."""
        return self.init.capability * (1 + self.p.walt.russia_capability * self.russia)

    def boldness(self, cohesion: np.ndarray) -> np.ndarray:
        """Multiplier on the baseline test rate: action-reaction, Russian backing, detente."""
        k = self.p.prk
        return np.exp(k.cohesion_reaction * (cohesion - k.cohesion_reference) + k.russia_boldness * self.russia) * (
            1 - self.detente
        )

    def act(self, cohesion: np.ndarray, u: np.ndarray, nuclear: np.ndarray) -> None:
        """Phase 2: launch missiles (inverse-CDF Poisson on pre-drawn uniforms), update threat."""
        w, inputs = self.p.walt, self.model.inputs
        bold = self.boldness(cohesion)
        self.icbms = poisson_inverse(u[1], inputs.icbm_rate * bold)
        self.tests = poisson_inverse(u[0], inputs.prk_rate * bold) + self.icbms
        self.activity += w.activity_memory * (self.tests - self.activity)
        self.shock = self.shock * (1 - w.shock_decay) + w.icbm_shock * self.icbms + w.nuclear_shock * nuclear
        shown = w.activity_weight * self.activity / (self.activity + w.activity_saturation)
        self.threat = (self.capability() + shown + self.shock).clip(0, 1)
        self.detente = self.detente * (1 - self.p.diplomacy.detente_decay)

    def back(self, magnitude: float) -> None:
        """Deeper Russian backing (treaty, technology transfer)."""
        self.russia = (self.russia + magnitude).clip(0, 1)

    def relax(self, magnitude: float) -> None:
        """Detente after a summit with PRK."""
        self.detente = (self.detente + magnitude).clip(0, 1)
