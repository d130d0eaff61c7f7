"""alliance-sim: an ensemble agent-based model of alliance stability in Northeast Asia."""

from .run import simulate
from .scenario import Scenario, ScenarioError, load_scenario
from .store import Results, load_results
from .sweep import Sweep, SweepError, SweepInterrupted, load_sweep, run_sweep
from .trajectories import load_trajectories

__all__ = [
    "Results",
    "Scenario",
    "ScenarioError",
    "Sweep",
    "SweepError",
    "SweepInterrupted",
    "load_results",
    "load_scenario",
    "load_sweep",
    "load_trajectories",
    "run_sweep",
    "simulate",
]
