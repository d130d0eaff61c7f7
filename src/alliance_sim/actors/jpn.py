"""Japan (JPN)."""

from .. import slots as S
from .base import Ally


class Japan(Ally):
    """Japan: a junior US ally facing PRK missiles over its territory and
    Chinese maritime pressure in the East China Sea. Its public's view of ROK
    hardened after the 2018 forced-labour rulings (Genron NPO). Its update is
    :mod:`.base`'s, with ``k = 1``."""

    code = "JPN"
    partner = "ROK"
    base = S.JPN * S.ALLY_SLOTS
