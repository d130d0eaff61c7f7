"""South Korea (ROK)."""

from .. import slots as S
from .base import Ally


class SouthKorea(Ally):
    """The Republic of Korea: a junior US ally with a presidential system whose
    camps differ sharply on Japan (conservatives align, progressives stress the
    historical grievance), and whose acting governments cannot start or end
    initiatives (Dec 2024 - Jun 2025). Most exposed to PRK and to Chinese
    economic coercion (THAAD, 2016-17). Its update is :mod:`.base`'s, with ``k = 0``."""

    code = "ROK"
    partner = "JPN"
    base = S.ROK * S.ALLY_SLOTS
