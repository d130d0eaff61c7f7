"""Base classes, and the junior allies' compiled update.

A state is a Mesa agent whose every state variable is a vector over the R
replications of the ensemble: a view of a column of the model's state matrix
(see :mod:`alliance_sim.slots`). The update itself is a set of small compiled
functions over *one* replication: ``s`` is that replication's state row, ``c``
its coefficient row (:mod:`alliance_sim.columns`), ``k`` the ally (0 ROK, 1 JPN).
"""

from __future__ import annotations

import math
from typing import ClassVar

import mesa
import numpy as np

from .. import slots as S
from ..columns import ALLY_COLUMNS, ALLY_INIT, CAMP, ally_column, col
from ..jit import njit
from ..metrics import coop_rok_jpn, top_rung
from ..philox import ndtri

__all__ = ["CAMP", "Ally", "State"]

# Initial-state columns of an ally, relative to its block.
I_CAMP = ally_column("government")
I_POSITION = ally_column("position")
I_INTERIM = ally_column("interim")
I_APPROVAL = ally_column("approval")
I_APPROVAL_ANCHOR = ally_column("approval_anchor")
I_ANTIPATHY = ally_column("antipathy")
I_ANTIPATHY_ANCHOR = ally_column("antipathy_anchor")
I_US_TRUST = ally_column("us_trust")
I_CHINA_EXPOSURE = ally_column("china_exposure")
I_PRK_PROXIMITY = ally_column("prk_proximity")
I_CHN_PROXIMITY = ally_column("chn_proximity")
I_COOP_PARTNER = ally_column("coop.partner")
I_COOP_USA = ally_column("coop.USA")
US_COMMITMENT_INIT = col("actors.USA.commitment")

CHA_BASELINE = col("cha.baseline")
CHA_SHARED_THREAT = col("cha.shared_threat")
CHA_SYMMETRIC = col("cha.symmetric_abandonment")
CHA_ASYMMETRIC = col("cha.asymmetric_abandonment")
CHA_GRIEVANCE = col("cha.grievance")
CHA_BROKERAGE = col("cha.brokerage")
CHA_STANCE = col("cha.stance")
CHA_VETO = col("cha.veto")
#: Mean positions by ally and camp: POSITION_MEAN[k][0] conservative, [k][1] progressive.
POSITION_MEAN = (
    (col("positions.rok_conservative"), col("positions.rok_progressive")),
    (col("positions.jpn_conservative"), col("positions.jpn_progressive")),
)
POSITION_SPREAD = col("positions.spread")
SNYDER_BASELINE = col("snyder.baseline")
SNYDER_DILEMMA = col("snyder.dilemma")
SNYDER_THREAT = col("snyder.threat")
PERCEPTION_RATE = col("snyder.perception_rate")
ENTRAPMENT_WEIGHT = col("chn.entrapment_weight")
WINSET_BASE = col("gate.winset_base")
WINSET_APPROVAL = col("gate.winset_approval")
ANTIPATHY_DRAG = col("gate.antipathy_drag")
INTERIM_WINSET = col("gate.interim_winset")
AUDIENCE_COST = col("gate.audience_cost")
INITIATIVE = col("gate.initiative")
INITIATIVE_FLOOR = col("gate.initiative_floor")
RECIPROCITY = col("axelrod.reciprocity")
FORGIVENESS = col("axelrod.forgiveness")
MISPERCEPTION = col("axelrod.misperception")
MISREAD_SIZE = col("axelrod.misread_size")
REVERSE_SHARE = col("axelrod.reverse_share")
ADJUSTMENT_RATE = col("axelrod.adjustment_rate")
APPROVAL_REVERSION = col("domestic.approval_reversion")
APPROVAL_NOISE = col("domestic.approval_noise")
GRIEVANCE_REVERSION = col("domestic.grievance_reversion")
ELECTION_SENSITIVITY = col("domestic.election_sensitivity")
ELECTION_MIDPOINT = col("domestic.election_midpoint")
HONEYMOON = col("domestic.honeymoon")
BUILD = col("institutions.build")
WITHER = col("institutions.decay")
RATCHET = col("institutions.ratchet")
EXIT_COST = col("institutions.exit_cost")
REPUDIATION = col("agreements.repudiation")
TOLERANCE = col("agreements.tolerance")
REPUDIATION_COST = col("agreements.cost")
MEETING_RATE = col("meetings.rate")
MEETING_FLOOR = col("meetings.floor")
MEETING_BOOST = col("meetings.boost")
SUMMIT_RELIEF = col("diplomacy.summit_relief")
ESCALATION = col("ladder.escalation")
DISPUTE_DECAY = col("ladder.dispute_decay")
HALT = col("ladder.halt")
SETTLED = col("ladder.settled")
DEESCALATION = col("ladder.deescalation")
TRADE_COST = col("ladder.trade_cost")
SECURITY_COST = col("ladder.security_cost")
RETALIATION = col("ladder.retaliation")
BOYCOTT = col("ladder.boycott")
#: Rungs of the escalation ladder (rung 1 is a diplomatic protest).
TRADE, SECURITY = 2.0, 3.0

