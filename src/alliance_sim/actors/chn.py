"""China (CHN)."""

import numpy as np

from .base import State


class China(State):
    """The PRC's wedge strategy: coerce ROK when trilateral cohesion rises or a
    trigger occurs (THAAD, 2016-17), and press both allies at sea (Yellow Sea
    structures, 2025). The economic channel (pressure on ROK) and the maritime
    channel (threat) are separate.

    State vectors
    -------------
    pressure : economic and political pressure on ROK (0..1), the wedge.
    econ_shock : decaying coercion shock on ROK.
    maritime_shock[ally] : decaying maritime pressure on each ally.
    threat_to[ally] : threat CHN poses to each ally (maritime assertiveness).
    """

    code = "CHN"

    def __init__(self, model, init):
        super().__init__(model)
        self.init = init
        self.econ_shock = self.full(0.0)
        self.maritime_shock = {a: self.full(0.0) for a in ("ROK", "JPN")}
        self.pressure = self.full(init.pressure)
        self.threat_to = {a: self.full(self.p.chn.threat_weight * init.maritime) for a in ("ROK", "JPN")}

    def act(self, cohesion: np.ndarray) -> None:
        """Phase 2: set the wedge pressure on ROK and the maritime threat."""
        c = self.p.chn
        wedge = c.cohesion_reaction * np.maximum(cohesion - c.cohesion_reference, 0)
        self.pressure = (self.init.pressure + wedge + self.econ_shock).clip(0, 1)
        self.econ_shock = self.econ_shock * (1 - c.pressure_decay)
        for ally, shock in self.maritime_shock.items():
            self.threat_to[ally] = (c.threat_weight * (self.init.maritime + shock)).clip(0, 1)
            self.maritime_shock[ally] = shock * (1 - c.pressure_decay)

    def maritime(self) -> np.ndarray:
        """Mean maritime pressure shock on the two allies (feeds US-China tension)."""
        return 0.5 * (self.maritime_shock["ROK"] + self.maritime_shock["JPN"])

    def pressure_on(self, code: str) -> np.ndarray | float:
        """Economic pressure on ``code`` (only ROK is the wedge's target)."""
        return self.pressure if code == "ROK" else 0.0

    def coerce(self, channel: str, target: str, magnitude: float) -> None:
        """A coercion shock: economic (on ROK) or maritime (on the target)."""
        if channel == "economic":
            self.econ_shock = self.econ_shock + magnitude
            return
        for ally in ("ROK", "JPN") if target == "both" else (target,):
            self.maritime_shock[ally] = self.maritime_shock[ally] + magnitude
