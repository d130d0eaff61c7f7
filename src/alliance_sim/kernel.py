"""The compiled month step: the phases of one month, in order, for one replication.

:func:`month` is the model's schedule. Every phase is a compiled function of
an actor module (``actors/``) or of the events (:mod:`alliance_sim.events`),
over one replication's state row ``s`` and coefficient row ``c``.
:func:`advance` runs a span of months for every replication of an ensemble:
a loop over replications (:func:`replications`) inside a loop over months, so
that each month's records of consecutive replications are written side by side.

Random numbers come from :mod:`alliance_sim.philox` at the address (seed,
point, replication, month, stream): the model's own streams are named below,
an event's stream is its name in the scenario. :func:`draw` computes a month's
numbers for every replication at once (SIMD code), before the replications
step; each phase reads its own from the month's draw matrix ``D`` (rows below,
one column per replication).
"""

from __future__ import annotations

import numpy as np

from . import metrics
from . import slots as S
from .actors import base as ally
from .actors import chn, prk, usa
from .columns import col
from .events import N_DRAWS, fire
from .jit import njit, unowned
from .philox import BLOCK, normals, stream_id, uniform_block

SUMMIT_DECAY = col("diplomacy.summit_decay")
#: The trace row of trilateral cohesion.
COHESION = metrics.RECORDED.index("cohesion")

# The model's own random streams, by name.
PRK_LAUNCHES = stream_id("prk.launches")  # uniforms of PRK's non-ICBM and ICBM launch counts
MISREAD_ROK = stream_id("misperception.ROK")  # uniforms: ROK misreads JPN's and the USA's last move
MISREAD_JPN = stream_id("misperception.JPN")  # uniforms: JPN misreads ROK's and the USA's last move
MISREAD_USA = stream_id("misperception.USA")  # uniforms: the USA misreads ROK's and JPN's last move
APPROVAL = stream_id("approval")  # normals: monthly approval shocks of ROK's and JPN's governments
LADDER = stream_id("ladder")  # uniforms: ROK's and JPN's steps on the escalation ladder
MEETINGS = stream_id("meetings")  # uniforms: whether the ROK and JPN leaders meet (the second is unused)
AGREEMENTS = stream_id("agreements")  # uniforms: whether ROK's and JPN's governments repudiate the agreements

# Rows of the month's draw matrix D: the two numbers of each stream above, then N_DRAWS uniforms per event.
D_TESTS, D_ICBMS = 0, 1
D_MISREAD = 2  # ROK->JPN, ROK->USA, JPN->ROK, JPN->USA, USA->ROK, USA->JPN
D_APPROVAL = 8  # ROK, JPN
D_LADDER = 10  # ROK, JPN
D_MEETING = 12  # and an unused second uniform
D_AGREEMENTS = 14  # ROK, JPN
D_EVENTS = 16


@njit
def initialise(S_, C):
    """Every replication's initial state, from its coefficient row (initial values are columns too)."""
    for r in range(S_.shape[0]):
        s, c = S_[r], C[r]
        s[:] = 0.0
        ally.init_ally(s, c, S.ROK)
        ally.init_ally(s, c, S.JPN)
        ally.init_institutions(s, c)
        usa.init_usa(s, c)
        prk.init_prk(s, c)
        chn.init_chn(s, c)


