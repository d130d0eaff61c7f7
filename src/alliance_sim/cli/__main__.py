"""``python -m alliance_sim.cli``: the ``simulate`` command."""

from . import entry

entry()
