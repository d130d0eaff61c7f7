"""Spin-up: start each replication from the state the model reaches on the inputs before the start.

A scenario's ``spin_up`` names a storyline of inputs that ends the month before
the scenario starts (``scenarios/hindcast/2015_2024.yaml`` for the library: the
2015-2021 hindcast and the 2022-2024 inputs). Each replication runs it first,
with its own coefficient row (posterior draw, swept or calibrated values), and
its whole state at the end of it (cooperation, approval, antipathy, institutions,
perceived commitment, PRK backing, disputes, last moves...) is the replication's
initial state. The scenario's ``actors`` values that are initial states are then
not used; those the month step reads every month (``us_trust``, ``china_exposure``,
the proximities, the US commitment signal, transactionalism, brokerage and
China tension, PRK capability, CHN pressure and maritime assertiveness) apply
from the scenario's first month. During the spin-up those are the spin-up
file's own values.

Random numbers: the spin-up runs under its own Philox key, :func:`seed_of` the
scenario's seed, so its numbers never share an address with the main run's; the
rest of the address (design point, replication words, month from the spin-up's
start, stream) is the replication's. A replication's spin-up is therefore the same
in any chunk, worker or ensemble that holds it.
"""

from __future__ import annotations

import hashlib

import numpy as np

from . import metrics
from .kernel import advance, initialise
from .slots import N_SLOTS

#: Label hashed with the scenario's seed into the spin-up's seed.
LABEL = "spin-up"
#: Replications run at once: bounds the scratch traces (metrics x months x BLOCK floats); 64 ran the
#: 120 months of 1,000 replications about twice as fast as one block of 1,000 (cache-sized blocks).
BLOCK = 64


def memory(scenario, size: int) -> int:
    """Bytes a chunk of ``size`` replications spends on its spin-up: scratch traces of a block, and per
    replication a coefficient row, event windows and numbers (0 without a spin-up)."""
    spin = scenario.spin_up
    if spin is None:
        return 0
    from .columns import COLUMNS
    from .events import N_ARGS

    traces = len(metrics.STEP_METRICS) + len(metrics.DRIVERS)
    per_replication = 8 * (len(COLUMNS) + N_SLOTS + len(spin.events) * (2 + N_ARGS))
    return 8 * traces * spin.months * min(size, BLOCK) + size * per_replication


def seed_of(seed: int) -> int:
    """The spin-up's root seed for a scenario's ``seed``: 63 bits of BLAKE2b(``"spin-up:<seed>"``)."""
    digest = hashlib.blake2b(f"{LABEL}:{seed}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def end_state(spin) -> np.ndarray:
    """Run a spin-up ensemble (:attr:`alliance_sim.ensemble.Ensemble.spin`) to its end: its final state matrix (R, slots).

    Replications run in blocks of :data:`BLOCK` (they never interact, so the blocks change nothing).
    """
    R, months = spin.size, spin.months
    S_ = np.empty((R, N_SLOTS))
    kinds, streams, draws, first, last, args = spin.events
    scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for a in range(0, R, BLOCK):
        b = min(a + BLOCK, R)
        if b - a not in scratch:  # the traces are written and never read: one pair per block size
            scratch[b - a] = (
                np.empty((len(metrics.STEP_METRICS), months, b - a)),
                np.empty((len(metrics.DRIVERS), months, b - a)),
            )
        traces, drivers = scratch[b - a]
        C = spin.coefficients[a:b]
        initialise(S_[a:b], C)
        events = (kinds, streams, draws, first[a:b], last[a:b], args[a:b])
        advance(S_[a:b], C, spin.keys[a:b], spin.points[a:b], spin.addresses[a:b], events, 0, months, traces, drivers)
    return S_