@njit
def draw(k0, k1, incidents, noise, points, t, streams, draws, active, D, U):
    """Month ``t``'s random numbers of every replication into ``D`` (``U``: two rows of scratch).

    ``incidents`` and ``noise`` are the replication words of the two groups of streams
    (:class:`alliance_sim.ensemble.Ensemble` ``addresses``).
    """
    month = np.uint64(t)
    uniform_block(k0, k1, incidents, points, month, np.uint64(PRK_LAUNCHES), D[D_TESTS], D[D_ICBMS])
    for q, stream in enumerate((MISREAD_ROK, MISREAD_JPN, MISREAD_USA)):
        uniform_block(k0, k1, noise, points, month, np.uint64(stream), D[D_MISREAD + 2 * q], D[D_MISREAD + 2 * q + 1])
    uniform_block(k0, k1, noise, points, month, np.uint64(APPROVAL), U[0], U[1])
    normals(U[0], D[D_APPROVAL])
    normals(U[1], D[D_APPROVAL + 1])
    uniform_block(k0, k1, noise, points, month, np.uint64(LADDER), D[D_LADDER], D[D_LADDER + 1])
    uniform_block(k0, k1, noise, points, month, np.uint64(MEETINGS), D[D_MEETING], D[D_MEETING + 1])
    uniform_block(k0, k1, noise, points, month, np.uint64(AGREEMENTS), D[D_AGREEMENTS], D[D_AGREEMENTS + 1])
    for e in range(len(streams)):
        if active[e]:  # an event that draws, in its window in some replication
            z, stream = D_EVENTS + N_DRAWS * e, np.uint64(streams[e])
            uniform_block(k0, k1, incidents, points, month, stream, D[z], D[z + 1])
            if draws[e] > 2:  # the next pair from the stream's second block
                uniform_block(k0, k1, incidents, points, month + np.uint64(BLOCK), stream, D[z + 2], D[z + 3])


@njit(inline="always")
def fire_events(s, c, t, r, d, events, u):
    """Phase 1: dated events and active processes (inputs reset, summit boosts decay), then
    whether the ROK and JPN leaders meet."""
    for q in range(9):
        s[S.SUMMIT + q] *= 1.0 - c[SUMMIT_DECAY]
    s[S.IN_PRK_RATE] = 0.0
    s[S.IN_ICBM_RATE] = 0.0
    s[S.IN_NUCLEAR] = 0.0
    s[S.IN_TARIFF] = 0.0
    s[S.IN_TARIFF + 1] = 0.0
    s[S.IN_RETRENCH] = 0.0
    s[S.IN_BROKERAGE_KEPT] = 1.0
    s[S.REPUDIATED] = 0.0
    fire(s, c, t, r, events, d, D_EVENTS, u)
    ally.meet(s, c, d[D_MEETING])


@njit(inline="always")
def adversaries_act(s, c, d, cohesion):
    """Phase 2: PRK launches (action-reaction to ``cohesion``, last month's), CHN sets its wedge pressure."""
    prk.act(s, c, cohesion, d[D_TESTS], d[D_ICBMS])
    chn.act(s, c, cohesion)


@njit(inline="always")
def patron_acts(s, c):
    """Phase 3: US commitment signals, brokerage and tension."""
    usa.act(s, c, metrics.coop_rok_jpn(s), chn.maritime(s))


@njit(inline="always")
def allies_act(s, c, d, terms_rok, terms_jpn):
    """Phase 4: the allies perceive, then set their cooperation within their domestic gate."""
    ally.perceive(s, c, S.ROK)
    ally.perceive(s, c, S.JPN)
    for q in range(9):
        s[S.NEXT_COOP + q] = s[S.COOP + q]
    z = D_MISREAD
    ally.set_cooperation(s, c, S.ROK, d[z], d[z + 1], terms_rok)
    ally.set_cooperation(s, c, S.JPN, d[z + 2], d[z + 3], terms_jpn)
    usa.set_cooperation(s, c, d[z + 4], d[z + 5])


@njit(inline="always")
def domestic_politics(s, c, d):
    """Phase 5: domestic politics (approval with audience costs, grievance drift), then each
    government's step on the escalation ladder of an open history dispute, then whether it
    repudiates the agreements in force."""
    ally.update_politics(s, c, S.ROK, d[D_APPROVAL])
    ally.update_politics(s, c, S.JPN, d[D_APPROVAL + 1])
    ally.escalate(s, c, S.ROK, d[D_LADDER])
    ally.escalate(s, c, S.JPN, d[D_LADDER + 1])
    ally.repudiate(s, c, S.ROK, d[D_AGREEMENTS])
    ally.repudiate(s, c, S.JPN, d[D_AGREEMENTS + 1])


