"""The five state agents."""

from .base import Ally, State
from .chn import China
from .jpn import Japan
from .prk import NorthKorea
from .rok import SouthKorea
from .usa import UnitedStates

__all__ = ["Ally", "China", "Japan", "NorthKorea", "SouthKorea", "State", "UnitedStates"]
