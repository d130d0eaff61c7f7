"""The United States (USA): the patron."""

from .. import slots as S
from ..columns import col
from ..jit import njit
from .base import ADJUSTMENT_RATE, RECIPROCITY, PerAlly, Slot, State, clip01, misread

COMMITMENT = col("actors.USA.commitment")
TRANSACTIONALISM = col("actors.USA.transactionalism")
BROKERAGE = col("actors.USA.brokerage")
CHINA_TENSION = col("actors.USA.china_tension")
COOP_ROK = col("actors.USA.coop.ROK")
COOP_JPN = col("actors.USA.coop.JPN")
RECOVERY = col("snyder.commitment_recovery")
US_RECIPROCITY = col("snyder.us_reciprocity")
THRESHOLD = col("brokerage.threshold")
WIDTH = col("brokerage.width")
DISCOUNT = col("brokerage.transactional_discount")
TENSION_WEIGHT = col("chn.tension_weight")


@njit
def init_usa(s, c):
    for k in range(2):
        s[S.US_SHOCK + k] = 0.0
        s[S.US_COMMITMENT + k] = c[COMMITMENT]
    s[S.US_EFFORT] = 0.0
    s[S.US_PUSH] = 0.0
    s[S.US_TENSION] = c[CHINA_TENSION]
    s[S.COOP + 3 * S.USA + S.ROK] = c[COOP_ROK]
    s[S.COOP + 3 * S.USA + S.JPN] = c[COOP_JPN]


@njit
def brokerage(s, c, coop_rok_jpn):
    """Patron brokerage: effort grows as ROK-JPN cooperation falls below the threshold
    (the US pressed Seoul to keep GSOMIA hours before it expired, November 2019).
    A transactional administration brokers less."""
    shortfall = clip01((c[THRESHOLD] - coop_rok_jpn) / c[WIDTH])
    return c[BROKERAGE] * (1.0 - c[DISCOUNT] * c[TRANSACTIONALISM]) * shortfall


@njit
def act(s, c, coop_rok_jpn, maritime):
    """Phase 3: commitment signals, brokerage effort and US-China tension."""
    for k in range(2):
        taken = s[S.IN_TARIFF + k] + s[S.IN_RETRENCH]
        s[S.US_COMMITMENT + k] = clip01(c[COMMITMENT] + s[S.US_SHOCK + k] - taken)
        s[S.US_SHOCK + k] *= 1.0 - c[RECOVERY]
    s[S.US_EFFORT] = clip01(s[S.IN_BROKERAGE_KEPT] * brokerage(s, c, coop_rok_jpn) + s[S.US_PUSH])
    s[S.US_PUSH] *= 1.0 - c[RECOVERY]
    s[S.US_TENSION] = clip01(c[CHINA_TENSION] + c[TENSION_WEIGHT] * maritime)


@njit
def set_cooperation(s, c, u_rok, u_jpn):
    """US cooperation toward each ally follows its commitment signal, partly reciprocating the ally."""
    for k in range(2):
        u = u_rok if k == S.ROK else u_jpn
        own, theirs = s[S.COOP + 3 * S.USA + k], s[S.COOP + 3 * k + S.USA]
        target = (1.0 - c[US_RECIPROCITY]) * s[S.US_COMMITMENT + k] + c[US_RECIPROCITY] * theirs
        target += s[S.SUMMIT + 3 * S.USA + k]
        step = c[ADJUSTMENT_RATE] * (target - own) + c[RECIPROCITY] * misread(c, u)
        s[S.NEXT_COOP + 3 * S.USA + k] = clip01(own + step)


@njit
def tariff(s, target, magnitude):
    """US tariffs in force this month against ``target`` (0 ROK, 1 JPN, 2 both): a cut in its commitment signal."""
    for k in range(2):
        if target == 2 or target == k:
            s[S.IN_TARIFF + k] += magnitude


@njit
def retrench(s, starts, enter, leave, initial, u):
    """The US commitment regime this month (a two-state Markov chain on uniform ``u``): in the first
    month ``initial`` (0 steady, 1 retrenching, -1 drawn from the long-run shares), then switching."""
    if starts:
        stationary = enter / (enter + leave) if enter + leave > 0.0 else 0.0
        s[S.US_REGIME] = initial if initial >= 0.0 else (1.0 if u < stationary else 0.0)
    elif s[S.US_REGIME] == 1.0:
        s[S.US_REGIME] = 0.0 if u < leave else 1.0
    else:
        s[S.US_REGIME] = 1.0 if u < enter else 0.0


@njit
def cut(s, magnitude, kept):
    """Retrenchment this month: the commitment signal to both allies cut by ``magnitude``, only
    ``kept`` of the brokerage effort (the endogenous part) spent."""
    s[S.IN_RETRENCH] += magnitude
    s[S.IN_BROKERAGE_KEPT] *= kept


@njit
def press(s, magnitude):
    """A dated brokerage push (diplomatic pressure on both allies)."""
    s[S.US_PUSH] += magnitude


@njit
def signal(s, c, target, delta, transactional):
    """A burden-sharing demand (delta < 0, scaled by transactionalism) or a reassurance (delta > 0).

    ``target``: 0 ROK, 1 JPN, 2 both.
    """
    scale = 0.5 + c[TRANSACTIONALISM] if transactional else 1.0
    for k in range(2):
        if target == 2 or target == k:
            s[S.US_SHOCK + k] += delta * scale


class UnitedStates(State):
    """The patron of both junior allies.

    State vectors
    -------------
    shock[ally] : decaying shocks to the commitment signal (burden-sharing < 0, reassurance > 0).
    commitment_to[ally] : the commitment signal each ally reads, baseline + shock, in [0, 1].
    effort : brokerage effort this month, rising as ROK-JPN cooperation sinks below the threshold,
        plus any dated push (``us_brokerage``).
    push : decaying dated brokerage push.
    regime : 1 while the US retrenches (``us_retrenchment``), else 0.
    tension : US-China tension, raised by Chinese maritime pressure.
    """

    code = "USA"
    shock = PerAlly(S.US_SHOCK)
    commitment_to = PerAlly(S.US_COMMITMENT)
    effort = Slot(S.US_EFFORT)
    push = Slot(S.US_PUSH)
    regime = Slot(S.US_REGIME)
    tension = Slot(S.US_TENSION)
