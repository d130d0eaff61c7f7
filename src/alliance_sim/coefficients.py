"""Model coefficients: one pydantic model per doctrine, one field per term.

Every coefficient has a default, a valid range (``ge``/``le``) and a description
that names the doctrine term it drives. Scenarios override them under
``parameters.<group>.<name>``; the documentation tables in ``docs/`` are
generated from these classes (see :mod:`alliance_sim.reference`).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from .schema import Strict, field_bounds


class Group(Strict):
    """A group of coefficients belonging to one doctrine."""


class Cha(Group):
    """Cha's quasi-alliance model: ROK-JPN cooperation target.

    target = baseline + a*shared_threat + b*min(A_ROK, A_JPN) - c*|A_ROK - A_JPN|
             - d*grievance + e*US_brokerage + f*joint_position

    joint_position = (1 - veto) * (P_ROK + P_JPN) / 2 + veto * min(P_ROK, P_JPN), the same
    for both directions of the dyad: the two governments' positions on the history axis
    (-1 history hawk .. +1 pragmatist), the less forthcoming one weighing more (Putnam 1988:
    an agreement needs both win-sets).
    """

    baseline: float = Field(0.455, ge=0, le=1, description="Intercept of the ROK-JPN cooperation target.")
    shared_threat: float = Field(
        0.60, ge=0, le=2, description="a: pull of the threat both allies perceive (min of the two)."
    )
    symmetric_abandonment: float = Field(
        0.45, ge=0, le=2, description="b: pull of abandonment fear shared by ROK and JPN (min of the two)."
    )
    asymmetric_abandonment: float = Field(
        0.80, ge=0, le=3, description="c: push of unequal abandonment fear |A_ROK - A_JPN|."
    )
    grievance: float = Field(
        0.60, ge=0, le=2, description="d: push of the public's historical grievance toward the partner."
    )
    brokerage: float = Field(1.00, ge=0, le=2, description="e: pull of US brokerage effort on the target.")
    stance: float = Field(
        0.2,
        ge=0,
        le=1,
        description="f: pull of the two governments' joint position on the history axis (-1 hawk .. +1 pragmatist).",
    )
    veto: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Weight of the less forthcoming government in the joint position (0: the mean of the two, 1: the lower).",
    )


class Positions(Group):
    """Governments' positions on the history axis (-1 history hawk .. +1 pragmatist), by camp.

    A government that takes office draws its position from its camp's distribution
    (normal, clipped to -1..1): leader types differ within a camp (Kim Dae-jung and
    Moon Jae-in; Obuchi and Abe).
    """

    rok_conservative: float = Field(-0.2, ge=-1, le=1, description="Mean position of a conservative ROK government.")
    rok_progressive: float = Field(0.0, ge=-1, le=1, description="Mean position of a progressive ROK government.")
    jpn_conservative: float = Field(0.0, ge=-1, le=1, description="Mean position of an LDP-led JPN government.")
    jpn_progressive: float = Field(0.35, ge=-1, le=1, description="Mean position of an opposition-led JPN government.")
    spread: float = Field(
        0.5, ge=0, le=2, description="Standard deviation of a new government's position around its camp's mean."
    )


class Snyder(Group):
    """Snyder's alliance security dilemma: junior allies toward the patron."""

    baseline: float = Field(0.70, ge=0, le=1, description="Intercept of an ally's cooperation target toward the USA.")
    dilemma: float = Field(
        0.40,
        ge=0,
        le=2,
        description="Pull toward the patron per unit of abandonment fear in excess of entrapment fear.",
    )
    threat: float = Field(
        0.20, ge=0, le=1, description="Pull toward the patron per unit of perceived threat (Walt's balancing)."
    )
    perception_rate: float = Field(
        0.20, ge=0.01, le=1, description="Monthly share of the gap to the US signal closed by perceived commitment."
    )
    commitment_recovery: float = Field(
        0.06,
        ge=0,
        le=1,
        description="Monthly decay of shocks to the US commitment signal (burden-sharing, reassurance).",
    )
    us_reciprocity: float = Field(
        0.5, ge=0, le=1, description="Weight of the ally's own cooperation in the US cooperation target toward it."
    )