# Driver terms of a cooperation move, in the order of metrics.DRIVERS.
T_BASELINE, T_THREAT, T_ABANDONMENT, T_ASYMMETRY, T_GRIEVANCE, T_BROKERAGE, T_STANCE, T_EVENTS = range(8)
T_LINKAGE, T_RECIPROCITY, T_NOISE, T_RATCHET, T_GATE, N_TERMS = 8, 9, 10, 11, 12, 13


@njit
def clip01(x):
    return min(max(x, 0.0), 1.0)


@njit
def init_ally(s, c, k):
    """Ally ``k``'s initial state, from its initial-state columns."""
    a, i = k * S.ALLY_SLOTS, ALLY_INIT + k * ALLY_COLUMNS
    s[a + S.CAMP] = c[i + I_CAMP]
    position = c[i + I_POSITION]
    s[a + S.POSITION] = camp_mean(c, k, s[a + S.CAMP]) if np.isnan(position) else position
    s[a + S.INTERIM] = c[i + I_INTERIM]
    s[a + S.APPROVAL] = c[i + I_APPROVAL]
    s[a + S.APPROVAL_ANCHOR] = c[i + I_APPROVAL_ANCHOR]
    s[a + S.ANTIPATHY] = c[i + I_ANTIPATHY]
    s[a + S.ANTIPATHY_ANCHOR] = c[i + I_ANTIPATHY_ANCHOR]
    s[a + S.PERCEIVED] = c[US_COMMITMENT_INIT] * c[i + I_US_TRUST]
    s[a + S.THREAT] = 0.0
    s[a + S.ENTRAPMENT] = 0.0
    s[a + S.AUDIENCE_GAP] = 0.0
    s[a + S.DISPUTE] = 0.0
    s[a + S.RUNG] = 0.0
    s[S.COOP + 3 * k + (1 - k)] = c[i + I_COOP_PARTNER]
    s[S.COOP + 3 * k + S.USA] = c[i + I_COOP_USA]


@njit
def camp_mean(c, k, camp):
    """The mean position of ally ``k``'s camp ``camp`` (+1 conservative, -1 progressive)."""
    return c[POSITION_MEAN[k][0]] if camp > 0 else c[POSITION_MEAN[k][1]]


@njit
def draw_position(c, k, camp, u):
    """A new government's position: its camp's mean plus a normal spread (from uniform ``u``), within -1..1."""
    return min(max(camp_mean(c, k, camp) + c[POSITION_SPREAD] * ndtri(u), -1.0), 1.0)


@njit
def joint_position(s, c):
    """The two governments' joint position: their mean, pulled toward the less forthcoming one (the veto)."""
    p_rok, p_jpn = s[S.ROK * S.ALLY_SLOTS + S.POSITION], s[S.JPN * S.ALLY_SLOTS + S.POSITION]
    return (1.0 - c[CHA_VETO]) * 0.5 * (p_rok + p_jpn) + c[CHA_VETO] * min(p_rok, p_jpn)


@njit
def abandonment(s, k):
    """Snyder's abandonment fear: 1 - perceived US commitment."""
    return 1.0 - s[k * S.ALLY_SLOTS + S.PERCEIVED]


# ---- phase 4: perception (Walt, Snyder)


