"""Trace arrays lent from one ensemble to the next of the same shape.

A sweep worker runs ensembles of one shape one after another. Each one's trace
arrays (a 1,000 x 120 ensemble: 30 MB) are larger than what the C allocator keeps
for reuse once freed, so fresh arrays come back as fresh pages and the run's first
write to each page is a page fault: about 7,000 of them a task. Lent again, the
arrays are written in place.
"""

from __future__ import annotations

import numpy as np


class TraceBuffers:
    """Arrays by name and shape, handed out again at the next request of the same name and shape.

    Whoever asks for an array owns it only until the next such request: the caller must be
    done with the previous ensemble's traces (their files written) before it builds the
    next. Keeps the latest ``keep`` arrays asked for, so an ensemble of another size does
    not pin the old ones.
    """

    def __init__(self, keep: int = 2):
        self.keep = keep
        self._arrays: dict[tuple[str, tuple[int, ...]], np.ndarray] = {}

    def empty(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float64 array of ``shape`` for ``name``, holding whatever it last held (unset if new)."""
        key = (name, tuple(int(n) for n in shape))
        array = self._arrays.pop(key, None)
        if array is None:
            array = np.empty(key[1])
        self._arrays[key] = array  # the latest requests last
        while len(self._arrays) > self.keep:
            del self._arrays[next(iter(self._arrays))]
        return array
