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
rest of the address is the replication's words, the month from the spin-up's
start and the stream, at design point 0 whatever the replication's point. A
replication's spin-up is therefore the same in any chunk, worker or ensemble that
holds it, and the same at every design point of a sweep whose points differ only
in what the spin-up does not read (event values, actors' monthly inputs): with
the posterior sets, also drawn without the point (:mod:`alliance_sim.posterior`),
the points of such a sweep start from the same states (common random numbers).

A spin-up is a pure function of its replication's inputs (coefficient row, key,
address words, event windows and numbers), so :func:`end_state` runs each distinct
input once per process: it keeps the end states of the last :data:`CACHE_ROWS`
replications it ran, keyed by a digest of those inputs. A sweep worker then spins
up a replication once for all the points it runs, not once per point. :func:`start`,
which the model calls, first compares what the spin-up ensemble would be built from
with the last few ensembles': a sweep's next point then needs neither.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

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


#: End states kept per process (about 0.8 kB each): a sweep worker's replications of one point, many times over.
CACHE_ROWS = 32_768
#: Whole ensembles kept per process, with what their spin-up is built from: a sweep worker's next point
#: usually spins up the same replications with the same inputs, which one comparison finds (no spin-up
#: ensemble built, no digest per replication). Only ensembles of at most RECENT_ROWS replications.
RECENT, RECENT_ROWS = 4, 2048
_cache: OrderedDict[bytes, np.ndarray] = OrderedDict()
_recent: list[tuple[tuple, np.ndarray]] = []
_lock = threading.Lock()


def clear() -> None:
    """Forget every kept end state (benchmarks that time a spin-up, tests)."""
    with _lock:
        _cache.clear()
        _recent.clear()


def _digests(spin) -> list[bytes]:
    """A digest per replication of everything its spin-up reads (the ensemble-wide event kinds and
    streams and the horizon are hashed into each)."""
    kinds, streams, draws, first, last, args = spin.events
    R = spin.size
    shared = hashlib.sha1(  # not for security: a 160-bit digest, about twice as fast as BLAKE2b here
        np.concatenate([kinds, streams, draws, [spin.months, N_SLOTS]]).astype(np.int64).tobytes(),
        usedforsecurity=False,
    )
    columns = (spin.coefficients, spin.keys, spin.points, spin.addresses, first, last, args)
    rows = np.concatenate([np.ascontiguousarray(a).reshape(R, -1).view(np.uint8) for a in columns], axis=1)
    digests = []
    for row in rows:
        h = shared.copy()
        h.update(row)
        digests.append(h.digest())
    return digests


def _same(a: tuple, b: tuple) -> bool:
    """Equal spin-up inputs (:meth:`alliance_sim.ensemble.Ensemble.spin_inputs`)."""
    (parts_a, addresses_a, columns_a), (parts_b, addresses_b, columns_b) = a, b
    return (
        len(parts_a) == len(parts_b)
        and all(sa == sb and np.array_equal(ra, rb) for (sa, ra), (sb, rb) in zip(parts_a, parts_b, strict=True))
        and np.array_equal(addresses_a, addresses_b)
        and np.array_equal(columns_a, columns_b)
    )


def start(ensemble) -> np.ndarray:
    """Each replication's state at the end of its spin-up (R, slots): :func:`end_state` of ``ensemble.spin``.

    An ensemble whose spin-up inputs equal those of one of the last :data:`RECENT` takes
    their end states without building its spin-up ensemble.
    """
    inputs = ensemble.spin_inputs()
    with _lock:
        for i, (kept, states) in enumerate(_recent):
            if _same(kept, inputs):
                _recent.append(_recent.pop(i))
                return states.copy()
    S_ = end_state(ensemble.spin)
    if ensemble.size <= RECENT_ROWS:
        with _lock:
            _recent.append((inputs, S_.copy()))
            del _recent[:-RECENT]
    return S_


def end_state(spin) -> np.ndarray:
    """Run a spin-up ensemble (:attr:`alliance_sim.ensemble.Ensemble.spin`) to its end: its final state matrix (R, slots).

    Replications whose inputs this process has spun up before (or that repeat within ``spin``)
    take the kept end state; the others run, in blocks of :data:`BLOCK` (replications never
    interact, so neither the blocks nor the cache change a number).
    """
    S_ = np.empty((spin.size, N_SLOTS))
    todo: dict[bytes, list[int]] = {}
    digests = _digests(spin)
    with _lock:
        for r, d in enumerate(digests):
            kept = _cache.get(d)
            if kept is None:
                todo.setdefault(d, []).append(r)
            else:
                _cache.move_to_end(d)
                S_[r] = kept
    if todo:
        ran = _run(spin, np.array([same[0] for same in todo.values()], dtype=np.int64))  # one of each input
        with _lock:
            for i, (d, same) in enumerate(todo.items()):
                S_[same] = ran[i]
                _cache[d] = ran[i].copy()
            while len(_cache) > CACHE_ROWS:
                _cache.popitem(last=False)
    return S_


def _run(spin, idx: np.ndarray) -> np.ndarray:
    """End states of replications ``idx`` of ``spin``, run in blocks of :data:`BLOCK`."""
    R, months = len(idx), spin.months
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
        rows = idx[a:b]
        C = spin.coefficients[rows]
        initialise(S_[a:b], C)
        events = (kinds, streams, draws, first[rows], last[rows], args[rows])
        advance(
            S_[a:b], C, spin.keys[rows], spin.points[rows], spin.addresses[rows], events, 0, months, traces, drivers
        )
    return S_