@njit(inline="always")
def perceive(s, c, k):
    """Update perceived commitment toward the US signal; read threat (Walt) and entrapment fear (Snyder),
    which US-China tension and Chinese economic pressure on the ally raise."""
    a, i = k * S.ALLY_SLOTS, ALLY_INIT + k * ALLY_COLUMNS
    signal = s[S.US_COMMITMENT + k] * c[i + I_US_TRUST]
    s[a + S.PERCEIVED] += c[PERCEPTION_RATE] * (signal - s[a + S.PERCEIVED])
    threat = c[i + I_PRK_PROXIMITY] * s[S.PRK_THREAT] + c[i + I_CHN_PROXIMITY] * s[S.CHN_THREAT + k]
    s[a + S.THREAT] = clip01(threat)
    pressure = s[S.CHN_PRESSURE + k]  # the wedge on ROK, economic coercion of either
    s[a + S.ENTRAPMENT] = clip01(c[i + I_CHINA_EXPOSURE] * (s[S.US_TENSION] + c[ENTRAPMENT_WEIGHT] * pressure))


# ---- phase 4: cooperation targets


@njit(inline="always")
def cha_terms(s, c, k, terms):
    """Cha's quasi-alliance target toward the other junior ally, term by term, into ``terms``."""
    a, b = k * S.ALLY_SLOTS, (1 - k) * S.ALLY_SLOTS
    a_self, a_other = abandonment(s, k), abandonment(s, 1 - k)
    for q in range(N_TERMS):
        terms[q] = 0.0
    terms[T_BASELINE] = c[CHA_BASELINE]
    terms[T_THREAT] = c[CHA_SHARED_THREAT] * min(s[a + S.THREAT], s[b + S.THREAT])
    terms[T_ABANDONMENT] = c[CHA_SYMMETRIC] * min(a_self, a_other)
    terms[T_ASYMMETRY] = -c[CHA_ASYMMETRIC] * abs(a_self - a_other)
    terms[T_GRIEVANCE] = -c[CHA_GRIEVANCE] * s[a + S.ANTIPATHY]
    terms[T_BROKERAGE] = c[CHA_BROKERAGE] * s[S.US_EFFORT]
    terms[T_STANCE] = c[CHA_STANCE] * joint_position(s, c)  # the same for both directions: no cancelling
    terms[T_EVENTS] = s[S.SUMMIT + 3 * k + (1 - k)]
    terms[T_LINKAGE] = -linkage_cost(s, c)


@njit
def linkage_cost(s, c):
    """How far the higher rung of the two governments' ladders lowers both ROK-JPN targets."""
    rung = top_rung(s)
    return (c[TRADE_COST] if rung >= TRADE else 0.0) + (c[SECURITY_COST] if rung >= SECURITY else 0.0)


@njit(inline="always")
def snyder_terms(s, c, k, terms):
    """Snyder's security dilemma: move toward the patron when abandonment fear exceeds entrapment fear."""
    a = k * S.ALLY_SLOTS
    for q in range(N_TERMS):
        terms[q] = 0.0
    terms[T_BASELINE] = c[SNYDER_BASELINE]
    terms[T_ABANDONMENT] = c[SNYDER_DILEMMA] * (abandonment(s, k) - s[a + S.ENTRAPMENT])
    terms[T_THREAT] = c[SNYDER_THREAT] * s[a + S.THREAT]
    terms[T_EVENTS] = s[S.SUMMIT + 3 * k + S.USA]


# ---- phase 4: the move, with reciprocity and the domestic gate


@njit(inline="always")
def winset(s, c, k):
    """Putnam's win-set: the largest (cooling, warming) move this month.

    An interim government freezes both ways (no new initiatives, no collapse).
    Public antipathy shrinks the room for warming moves only, less so for a government
    that leads its public (:func:`initiative`).
    """
    a = k * S.ALLY_SLOTS
    if s[a + S.INTERIM] != 0.0:
        return c[INTERIM_WINSET], c[INTERIM_WINSET]
    room = c[WINSET_BASE] + c[WINSET_APPROVAL] * s[a + S.APPROVAL]
    drag = c[ANTIPATHY_DRAG] * s[a + S.ANTIPATHY] * (1.0 - initiative(s, c, k))
    return room, room * (1.0 - drag)