@njit(inline="always")
def settle(s, c, t, r, terms_rok, terms_jpn, trace, drivers):
    """Phase 6: the new cooperation takes effect and builds institutions; record the step metrics
    and the driver terms of the ROK-JPN change (the dyad is the mean of its two directions)."""
    for q in range(9):
        s[S.LAST_MOVE + q] = s[S.NEXT_COOP + q] - s[S.COOP + q]
        s[S.COOP + q] = s[S.NEXT_COOP + q]
    ally.build_institutions(s, c)
    metrics.record(s, trace, t, r)
    for q in range(ally.N_TERMS):
        drivers[q, t, r] = 0.5 * (terms_rok[q] + terms_jpn[q])


@njit(inline="always")
def month(s, c, t, r, d, events, scratch, trace, drivers, t0):
    """One month of replication ``r``, simultaneous: every actor reads last month's cooperation.

    ``d`` holds the replication's random numbers of the month (its column of :func:`draw`'s matrix).
    Trilateral cohesion changes only with the cooperation, in phase 6: after the first month ``t0`` of
    a run of months, phase 2 reads the value recorded the month before instead of computing it again.
    """
    u, terms_rok, terms_jpn = scratch
    fire_events(s, c, t, r, d, events, u)
    adversaries_act(s, c, d, trace[COHESION, t - 1, r] if t > t0 else metrics.cohesion(s))
    patron_acts(s, c)
    allies_act(s, c, d, terms_rok, terms_jpn)
    domestic_politics(s, c, d)
    settle(s, c, t, r, terms_rok, terms_jpn, trace, drivers)


@njit
def replications(S_, C, t, D, events, scratch, trace, drivers, t0):
    """Month ``t`` of every replication (rows of ``S_``), from the month's draw matrix ``D``, in a run from ``t0``.

    Every array is the caller's, alive for the whole call, so the loop works on views that hold no
    reference to their memory (:func:`alliance_sim.jit.unowned`): otherwise each month of each
    replication would count references to them dozens of times. A replication reads its numbers
    in place, from its column of ``D``: only those the month uses.
    """
    S_, C, D, trace, drivers = unowned(S_), unowned(C), unowned(D), unowned(trace), unowned(drivers)
    events, scratch = unowned(events), unowned(scratch)
    for r in range(S_.shape[0]):
        month(S_[r], C[r], t, r, D[:, r], events, scratch, trace, drivers, t0)


@njit
def advance(S_, C, keys, points, addresses, events, t0, t1, trace, drivers):
    """Run months ``t0..t1-1`` of every replication (rows of ``S_``), in place; record into ``trace``/``drivers``.

    ``addresses`` (R, 2): the replication words of the incident and of the noise streams.
    """
    R = S_.shape[0]
    streams, draws, first, last = events[1], events[2], events[3], events[4]
    k0, k1 = keys[:, 0].astype(np.uint64), keys[:, 1].astype(np.uint64)
    incidents, noise = addresses[:, 0].astype(np.uint64), addresses[:, 1].astype(np.uint64)
    points64 = points.astype(np.uint64)
    D = np.empty((D_EVENTS + N_DRAWS * len(streams), R))
    U = np.empty((2, R))
    active = np.zeros(len(streams), dtype=np.bool_)
    opens, closes = np.full(len(streams), t1), np.full(len(streams), -1)  # an event's window over all replications
    for r in range(R):
        for e in range(len(streams)):
            opens[e], closes[e] = min(opens[e], first[r, e]), max(closes[e], last[r, e])
    scratch = (np.empty(N_DRAWS), np.empty(ally.N_TERMS), np.empty(ally.N_TERMS))
    for t in range(t0, t1):
        for e in range(len(streams)):
            active[e] = draws[e] and opens[e] <= t <= closes[e]
        draw(k0, k1, incidents, noise, points64, t, streams, draws, active, D, U)
        replications(S_, C, t, D, events, scratch, trace, drivers, t0)
