"""Parameter sweeps: sweep files, the task plan, execution, failures and resume.

A sweep file has one top-level key, ``sweep:``::

    sweep:
      scenario: ../scenarios/base.yaml     # relative to this file
      sampler: grid                        # grid | lhs | sobol | morris
      parameters:
        actors.ROK.us_trust: [0.7, 0.8, 0.9]                 # a list of values
        events.prk_tests.rate_per_month: {low: 1, high: 6, steps: 3}
      replications: 200                    # per design point
      seed: 7                              # root seed of the runs and of the sampler
      chunk: 1000                          # replications per task (does not change results)

Every random number of replication ``r`` of design point ``p`` is computed from its address
(seed, p, r, month, stream), so results do not depend on chunking, batching, workers or
executor. See ``docs/sweeps.md``.

Modules, in the order a sweep meets them: ``spec`` (the file's schema), ``load``
(validation and the design), ``design`` (the loaded :class:`Sweep` and its tasks),
``tasks`` (what a worker runs), ``executors`` (where tasks run), ``store`` (the
folder while it runs) and ``runner`` (the execution loop).
"""

from ..errors import SweepError
from .design import Sweep
from .execution import Outcome, SweepInterrupted
from .load import is_sweep_file, load_sweep
from .runner import execute, run_sweep

__all__ = ["Outcome", "Sweep", "SweepError", "SweepInterrupted", "execute", "is_sweep_file", "load_sweep", "run_sweep"]