@njit(inline="always")
def initiative(s, c, k):
    """Leader initiative: the share of the public's drag on warming moves that a government
    overrides by moving ahead of its public (Kim Dae-jung and the 1998 Obuchi declaration).

    Only a pragmatist (position > 0) with approval above ``gate.initiative_floor`` can lead;
    the share grows with both. It pays through the audience cost of the warming it makes.
    """
    a = k * S.ALLY_SLOTS
    approval, position = s[a + S.APPROVAL], s[a + S.POSITION]
    # The share is computed either way so that the choice compiles to a select: who can lead varies
    # from one replication to the next, and a branch on it was often mispredicted.
    share = clip01(c[INITIATIVE] * position * (approval - c[INITIATIVE_FLOOR]) / (1.0 - c[INITIATIVE_FLOOR]))
    return 0.0 if (position <= 0.0) | (approval <= c[INITIATIVE_FLOOR]) else share


@njit
def misread(c, u):
    """What misperception adds to a move as seen (uniform ``u``): -size with chance
    ``misperception`` (cooperation read as defection), +size with the rarer reverse chance, else 0."""
    if u < c[MISPERCEPTION]:
        return -c[MISREAD_SIZE]
    if u > 1.0 - c[MISPERCEPTION] * c[REVERSE_SHARE]:
        return c[MISREAD_SIZE]
    return 0.0


@njit(inline="always")
def move(s, c, i, j, terms, u, cool, warm, brake):
    """Set next month's cooperation of ``i`` toward ``j``; ``terms`` turns into the move's contributions.

    Axelrod's reciprocity with noise: the ally answers the partner's last move
    (its change in cooperation toward the ally) as it reads it. Now and then it
    reads cooperation as a defection (Wu and Axelrod 1995), rarely the reverse
    (:func:`misread`, uniform ``u``); a perceived defection is answered only in
    part (forgiveness). Noise is a risk: it can start a feud of mutual cooling,
    and forgiveness lowers its cost without turning it into a gain. The win-set
    bounds the move to ``[-cool, warm]``; ``brake`` is the share of a cooling move that
    institutions hold back (the ratchet).
    """
    rate = c[ADJUSTMENT_RATE]
    own = s[S.COOP + 3 * i + j]
    theirs = s[S.LAST_MOVE + 3 * j + i]
    for q in range(T_RECIPROCITY):
        terms[q] *= rate
    terms[T_BASELINE] -= rate * own
    # Tit for tat on moves: answer the partner's last move as perceived; an
    # apparent defection is answered only in part (forgiveness ends feuds).
    error = misread(c, u)
    seen = theirs + error
    # Both weights are computed so that the choice compiles to a select: the sign of what is seen varies
    # from one replication to the next, and a branch on it was mispredicted about half the time.
    forgiving = c[RECIPROCITY] * (1.0 - c[FORGIVENESS])
    weight = forgiving if seen < 0 else c[RECIPROCITY]
    terms[T_RECIPROCITY] = weight * theirs
    terms[T_NOISE] = weight * error
    raw = 0.0
    for q in range(T_RATCHET):
        raw += terms[q]
    step = raw * (1.0 - brake) if raw < 0.0 else raw
    new = clip01(own + min(max(step, -cool), warm))
    terms[T_RATCHET] = step - raw
    terms[T_GATE] = (new - own) - step
    s[S.NEXT_COOP + 3 * i + j] = new


@njit(inline="always")
def set_cooperation(s, c, k, u_partner, u_usa, terms):
    """Set ally ``k``'s cooperation toward the patron and the partner; ``terms`` ends as the partner move's parts."""
    cool, warm = winset(s, c, k)  # one domestic gate for both moves
    snyder_terms(s, c, k, terms)
    move(s, c, k, S.USA, terms, u_usa, cool, warm, 0.0)
    cha_terms(s, c, k, terms)
    # the institutional ratchet: the stock holds back part of any cooling toward the partner
    move(s, c, k, 1 - k, terms, u_partner, cool, warm, c[RATCHET] * s[S.INSTITUTIONS])


# ---- phase 5: domestic politics


