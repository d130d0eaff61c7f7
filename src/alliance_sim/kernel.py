"""The compiled month step: the phases of one month, in order, for one replication.

:func:`month` is the model's schedule. Every phase is a compiled function of
an actor module (``actors/``) or of the events (:mod:`alliance_sim.events`),
over one replication's state row ``s`` and coefficient row ``c``.
:func:`advance` runs a span of months for every replication of an ensemble:
a loop over replications inside a loop over months, so that each month's
records of consecutive replications are written side by side.

Random numbers come from :mod:`alliance_sim.philox` at the address (seed,
point, replication, month, stream): the model's own streams are named below,
an event's stream is its name in the scenario.
"""

from __future__ import annotations

import numpy as np

from . import metrics
from . import slots as S
from .actors import base as ally
from .actors import chn, prk, usa
from .columns import col
from .events import N_ARGS, fire
from .jit import njit
from .philox import normal_pair, stream_id, uniform_pair

SUMMIT_DECAY = col("diplomacy.summit_decay")

# The model's own random streams, by name.
PRK_LAUNCHES = stream_id("prk.launches")  # uniforms of PRK's non-ICBM and ICBM launch counts
MISREAD_ROK = stream_id("misperception.ROK")  # normals: ROK misreads JPN's and the USA's last move
MISREAD_JPN = stream_id("misperception.JPN")  # normals: JPN misreads ROK's and the USA's last move
MISREAD_USA = stream_id("misperception.USA")  # normals: the USA misreads ROK's and JPN's last move
APPROVAL = stream_id("approval")  # normals: monthly approval shocks of ROK's and JPN's governments


@njit
def initialise(S_, C):
    """Every replication's initial state, from its coefficient row (initial values are columns too)."""
    for r in range(S_.shape[0]):
        s, c = S_[r], C[r]
        s[:] = 0.0
        ally.init_ally(s, c, S.ROK)
        ally.init_ally(s, c, S.JPN)
        usa.init_usa(s, c)
        prk.init_prk(s, c)
        chn.init_chn(s, c)


@njit(inline="always")
def fire_events(s, c, t, r, key0, key1, point, rep, events, a):
    """Phase 1: dated events and active processes (inputs reset, summit boosts decay)."""
    kinds, streams, draws, first, last, args = events
    for q in range(9):
        s[S.SUMMIT + q] *= 1.0 - c[SUMMIT_DECAY]
    s[S.IN_PRK_RATE] = 0.0
    s[S.IN_ICBM_RATE] = 0.0
    s[S.IN_NUCLEAR] = 0.0
    for e in range(len(kinds)):
        if first[r, e] <= t <= last[r, e]:
            u = uniform_pair(key0, key1, rep, point, t, streams[e])[0] if draws[e] else 0.5
            for q in range(N_ARGS):
                a[q] = args[r, e, q]
            fire(kinds[e], s, c, a, t, first[r, e], last[r, e], u)


@njit(inline="always")
def adversaries_act(s, c, t, key0, key1, point, rep):
    """Phase 2: PRK launches (action-reaction to cohesion), CHN sets its wedge pressure."""
    cohesion = metrics.cohesion(s)
    u_tests, u_icbms = uniform_pair(key0, key1, rep, point, t, PRK_LAUNCHES)
    prk.act(s, c, cohesion, u_tests, u_icbms)
    chn.act(s, c, cohesion)


@njit(inline="always")
def patron_acts(s, c):
    """Phase 3: US commitment signals, brokerage and tension."""
    usa.act(s, c, metrics.coop_rok_jpn(s), chn.maritime(s))


@njit(inline="always")
def allies_act(s, c, t, key0, key1, point, rep, terms_rok, terms_jpn):
    """Phase 4: the allies perceive, then set their cooperation within their domestic gate."""
    ally.perceive(s, c, S.ROK)
    ally.perceive(s, c, S.JPN)
    for q in range(9):
        s[S.NEXT_COOP + q] = s[S.COOP + q]
    z_rok_jpn, z_rok_usa = normal_pair(key0, key1, rep, point, t, MISREAD_ROK)
    z_jpn_rok, z_jpn_usa = normal_pair(key0, key1, rep, point, t, MISREAD_JPN)
    z_usa_rok, z_usa_jpn = normal_pair(key0, key1, rep, point, t, MISREAD_USA)
    ally.set_cooperation(s, c, S.ROK, z_rok_jpn, z_rok_usa, terms_rok)
    ally.set_cooperation(s, c, S.JPN, z_jpn_rok, z_jpn_usa, terms_jpn)
    usa.set_cooperation(s, c, z_usa_rok, z_usa_jpn)


@njit(inline="always")
def domestic_politics(s, c, t, key0, key1, point, rep):
    """Phase 5: domestic politics (approval with audience costs, grievance drift)."""
    z_rok, z_jpn = normal_pair(key0, key1, rep, point, t, APPROVAL)
    ally.update_politics(s, c, S.ROK, z_rok)
    ally.update_politics(s, c, S.JPN, z_jpn)


@njit(inline="always")
def settle(s, t, r, terms_rok, terms_jpn, trace, drivers):
    """Phase 6: the new cooperation takes effect; record the step metrics and the driver
    terms of the ROK-JPN change (the dyad is the mean of its two directions)."""
    for q in range(9):
        s[S.LAST_MOVE + q] = s[S.NEXT_COOP + q] - s[S.COOP + q]
        s[S.COOP + q] = s[S.NEXT_COOP + q]
    metrics.record(s, trace, t, r)
    for q in range(ally.N_TERMS):
        drivers[q, t, r] = 0.5 * (terms_rok[q] + terms_jpn[q])


@njit(inline="always")
def month(s, c, t, r, key0, key1, point, rep, events, scratch, trace, drivers):
    """One month of replication ``r``, simultaneous: every actor reads last month's cooperation."""
    a, terms_rok, terms_jpn = scratch
    fire_events(s, c, t, r, key0, key1, point, rep, events, a)
    adversaries_act(s, c, t, key0, key1, point, rep)
    patron_acts(s, c)
    allies_act(s, c, t, key0, key1, point, rep, terms_rok, terms_jpn)
    domestic_politics(s, c, t, key0, key1, point, rep)
    settle(s, t, r, terms_rok, terms_jpn, trace, drivers)


@njit
def advance(S_, C, keys, points, reps, events, t0, t1, trace, drivers):
    """Run months ``t0..t1-1`` of every replication (rows of ``S_``), in place; record into ``trace``/``drivers``."""
    scratch = (np.empty(N_ARGS), np.empty(ally.N_TERMS), np.empty(ally.N_TERMS))
    for t in range(t0, t1):
        for r in range(S_.shape[0]):
            month(S_[r], C[r], t, r, keys[r, 0], keys[r, 1], points[r], reps[r], events, scratch, trace, drivers)
