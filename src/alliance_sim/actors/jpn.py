"""Japan (JPN)."""

from .base import Ally


class Japan(Ally):
    """Japan: a junior US ally facing PRK missiles over its territory and
    Chinese maritime pressure in the East China Sea. Its public's view of ROK
    hardened after the 2018 forced-labour rulings (Genron NPO)."""

    code = "JPN"
    partner = "ROK"