@njit(inline="always")
def update_politics(s, c, k, z):
    """Approval drifts, pays the audience cost of warming toward an unpopular partner and the exit
    cost of cutting institutionalised cooperation; grievances fade slowly."""
    a, j = k * S.ALLY_SLOTS, 1 - k
    next_coop = s[S.NEXT_COOP + 3 * k + j]
    warming = max(next_coop - s[S.COOP + 3 * k + j], 0.0)
    cooling = max(s[S.COOP + 3 * k + j] - next_coop, 0.0)
    approval, antipathy = s[a + S.APPROVAL], s[a + S.ANTIPATHY]
    s[a + S.APPROVAL] = clip01(
        approval
        + c[APPROVAL_REVERSION] * (s[a + S.APPROVAL_ANCHOR] - approval)
        + c[APPROVAL_NOISE] * z
        - c[AUDIENCE_COST] * antipathy * warming
        - c[EXIT_COST] * s[S.INSTITUTIONS] * cooling
    )
    s[a + S.ANTIPATHY] = clip01(antipathy + c[GRIEVANCE_REVERSION] * (s[a + S.ANTIPATHY_ANCHOR] - antipathy))
    s[a + S.AUDIENCE_GAP] = max(next_coop - (1.0 - s[a + S.ANTIPATHY]), 0.0)


# ---- institutions (phase 6, and the start)


@njit
def init_institutions(s, c):
    """The stock at its steady state for the initial ROK-JPN dyad."""
    dyad = coop_rok_jpn(s)
    total = c[BUILD] + c[WITHER]
    s[S.INSTITUTIONS] = c[BUILD] * dyad / total if total > 0.0 else dyad


@njit(inline="always")
def build_institutions(s, c):
    """Cooperation above the stock builds institutions; all of them wither slowly."""
    dyad = coop_rok_jpn(s)
    stock = s[S.INSTITUTIONS]
    s[S.INSTITUTIONS] = clip01(stock + c[BUILD] * max(dyad - stock, 0.0) - c[WITHER] * stock)


# ---- phase 1: leaders' meetings


@njit(inline="always")
def meet(s, c, u):
    """The ROK and JPN leaders meet this month with a chance that rises with last month's dyad
    (uniform ``u``); acting governments do not meet. A meeting boosts both targets and eases
    both publics' antipathy, as a summit does."""
    dyad = coop_rok_jpn(s)
    acting = s[S.ROK * S.ALLY_SLOTS + S.INTERIM] != 0.0 or s[S.JPN * S.ALLY_SLOTS + S.INTERIM] != 0.0
    chance = clip01(c[MEETING_RATE] * (dyad - c[MEETING_FLOOR]) / (1.0 - c[MEETING_FLOOR]))
    met = not acting and u < chance
    s[S.MEETING] = 1.0 if met else 0.0
    s[S.MEETING_GAP] = 0.0 if met else s[S.MEETING_GAP] + 1.0
    if met:
        s[S.SUMMIT + 3 * S.ROK + S.JPN] += c[MEETING_BOOST]
        s[S.SUMMIT + 3 * S.JPN + S.ROK] += c[MEETING_BOOST]
        relieve(s, S.ROK, c[SUMMIT_RELIEF] * c[MEETING_BOOST])
        relieve(s, S.JPN, c[SUMMIT_RELIEF] * c[MEETING_BOOST])


# ---- phase 5: issue linkage (the escalation ladder)


@njit(inline="always")
def escalate(s, c, k, u):
    """Ally ``k``'s government answers an open history dispute: up one rung with a chance that rises
    with the dispute, falls with cooperation toward the partner, with a pragmatist position and with
    US brokerage effort (uniform ``u``); down one rung now and then once the dispute is settled.
    Trade measures open a dispute in the partner's government and raise its public's antipathy."""
    a, b = k * S.ALLY_SLOTS, (1 - k) * S.ALLY_SLOTS
    dispute, rung = s[a + S.DISPUTE], s[a + S.RUNG]
    if dispute < c[SETTLED]:
        if rung > 0.0 and u < c[DEESCALATION]:
            s[a + S.RUNG] = rung - 1.0
    elif rung < SECURITY:
        coop = s[S.COOP + 3 * k + (1 - k)]
        hawk = 0.5 * (1.0 - s[a + S.POSITION])
        chance = c[ESCALATION] * dispute * (1.0 - coop) * hawk * (1.0 - c[HALT] * s[S.US_EFFORT])
        if u < chance:
            s[a + S.RUNG] = rung + 1.0
            if rung + 1.0 == TRADE:
                s[b + S.DISPUTE] = clip01(s[b + S.DISPUTE] + c[RETALIATION])
                s[b + S.ANTIPATHY] = clip01(s[b + S.ANTIPATHY] + c[BOYCOTT])
    s[a + S.DISPUTE] = dispute * (1.0 - c[DISPUTE_DECAY])