class Walt(Group):
    """Walt's balance of threat: capability, proximity, offensive intent."""

    activity_memory: float = Field(
        0.25,
        ge=0.01,
        le=1,
        description="Monthly weight of new PRK tests in the remembered activity (exponential average).",
    )
    activity_saturation: float = Field(
        2.0, ge=0.1, le=20, description="Tests per month at which remembered activity gives half its maximal threat."
    )
    activity_weight: float = Field(
        0.45, ge=0, le=1, description="Threat added by saturated PRK testing activity (intent shown by provocations)."
    )
    icbm_shock: float = Field(0.08, ge=0, le=1, description="Threat shock per ICBM launch.")
    nuclear_shock: float = Field(0.30, ge=0, le=1, description="Threat shock of a nuclear test.")
    shock_decay: float = Field(0.15, ge=0, le=1, description="Monthly decay of ICBM and nuclear threat shocks.")
    russia_capability: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Relative rise of PRK capability per unit of Russian backing (technology transfer).",
    )


class Gate(Group):
    """Putnam's two-level game and Fearon's audience costs: the domestic gate."""

    winset_base: float = Field(
        0.015,
        ge=0,
        le=0.2,
        description="Largest monthly change in cooperation a government with zero approval can make.",
    )
    winset_approval: float = Field(0.06, ge=0, le=0.5, description="Extra monthly room per unit of approval.")
    antipathy_drag: float = Field(
        0.6, ge=0, le=1, description="Share of the room for warming moves lost per unit of public antipathy."
    )
    interim_winset: float = Field(
        0.003, ge=0, le=0.2, description="Largest monthly change an interim (acting) government can make, either way."
    )
    audience_cost: float = Field(
        0.5, ge=0, le=5, description="Approval lost per unit of warming toward a partner, times public antipathy."
    )
    initiative: float = Field(
        1.0,
        ge=0,
        le=2,
        description="Leader initiative: share of the public's drag a pragmatist overrides, per unit of position "
        "and of approval above the floor (scaled to the room above it).",
    )
    initiative_floor: float = Field(
        0.35, ge=0, le=0.95, description="Approval at or below which a government cannot move ahead of its public."
    )


class Axelrod(Group):
    """Axelrod's reciprocity with noise."""

    reciprocity: float = Field(
        0.40,
        ge=0,
        le=0.95,
        description="Share of the partner's last move (as perceived) answered in kind this month (tit for tat).",
    )
    forgiveness: float = Field(0.3, ge=0, le=1, description="Share of an apparent defection that is not reciprocated.")
    misperception: float = Field(
        0.1, ge=0, le=0.5, description="Monthly chance of reading the partner's last move as a defection."
    )
    misread_size: float = Field(
        0.05,
        ge=0,
        le=0.2,
        description="The defection a misread shows: a move of -size added to the partner's actual one.",
    )
    reverse_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Chance of the reverse misread (a defection read as cooperation, +size), as a share of misperception.",
    )
    adjustment_rate: float = Field(
        0.06, ge=0.01, le=1, description="Monthly share of the gap to the cooperation target closed (before the gate)."
    )


class Institutions(Group):
    """Institutionalisation: ROK-JPN cooperation builds a slowly decaying stock of institutions
    (intelligence-sharing pact, data links, exercises, summit commitments) that raises the cost
    of cutting cooperation: a ratchet on cooling moves and an exit cost in approval (Keohane 1984).

    stock <- stock + build * max(dyad - stock, 0) - decay * stock; it starts at its steady state
    for the initial dyad, build * dyad / (build + decay).
    """

    build: float = Field(
        0.05, ge=0, le=1, description="Monthly share of the gap up to the dyad's cooperation that becomes institutions."
    )
    decay: float = Field(
        0.01, ge=0, le=1, description="Monthly decay of the institutional stock (unused institutions wither)."
    )
    ratchet: float = Field(
        0.5, ge=0, le=1, description="Share of a cooling move toward the partner held back per unit of stock."
    )
    exit_cost: float = Field(
        0.5, ge=0, le=5, description="Approval lost per unit of cooling toward the partner, times the stock."
    )


