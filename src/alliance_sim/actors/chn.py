"""China (CHN)."""

from .. import slots as S
from ..columns import col
from ..jit import njit
from .base import PerAlly, Slot, State, clip01

PRESSURE = col("actors.CHN.pressure")
MARITIME = col("actors.CHN.maritime")
COHESION_REACTION = col("chn.cohesion_reaction")
COHESION_REFERENCE = col("chn.cohesion_reference")
PRESSURE_DECAY = col("chn.pressure_decay")
THREAT_WEIGHT = col("chn.threat_weight")
TIES = col("actors.CHN.ties")
TIES_RATE = col("chn.ties_rate")
TIES_COERCION = col("chn.ties_coercion")
TRADE_GROWTH = col("chn.trade_growth")
TRADE_COERCION = col("chn.trade_coercion")


@njit
def init_chn(s, c):
    for k in range(2):
        s[S.CHN_ECON_SHOCK + k] = 0.0
    s[S.CHN_PRESSURE] = c[PRESSURE]
    s[S.CHN_PRESSURE + 1] = 0.0
    for k in range(2):
        s[S.CHN_MARITIME_SHOCK + k] = 0.0
        s[S.CHN_THREAT + k] = c[THREAT_WEIGHT] * c[MARITIME]
    s[S.CHN_TIES] = c[TIES]
    s[S.CHN_TRADE] = 1.0


@njit
def relate_to_rok(s, c):
    """The two channels of ROK-China relations under coercion (pattern 5, THAAD 2016-17): economic
    coercion of ROK pulls political cooperation down toward ``ties - ties_coercion x shock`` (summits
    and exchanges are frozen: the coercion is a political signal), while it only slows the trend
    growth of trade (boycotts hit a few sectors; aggregate trade kept growing)."""
    shock = s[S.CHN_ECON_SHOCK]
    target = clip01(c[TIES] - c[TIES_COERCION] * shock)
    s[S.CHN_TIES] += c[TIES_RATE] * (target - s[S.CHN_TIES])
    s[S.CHN_TRADE] *= 1.0 + c[TRADE_GROWTH] - c[TRADE_COERCION] * shock


@njit
def act(s, c, cohesion):
    """Phase 2: set the wedge pressure on ROK and the maritime threat to each ally; ROK-China
    political cooperation and trade answer this month's economic coercion of ROK."""
    relate_to_rok(s, c)
    wedge = c[COHESION_REACTION] * max(cohesion - c[COHESION_REFERENCE], 0.0)
    s[S.CHN_PRESSURE] = clip01(c[PRESSURE] + wedge + s[S.CHN_ECON_SHOCK])
    s[S.CHN_PRESSURE + 1] = clip01(s[S.CHN_ECON_SHOCK + 1])  # JPN: coercion only, no standing wedge
    for k in range(2):
        s[S.CHN_ECON_SHOCK + k] *= 1.0 - c[PRESSURE_DECAY]
    for k in range(2):
        s[S.CHN_THREAT + k] = clip01(c[THREAT_WEIGHT] * (c[MARITIME] + s[S.CHN_MARITIME_SHOCK + k]))
        s[S.CHN_MARITIME_SHOCK + k] *= 1.0 - c[PRESSURE_DECAY]


@njit
def maritime(s):
    """Mean maritime pressure shock on the two allies (feeds US-China tension)."""
    return 0.5 * (s[S.CHN_MARITIME_SHOCK] + s[S.CHN_MARITIME_SHOCK + 1])


@njit
def coerce(s, economic, target, magnitude, first):
    """A coercion shock, economic or maritime, on ``target`` (0 ROK, 1 JPN, 2 both): added in its
    ``first`` month, then held at ``magnitude`` at least while the coercion lasts."""
    shock = S.CHN_ECON_SHOCK if economic else S.CHN_MARITIME_SHOCK
    for k in range(2):
        if target == 2 or target == k:
            s[shock + k] = s[shock + k] + magnitude if first else max(s[shock + k], magnitude)


class China(State):
    """The PRC's wedge strategy: coerce ROK when trilateral cohesion rises or a
    trigger occurs (THAAD, 2016-17), coerce either ally economically (the 2010
    rare-earth curbs on Japan), and press both allies at sea (Yellow Sea
    structures, 2025). The economic channel (pressure, entrapment fear) and the
    maritime channel (threat) are separate, and so are the political and the
    trade sides of ROK-China relations under economic coercion: political
    cooperation falls while trade keeps growing (THAAD, 2016-17).

    State vectors
    -------------
    pressure : economic and political pressure on ROK (0..1), the wedge.
    pressure_on[ally] : economic pressure on each ally (ROK's is ``pressure``).
    econ_shock[ally] : decaying economic coercion of each ally.
    maritime_shock[ally] : decaying maritime pressure on each ally.
    threat_to[ally] : threat CHN poses to each ally (maritime assertiveness).
    ties : ROK-China political cooperation (summits, high-level exchanges), 0..1.
    trade : ROK-China trade, an index (1 at the start of the storyline).
    """

    code = "CHN"
    pressure = Slot(S.CHN_PRESSURE)
    pressure_on = PerAlly(S.CHN_PRESSURE)
    econ_shock = PerAlly(S.CHN_ECON_SHOCK)
    maritime_shock = PerAlly(S.CHN_MARITIME_SHOCK)
    threat_to = PerAlly(S.CHN_THREAT)
    ties = Slot(S.CHN_TIES)
    trade = Slot(S.CHN_TRADE)
