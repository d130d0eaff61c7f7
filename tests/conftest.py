"""Shared fixtures: small real ensembles of the two library scenarios, and synthetic sweeps.

Synthetic sweeps follow the sweep contract (``manifest["kind"] == "sweep"``,
``manifest["design"]`` with sampler, problem and parameters; one ``runs`` column per
swept dotted path; points numbered in sample order), so the analysis of sweeps can
be tested against outcomes whose answers are known without running the model.
"""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent, indent

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from alliance_sim import simulate
from alliance_sim.store import Results

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
BASE = SCENARIOS / "base.yaml"
#: base.yaml from its assumed start (spin_up: null): for tests that set initial states.
BASE_ASSUMED = Path(__file__).parent / "scenarios" / "base_assumed.yaml"


def write_posterior(path: Path, rows: list[dict[str, float]] | np.ndarray, columns: list[str] | None = None) -> Path:
    """Write a posterior CSV: a header of coefficient paths, one row per coefficient set."""
    if columns is None:
        columns = list(rows[0])
        rows = [[r[c] for c in columns] for r in rows]
    lines = [",".join(columns), *(",".join(repr(float(v)) for v in r) for r in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def point_estimates_posterior(folder: Path, sets: int = 16) -> Path:
    """A posterior whose every set is the point estimates, over every coefficient a posterior may hold.

    The suite's default posterior: every ``simulate`` and sweep runs the posterior path
    (set indices, coefficient columns, manifest), never the shipped file, and its numbers
    equal those of the point estimates. tests/test_posterior.py uses posteriors whose sets differ.
    """
    from alliance_sim.columns import COLUMNS, row
    from alliance_sim.scenario import load_scenario

    columns = [c for c in COLUMNS if c.startswith("parameters.") and not c.startswith("parameters.thresholds.")]
    defaults = row(load_scenario(BASE))
    values = [[defaults[COLUMNS.index(c)] for c in columns]] * sets
    return write_posterior(folder / "posterior.csv", values, columns)


_POSTERIOR_DIR: list[Path] = []


def pytest_configure(config):
    """Compile the month step once (or load it from the disk cache) before the test workers start,
    and point the default posterior at one of the suite's own (``$ALLIANCE_SIM_POSTERIOR``).

    Test workers, CLI subprocesses and pool workers then load the compiled code from the cache
    instead of each compiling it (about 20 s each on a fresh cache), and inherit the variable.
    """
    if not hasattr(config, "workerinput"):  # the controller, or a run without workers
        import os
        import tempfile

        from alliance_sim.jit import warm
        from alliance_sim.posterior import ENV

        _POSTERIOR_DIR.append(Path(tempfile.mkdtemp(prefix="alliance-sim-posterior-")))
        os.environ[ENV] = str(point_estimates_posterior(_POSTERIOR_DIR[0]))
        warm()


def pytest_unconfigure(config):
    import shutil

    for folder in _POSTERIOR_DIR:
        shutil.rmtree(folder, ignore_errors=True)


#: A 2 x 2 grid over base.yaml, six replications of 12 months a point: the sweep tests' small case.
SMALL_SWEEP = """\
sampler: grid
parameters:
  actors.ROK.us_trust: [0.7, 0.9]
  events.prk_tests.rate_per_month: [1.0, 5.0]
replications: 6
seed: 11
overrides: {months: 12}
"""


def write_sweep(folder: Path, body: str = SMALL_SWEEP, name: str = "small.yaml", scenario: Path | str = BASE) -> Path:
    """Write a sweep file over ``scenario`` whose ``sweep:`` body is ``body``; return its path."""
    path = folder / name
    path.write_text(f"sweep:\n  scenario: {scenario}\n" + indent(dedent(body), "  "))
    return path


MINIMAL = """\
name: tiny
start: 2025-01
months: 12
replications: 20
seed: 7
events:
  prk_tests: {type: missile_tests, rate_per_month: 3, from: 2025-01}
"""


@pytest.fixture
def write(tmp_path):
    """Write a dedented YAML text to tmp_path/name and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def base_results():
    return simulate(SCENARIOS / "base.yaml", replications=200, months=36)


@pytest.fixture(scope="session")
def transition_results():
    return simulate(SCENARIOS / "political_transition.yaml", replications=200, months=36)


def sweep_results(
    X: np.ndarray,
    names: list[str],
    bounds: list[list[float]],
    columns: dict[str, np.ndarray],
    sampler: str = "sobol",
    calc_second_order: bool = False,
    samples: int | None = None,
    months: int = 3,
) -> Results:
    """A Results object shaped like a sweep's output.

    ``X`` holds one row per design point (in sample order); ``columns`` maps run-summary
    names to arrays of shape (points, replications).
    """
    P = len(X)
    R = next(iter(columns.values())).shape[1]
    runs = pd.DataFrame(
        {
            "point": np.repeat(np.arange(P), R),
            "replication": np.tile(np.arange(R), P),
            "seed": np.uint64(1),
            "spawn_key": [f"{p},{r}" for p in range(P) for r in range(R)],
        }
    )
    for i, name in enumerate(names):
        runs[name] = np.repeat(X[:, i], R)
    for name, values in columns.items():
        runs[name] = np.asarray(values).reshape(-1)
    dates = pd.date_range("2025-01-01", periods=months, freq="MS")
    series = pd.DataFrame(
        {
            "point": np.repeat(np.arange(P), months),
            "month": np.tile(np.arange(1, months + 1), P),
            "date": np.tile(dates, P),
            "metric": "cohesion",
            "mean": 0.5,
            "p05": 0.4,
            "p50": 0.5,
            "p95": 0.6,
        }
    )
    problem = {"num_vars": len(names), "names": list(names), "bounds": [list(b) for b in bounds]}
    manifest = {
        "kind": "sweep",
        "name": "synthetic",
        "design": {
            "sampler": sampler,
            "seed": 7,
            "samples": samples,
            "calc_second_order": calc_second_order,
            "parameters": [{"path": n, "low": b[0], "high": b[1]} for n, b in zip(names, bounds, strict=True)],
            "problem": problem,
            "points": P,
        },
    }
    return Results(runs=runs, series=series, manifest=manifest)


@pytest.fixture
def make_sweep():
    return sweep_results


@pytest.fixture
def grid_sweep():
    """A 3 x 4 grid whose rupture share is known in every cell: x * y exactly (R = 40)."""
    xs, ys = np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.25, 0.5, 1.0])
    X = np.array([(x, y) for x in xs for y in ys])
    R = 40
    share = X[:, 0] * X[:, 1]
    rupture = np.arange(R)[None, :] < np.round(share * R)[:, None]
    cohesion = np.repeat((1 - share)[:, None], R, axis=1) + np.linspace(-0.05, 0.05, R)[None, :]
    return sweep_results(
        X,
        ["parameters.cha.grievance", "actors.ROK.antipathy"],
        [[0, 1], [0, 1]],
        {"rupture": rupture, "cohesion_mean": cohesion},
        sampler="grid",
    )


@pytest.fixture
def asymmetric_grid(make_sweep):
    """A 4 x 4 x 3 grid like sweeps/us_commitment.yaml where rupture depends only on |x - y|:
    pooled over y, the response to x is U-shaped; the heatmap shows the diagonal."""
    levels = np.linspace(0.6, 1.0, 4)
    X = np.array([(a, b, c) for a in levels for b in levels for c in (1.0, 3.4, 6.0)])
    R = 40
    share = np.clip(np.abs(X[:, 0] - X[:, 1]) - 0.1, 0, None) / 0.3 * 0.4
    rupture = np.arange(R)[None, :] < np.round(share * R)[:, None]
    names = ["actors.ROK.us_trust", "actors.JPN.us_trust", "events.prk_tests.rate_per_month"]
    return make_sweep(X, names, [[0.6, 1.0], [0.6, 1.0], [1.0, 6.0]], {"rupture": rupture}, sampler="grid")