class Agreements(Group):
    """Agreements and their repudiation: an agreement in force deepens the institutional stock; a
    government whose public no longer holds it may repudiate it (Putnam's involuntary defection:
    the 2015 comfort-women agreement, whose foundation Seoul dissolved in 2018-19).

    chance a month = repudiation * max(antipathy - tolerance, 0) * (1 - position) / 2, none while an
    acting government is in office. Repudiation removes the agreement's depth from the stock,
    lowers both ROK-JPN targets by ``cost`` (decaying like a summit boost) and opens a dispute of
    its depth in the partner's government.
    """

    repudiation: float = Field(
        0.4, ge=0, le=5, description="Monthly chance of repudiation per unit of antipathy above the tolerance."
    )
    tolerance: float = Field(
        0.5, ge=0, le=1, description="Public antipathy up to which the public holds an agreement in force."
    )
    cost: float = Field(
        0.05, ge=0, le=1, description="Fall of both ROK-JPN targets when an agreement is repudiated (decays)."
    )


class Meetings(Group):
    """Leaders' meetings: endogenous ROK-JPN summits, more likely the closer the two are.

    chance a month = clip(rate * (dyad - floor) / (1 - floor), 0, 1), none while either
    government is an acting one; a meeting boosts both targets like a summit event and eases
    public antipathy (diplomacy.summit_relief).
    """

    rate: float = Field(0.5, ge=0, le=1, description="Monthly chance of a leaders' meeting at full cooperation.")
    floor: float = Field(0.3, ge=0, le=0.95, description="ROK-JPN cooperation at or below which leaders do not meet.")
    boost: float = Field(0.02, ge=0, le=0.5, description="Summit boost of a leaders' meeting to both ROK-JPN targets.")


class Ladder(Group):
    """Issue linkage: a history dispute escalates along a ladder (protest, trade measures, security linkage).

    Each month a government with an open dispute climbs one rung with chance
    escalation * dispute * (1 - coop toward the partner) * (1 - position) / 2 * (1 - halt * US effort):
    more likely when cooperation is low and the government a hawk, less when the US brokers
    (the 2019 chain: the forced-labour rulings, Japan's export controls, Seoul's GSOMIA notice,
    US pressure, the suspension of the notice).
    """

    escalation: float = Field(
        1.5,
        ge=0,
        le=10,
        description="Monthly chance of climbing a rung per unit of open dispute, before the other factors.",
    )
    dispute_decay: float = Field(0.1, ge=0, le=1, description="Monthly decay of an open dispute.")
    halt: float = Field(
        0.8, ge=0, le=1, description="Share of the escalation chance removed per unit of US brokerage effort."
    )
    settled: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Open dispute below which a government steps down a rung with chance deescalation a month.",
    )
    deescalation: float = Field(
        0.1, ge=0, le=1, description="Monthly chance of stepping down a rung once the dispute is settled."
    )
    trade_cost: float = Field(
        0.02, ge=0, le=1, description="Fall of both ROK-JPN targets while trade measures are in force."
    )
    security_cost: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Further fall of both targets while security cooperation is linked (a GSOMIA notice).",
    )
    retaliation: float = Field(
        0.3, ge=0, le=1, description="Dispute opened in the partner's government when trade measures start."
    )
    boycott: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Rise in the partner public's antipathy when trade measures start (the 2019 boycott).",
    )


class Brokerage(Group):
    """Patron brokerage: the US lifts ROK-JPN cooperation when it sinks (GSOMIA, November 2019)."""

    threshold: float = Field(0.40, ge=0, le=1, description="ROK-JPN cooperation below which the US starts brokering.")
    width: float = Field(
        0.15, ge=0.01, le=1, description="Shortfall below the threshold at which effort is at full capacity."
    )
    transactional_discount: float = Field(
        0.6, ge=0, le=1, description="Share of brokerage effort lost per unit of US transactionalism."
    )


class Prk(Group):
    """North Korea: small winning coalition, action-reaction provocation."""

    cohesion_reaction: float = Field(
        0.8, ge=0, le=3, description="Log-rate rise of PRK tests per unit of allied cohesion above the reference."
    )
    cohesion_reference: float = Field(
        0.65, ge=0, le=1, description="Cohesion at which the action-reaction term is neutral."
    )
    russia_boldness: float = Field(
        0.4, ge=0, le=2, description="Log-rate rise of PRK tests per unit of Russian backing."
    )