# ---- event hooks


@njit
def aggrieve(s, k, magnitude):
    """A historical-grievance shock raises public antipathy toward the partner and opens a dispute
    the government must answer (the escalation ladder)."""
    a = k * S.ALLY_SLOTS
    s[a + S.ANTIPATHY] = clip01(s[a + S.ANTIPATHY] + magnitude)
    s[a + S.DISPUTE] = clip01(s[a + S.DISPUTE] + magnitude)


@njit
def sign(s, depth):
    """A ROK-JPN agreement takes effect: the stock of institutions deepens by ``depth`` (of what is left
    to build), and the depth of the agreements in force grows alike."""
    s[S.INSTITUTIONS] = clip01(s[S.INSTITUTIONS] + depth * (1.0 - s[S.INSTITUTIONS]))
    s[S.AGREEMENT] = clip01(s[S.AGREEMENT] + depth * (1.0 - s[S.AGREEMENT]))


@njit(inline="always")
def repudiate(s, c, k, u):
    """Involuntary defection (Putnam): a government whose public no longer holds the agreements in
    force repudiates them with a chance that grows with antipathy above the tolerance and with how
    hawkish it is (uniform ``u``); an acting government does not. Repudiation removes their depth
    from the stock, lowers both ROK-JPN targets and opens a dispute in the partner's government."""
    a, b = k * S.ALLY_SLOTS, (1 - k) * S.ALLY_SLOTS
    depth = s[S.AGREEMENT]
    if depth <= 0.0 or s[a + S.INTERIM] != 0.0:
        return
    chance = c[REPUDIATION] * max(s[a + S.ANTIPATHY] - c[TOLERANCE], 0.0) * (1.0 - s[a + S.POSITION]) / 2.0
    if u < chance:
        s[S.INSTITUTIONS] = max(s[S.INSTITUTIONS] - depth, 0.0)
        s[S.AGREEMENT] = 0.0
        s[S.REPUDIATED] = 1.0
        s[S.SUMMIT + 3 * S.ROK + S.JPN] -= c[REPUDIATION_COST]
        s[S.SUMMIT + 3 * S.JPN + S.ROK] -= c[REPUDIATION_COST]
        s[b + S.DISPUTE] = clip01(s[b + S.DISPUTE] + depth)


@njit
def incident(s, k, size, major):
    """A random history incident opens a dispute of its ``size``; a major one (``size >= major``)
    also raises public antipathy by its size, as a dated history dispute does."""
    if size >= major:
        aggrieve(s, k, size)
    else:
        a = k * S.ALLY_SLOTS
        s[a + S.DISPUTE] = clip01(s[a + S.DISPUTE] + size)


@njit
def relieve(s, k, magnitude):
    """A summit eases public antipathy."""
    a = k * S.ALLY_SLOTS
    s[a + S.ANTIPATHY] = clip01(s[a + S.ANTIPATHY] - magnitude)


@njit
def hold_election(s, c, k, u, v, advantage, leader_changes, outcome):
    """The incumbent camp keeps office with a logistic chance in approval (uniform ``u``), or as
    ``outcome`` says (1 kept, 0 lost; NaN: drawn); else the other camp takes over with honeymoon
    approval. A new leader's position is drawn from uniform ``v`` (a kept camp keeps its leader
    unless ``leader_changes``)."""
    a = k * S.ALLY_SLOTS
    chance = 1.0 / (1.0 + math.exp(-c[ELECTION_SENSITIVITY] * (s[a + S.APPROVAL] + advantage - c[ELECTION_MIDPOINT])))
    kept = u < chance if np.isnan(outcome) else outcome == 1.0
    if not kept:
        s[a + S.CAMP] = -s[a + S.CAMP]
        s[a + S.APPROVAL] = c[HONEYMOON]
        s[a + S.APPROVAL_ANCHOR] = c[ELECTION_MIDPOINT]
    if not kept or leader_changes:
        s[a + S.POSITION] = draw_position(c, k, s[a + S.CAMP], v)
    s[a + S.INTERIM] = 0.0


