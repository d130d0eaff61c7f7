"""alliance-sim: an ensemble agent-based model of alliance stability in Northeast Asia."""

from .run import simulate
from .scenario import Scenario, ScenarioError, load_scenario
from .store import Results, load_results

__all__ = ["Results", "Scenario", "ScenarioError", "load_results", "load_scenario", "simulate"]
