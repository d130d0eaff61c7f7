"""The review notebooks run top to bottom without error, each on under a minute of CPU.

They are executed with nbclient in a ``python3`` kernel (ipykernel from the dev extra)
with the notebooks folder as working directory, as a reader would open them. The
committed notebooks carry no outputs; the executed copies are discarded.

The budget is CPU time of the kernel and the sweep workers it started (they are its
children and are joined), not wall time: on a machine shared with other work the
wall time says more about the other work than about the notebook.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
BUDGET_SECONDS = 60
#: Wall time allowed per cell, only so that a stuck cell fails instead of hanging the suite.
CELL_TIMEOUT = 600
#: Appended to each notebook: CPU seconds of the kernel and its finished children (the sweep workers).
PROBE = """\
import json as _json, resource as _resource
_usage = [_resource.getrusage(who) for who in (_resource.RUSAGE_SELF, _resource.RUSAGE_CHILDREN)]
print(_json.dumps({"cpu": sum(u.ru_utime + u.ru_stime for u in _usage), **globals().get("PROBE_EXTRA", {})}))
"""


def execute(name: str, extra: str = "") -> tuple[nbformat.NotebookNode, dict]:
    """Run notebook ``name``, then a probe cell; return the notebook without the probe, and what it printed.

    ``extra`` is code run in the probe cell first; whatever it puts in the dict ``PROBE_EXTRA``
    is printed too.
    """
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(extra + "\n" + PROBE))
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    probe = nb.cells.pop()
    return nb, json.loads(probe.outputs[-1].text)


def figures(nb) -> int:
    return sum("image/png" in out.get("data", {}) for c in nb.cells if c.cell_type == "code" for out in c.outputs)


def opens_with_a_question(nb) -> bool:
    first = nb.cells[0]
    return first.cell_type == "markdown" and first.source.lstrip().startswith("# ") and "?" in first.source


def test_scenario_review_notebook_runs():
    nb, probe = execute("01_scenario_review.ipynb")
    assert probe["cpu"] < BUDGET_SECONDS, f"took {probe['cpu']:.1f} s of CPU"
    assert opens_with_a_question(nb)
    # envelopes x2, comparison, survival x2, attribution x2
    assert figures(nb) == 7


def test_sweep_analysis_notebook_runs(tmp_path, monkeypatch):
    # The kernel inherits TMPDIR, so the notebook's temporary sweep folder lands in a folder
    # this test owns; the notebook must leave it empty (it removes its ~6 MB of sweeps).
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    nb, probe = execute("02_sweep_analysis.ipynb", extra="PROBE_EXTRA = {'work': str(WORK)}")
    assert probe["cpu"] < BUDGET_SECONDS, f"took {probe['cpu']:.1f} s of CPU"
    assert Path(probe["work"]).parent == scratch  # the sweeps were written there
    assert list(scratch.iterdir()) == [], "the notebook left its sweeps behind"
    assert opens_with_a_question(nb)
    # heatmap, response line, Sobol indices x2
    assert figures(nb) == 4


def test_scenario_discovery_notebook_runs():
    pytest.importorskip(
        "ema_workbench",
        reason="the explore extra is not installed: pip install -e '.[dev,explore]'",
        exc_type=ImportError,
    )
    nb, probe = execute("03_scenario_discovery.ipynb")
    assert probe["cpu"] < BUDGET_SECONDS, f"took {probe['cpu']:.1f} s of CPU"
    assert opens_with_a_question(nb)
    # the PRIM trade-off and box limits
    assert figures(nb) == 1


@pytest.mark.parametrize("name", ["01_scenario_review.ipynb", "02_sweep_analysis.ipynb", "03_scenario_discovery.ipynb"])
def test_notebooks_are_committed_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert opens_with_a_question(nb)
    assert all(not c.outputs and c.execution_count is None for c in nb.cells if c.cell_type == "code")