class Chn(Group):
    """China's wedge strategy toward ROK."""

    cohesion_reaction: float = Field(
        0.5,
        ge=0,
        le=2,
        description="Rise of Chinese pressure on ROK per unit of trilateral cohesion above the reference.",
    )
    cohesion_reference: float = Field(0.6, ge=0, le=1, description="Cohesion at which the wedge term is neutral.")
    pressure_decay: float = Field(0.08, ge=0, le=1, description="Monthly decay of coercion shocks.")
    entrapment_weight: float = Field(
        0.5, ge=0, le=2, description="Weight of Chinese economic pressure on an ally in its entrapment fear."
    )
    threat_weight: float = Field(
        0.6, ge=0, le=1, description="Threat perceived from CHN per unit of maritime assertiveness."
    )
    tension_weight: float = Field(
        0.5, ge=0, le=2, description="Rise of US-China tension per unit of maritime pressure shock."
    )
    ties_rate: float = Field(
        0.1, ge=0, le=1, description="Monthly adjustment of ROK-China political cooperation toward its target."
    )
    ties_coercion: float = Field(
        0.5,
        ge=0,
        le=2,
        description="Fall in the target of ROK-China political cooperation per unit of economic coercion of ROK.",
    )
    trade_growth: float = Field(
        0.004, ge=-0.05, le=0.05, description="Monthly trend growth of ROK-China trade (0.004: about 5% a year)."
    )
    trade_coercion: float = Field(
        0.005,
        ge=0,
        le=0.1,
        description="Cut in the monthly growth of ROK-China trade per unit of economic coercion of ROK.",
    )


class Domestic(Group):
    """Domestic politics: approval, grievance, elections."""

    approval_reversion: float = Field(
        0.04, ge=0, le=1, description="Monthly pull of approval toward the actor's long-run anchor."
    )
    approval_noise: float = Field(0.015, ge=0, le=0.2, description="Standard deviation of monthly approval shocks.")
    grievance_reversion: float = Field(
        0.01, ge=0, le=1, description="Monthly decay of public antipathy toward its anchor (small: grievances linger)."
    )
    election_sensitivity: float = Field(
        12.0, ge=0, le=50, description="Slope of the logistic chance that the incumbent camp keeps office, in approval."
    )
    election_midpoint: float = Field(
        0.45, ge=0, le=1, description="Approval at which the incumbent camp keeps office with probability one half."
    )
    honeymoon: float = Field(0.55, ge=0, le=1, description="Approval of a newly elected or installed government.")


class Diplomacy(Group):
    """Summits and detente: decaying boosts from dated diplomatic events."""

    summit_decay: float = Field(
        0.15, ge=0, le=1, description="Monthly decay of a summit's boost to the cooperation targets."
    )
    summit_relief: float = Field(
        0.3, ge=0, le=1, description="Share of a ROK-JPN summit's boost that also lowers public antipathy."
    )
    detente_decay: float = Field(0.05, ge=0, le=1, description="Monthly decay of detente after a summit with PRK.")


class Thresholds(Group):
    """Thresholds used by the run summaries."""

    rupture: float = Field(
        0.30,
        ge=0,
        le=1,
        description="Latent ROK-JPN cooperation below which a month counts as below threshold (a derived quantity; rupture itself is two broken tracks): the GSOMIA-termination brink of 2019 in the hindcast.",
    )


class Parameters(Strict):
    """All model coefficients, grouped by doctrine."""

    cha: Cha = Cha()
    positions: Positions = Positions()
    snyder: Snyder = Snyder()
    walt: Walt = Walt()
    gate: Gate = Gate()
    axelrod: Axelrod = Axelrod()
    institutions: Institutions = Institutions()
    agreements: Agreements = Agreements()
    meetings: Meetings = Meetings()
    ladder: Ladder = Ladder()
    brokerage: Brokerage = Brokerage()
    prk: Prk = Prk()
    chn: Chn = Chn()
    domestic: Domestic = Domestic()
    diplomacy: Diplomacy = Diplomacy()
    thresholds: Thresholds = Thresholds()


def coefficient_registry() -> list[dict]:
    """Every coefficient as a row: dotted path, default, range, description, doctrine."""
    rows = []
    for group_name, field in Parameters.model_fields.items():
        group = field.annotation
        if not (isinstance(group, type) and issubclass(group, BaseModel)):
            raise TypeError(f"parameters.{group_name} must be a group of coefficients, got {group!r}")
        doctrine = (group.__doc__ or "").strip().splitlines()[0]
        for name, f in group.model_fields.items():
            lo, hi = field_bounds(f)
            rows.append(
                {
                    "path": f"parameters.{group_name}.{name}",
                    "default": f.default,
                    "low": lo,
                    "high": hi,
                    "description": f.description,
                    "doctrine": doctrine,
                }
            )
    return rows
