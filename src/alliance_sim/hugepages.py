"""No huge-page advice from numpy in a process that runs the engine.

numpy advises the kernel to back every large array with transparent huge pages
(``madvise(MADV_HUGEPAGE)``). Where the kernel's THP defrag mode is ``madvise``
(the Debian default, and this machine's), such advice makes the first touch of a
page compact memory synchronously when no free 2 MiB page is at hand: a run's
fresh trace arrays (metrics x months x replications floats) then stall in the
kernel. Measured on the 2-core machine, twelve 1,000 x 120 runs of base.yaml in
one process: median 165.7 ms (128.8 to 233.4) with the advice, 53.1 ms (52.8 to
54.0) without; a 1M-run sweep on one worker took 119 to 152 s with it, the
difference being system time.

Importing the engine (:mod:`alliance_sim.model`) therefore turns the advice off
for this process, unless the user has chosen with numpy's own switch,
``NUMPY_MADVISE_HUGEPAGE`` (``=1`` keeps it on). The kernel may still use huge
pages on its own; only the synchronous compaction goes.
"""

from __future__ import annotations

import os

import numpy as np

#: numpy's own environment switch: when set, its value stands.
ENV = "NUMPY_MADVISE_HUGEPAGE"


def _multiarray():
    core = getattr(np, "_core", None) or np.core  # numpy 2, or 1.26
    return core.multiarray


def advise_off() -> bool:
    """Turn numpy's huge-page advice off unless ``NUMPY_MADVISE_HUGEPAGE`` is set; whether it is now off."""
    multiarray = _multiarray()
    if not hasattr(multiarray, "_set_madvise_hugepage"):  # pragma: no cover - numpy before 1.20
        return False
    if os.environ.get(ENV) is None:
        multiarray._set_madvise_hugepage(False)
    return not multiarray._get_madvise_hugepage()