@njit
def install(s, c, k, camp, position, approval, u):
    """A forced change of government to ``camp`` with ``position`` (NaN: drawn from the camp by uniform
    ``u``) and ``approval`` (NaN: the honeymoon level)."""
    a = k * S.ALLY_SLOTS
    s[a + S.CAMP] = camp
    s[a + S.POSITION] = draw_position(c, k, camp, u) if np.isnan(position) else position
    s[a + S.APPROVAL] = c[HONEYMOON] if np.isnan(approval) else approval
    s[a + S.APPROVAL_ANCHOR] = c[ELECTION_MIDPOINT]
    s[a + S.INTERIM] = 0.0


# ---- the agents


class Slot:
    """An agent attribute that is a view of one column of the model's state matrix."""

    def __init__(self, slot: int, doc: str = ""):
        self.slot, self.__doc__ = slot, doc

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return agent.model.S[:, agent.base + self.slot]


class PerAlly:
    """An attribute with one vector per junior ally: ``{"ROK": view, "JPN": view}``."""

    def __init__(self, slot: int, doc: str = ""):
        self.slot, self.__doc__ = slot, doc

    def __get__(self, agent, owner=None):
        if agent is None:
            return self
        return {code: agent.model.S[:, self.slot + k] for k, code in enumerate(("ROK", "JPN"))}


class State(mesa.Agent):
    """A state actor. Every state variable is a vector of length R (one per replication)."""

    code: ClassVar[str]
    #: First slot of the agent's state in the model's state matrix (a junior ally's block).
    base: ClassVar[int] = 0

    def __init__(self, model):
        super().__init__(model)
        self.R = model.R
        self.p = model.p


class Ally(State):
    """A junior ally (ROK or JPN): perceives threat, abandonment and entrapment,
    sets its cooperation, and is held back by its domestic gate.

    State vectors
    -------------
    camp : +1 conservative or -1 progressive camp in office (what an election decides).
    position : the government's position on the history axis, -1 history hawk .. +1 pragmatist.
    interim : an acting government is in office (the gate freezes): True/False.
    approval, approval_anchor : government approval and its long-run level.
    antipathy, antipathy_anchor : public unfavourability toward the partner (grievance).
    perceived : perceived US commitment; abandonment = 1 - perceived.
    threat, entrapment : Walt's threat and Snyder's entrapment fear.
    audience_gap : how far elite cooperation runs ahead of what the public accepts
        (coop - (1 - antipathy), floored at 0): the stored audience cost.
    dispute : an open history dispute the government answers (0..1), decaying.
    rung : its rung on the escalation ladder: 0 none, 1 protest, 2 trade measures, 3 security linkage.
    """

    partner: ClassVar[str]

    camp = Slot(S.CAMP)
    position = Slot(S.POSITION)
    approval = Slot(S.APPROVAL)
    approval_anchor = Slot(S.APPROVAL_ANCHOR)
    antipathy = Slot(S.ANTIPATHY)
    antipathy_anchor = Slot(S.ANTIPATHY_ANCHOR)
    perceived = Slot(S.PERCEIVED)
    threat = Slot(S.THREAT)
    entrapment = Slot(S.ENTRAPMENT)
    audience_gap = Slot(S.AUDIENCE_GAP)
    dispute = Slot(S.DISPUTE)
    rung = Slot(S.RUNG)

    @property
    def interim(self) -> np.ndarray:
        """Whether an acting government is in office, per replication (a boolean copy)."""
        return self.model.S[:, self.base + S.INTERIM] != 0

    @property
    def abandonment(self) -> np.ndarray:
        """Snyder's abandonment fear: 1 - perceived US commitment."""
        return 1.0 - self.perceived
