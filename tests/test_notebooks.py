"""The review notebooks run top to bottom without error, each in under a minute.

They are executed with nbclient in a ``python3`` kernel (ipykernel from the dev extra)
with the notebooks folder as working directory, as a reader would open them. The
committed notebooks carry no outputs; the executed copies are discarded.
"""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import alliance_sim

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
BUDGET_SECONDS = 60


def execute(name: str) -> tuple[nbformat.NotebookNode, float]:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        nb,
        timeout=BUDGET_SECONDS,  # per cell; a stuck cell fails the test instead of hanging it
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb, time.perf_counter() - started


def figures(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs)


def opens_with_a_question(nb) -> bool:
    first = nb.cells[0]
    return first.cell_type == "markdown" and first.source.lstrip().startswith("# ") and "?" in first.source


def test_scenario_review_notebook_runs():
    nb, seconds = execute("01_scenario_review.ipynb")
    assert seconds < BUDGET_SECONDS, f"took {seconds:.1f} s"
    assert opens_with_a_question(nb)
    # envelopes x2, comparison, survival x2, attribution x2
    assert figures(nb) == 7


def test_sweep_analysis_notebook_runs():
    if not hasattr(alliance_sim, "run_sweep"):
        pytest.skip("alliance_sim.run_sweep is not on this branch yet (it comes with the sweeps branch)")
    nb, seconds = execute("02_sweep_analysis.ipynb")
    assert seconds < BUDGET_SECONDS, f"took {seconds:.1f} s"
    assert opens_with_a_question(nb)
    # heatmap, response line, Sobol indices x2
    assert figures(nb) == 4


def test_scenario_discovery_notebook_runs():
    pytest.importorskip(
        "ema_workbench",
        reason="the explore extra is not installed: pip install -e '.[dev,explore]'",
        exc_type=ImportError,
    )
    nb, seconds = execute("03_scenario_discovery.ipynb")
    assert seconds < BUDGET_SECONDS, f"took {seconds:.1f} s"
    assert opens_with_a_question(nb)
    # the PRIM trade-off and box limits
    assert figures(nb) == 1


@pytest.mark.parametrize("name", ["01_scenario_review.ipynb", "02_sweep_analysis.ipynb", "03_scenario_discovery.ipynb"])
def test_notebooks_are_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert opens_with_a_question(nb)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
