"""Per-replication coefficients and batched design points: one compiled run gives each
replication exactly the future it has when run alone; and the uncompiled path agrees."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import BASE, ROOT

import alliance_sim
from alliance_sim import load_scenario
from alliance_sim.columns import COLUMNS, col, row
from alliance_sim.ensemble import build
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import apply_overrides

MONTHS = 24


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASE, {"months": MONTHS, "replications": 40})


def test_coefficient_row_holds_the_scenario_values(base):
    c = row(apply_overrides(base, {"parameters.cha.grievance": 1.1, "actors.ROK.government": "progressive"}))
    assert len(c) == len(COLUMNS)
    assert c[col("parameters.cha.grievance")] == 1.1
    assert c[col("actors.ROK.government")] == -1.0
    assert base.actors.ROK.antipathy_anchor is None
    assert c[col("actors.ROK.antipathy_anchor")] == base.actors.ROK.antipathy  # an unset anchor is the value itself


def test_batched_points_equal_each_point_run_alone(base):
    a = apply_overrides(base, {"parameters.cha.grievance": 1.1, "events.prk_tests.rate_per_month": 6.0})
    b = apply_overrides(base, {"actors.USA.commitment": 0.5})
    runs, trace = run_ensemble(a, ensemble=build([(a, 3, range(0, 40)), (b, 7, range(10, 30))]))
    alone_a, trace_a = run_ensemble(a, 3, range(0, 40))
    alone_b, trace_b = run_ensemble(b, 7, range(10, 30))
    for name in trace:
        assert trace[name][:, :40].tobytes() == trace_a[name].tobytes(), name
        assert trace[name][:, 40:].tobytes() == trace_b[name].tobytes(), name
    assert runs.point.tolist() == [3] * 40 + [7] * 20
    assert runs.cohesion_mean.tolist() == alone_a.cohesion_mean.tolist() + alone_b.cohesion_mean.tolist()


def test_per_replication_coefficients_equal_the_same_override_run_alone(base):
    values = np.linspace(0.2, 1.8, 40)
    _, trace = run_ensemble(base, coefficients={"parameters.cha.grievance": values})
    for r in (0, 17, 39):
        one = apply_overrides(base, {"parameters.cha.grievance": float(values[r])})
        _, alone = run_ensemble(one, 0, [r])
        assert trace["coop_rok_jpn"][:, r].tobytes() == alone["coop_rok_jpn"][:, 0].tobytes()
    # and the coefficient matters: cooperation falls as the grievance weight rises
    final = trace["coop_rok_jpn"][-1]
    assert final[:10].mean() > final[-10:].mean() + 0.05


def test_initial_values_can_differ_per_replication(base):
    approval = np.where(np.arange(40) < 20, 0.2, 0.8)
    _, trace = run_ensemble(base, coefficients={"actors.JPN.coop.ROK": 1.0, "actors.ROK.approval": approval})
    one = apply_overrides(base, {"actors.JPN.coop.ROK": 1.0, "actors.ROK.approval": 0.8})
    _, alone = run_ensemble(one, 0, [25])
    assert trace["cohesion"][:, 25].tobytes() == alone["cohesion"][:, 0].tobytes()


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"parameters.cha.nonsense": 1.0}, "unknown coefficient column"),
        ({"parameters.cha.grievance": np.ones(3)}, "one per replication"),
        ({"parameters.cha.grievance": 9.0}, r"must lie in \[0.0, 2.0\]"),
        ({"actors.ROK.approval": np.nan}, "must lie in"),
    ],
)
def test_bad_coefficients_are_refused(base, values, match):
    with pytest.raises(ValueError, match=match):
        run_ensemble(base, coefficients=values)


def test_parts_of_one_ensemble_must_share_their_shape(base):
    other = apply_overrides(base, {"months": MONTHS + 1})
    with pytest.raises(ValueError, match="differs in start, horizon or events"):
        build([(base, 0, range(2)), (other, 1, range(2))])


def uncompiled_copy():
    """A second copy of the package, imported with NUMBA_DISABLE_JIT: every compiled function is plain Python.

    numba returns the undecorated function when JIT is disabled at decoration time, so this copy
    runs the very source lines of the compiled step in the interpreter (and coverage sees them).
    """
    import importlib.util

    import numba

    import alliance_sim

    name = "alliance_sim_uncompiled"
    if name in sys.modules:
        return sys.modules[name]
    folder = Path(alliance_sim.__file__).parent
    spec = importlib.util.spec_from_file_location(
        name, folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    numba.config.DISABLE_JIT = True
    try:
        spec.loader.exec_module(module)
    finally:
        numba.config.DISABLE_JIT = False
    return module


def every_kind() -> dict:
    """One event of every registered kind (its contract sample), plus a random background."""
    from alliance_sim.events import EVENT_TYPES

    events = {f"probe_{kind}": {"type": kind, **cls.sample} for kind, cls in EVENT_TYPES.items()}
    events["nuclear_process"] = {"type": "nuclear_test", "from": "2025-02", "probability": 0.4}
    events["summit_with_prk"] = {"type": "summit", "parties": ["ROK", "USA", "PRK"], "at": "2025-03"}
    events["coerce_at_sea"] = {"type": "china_coercion", "channel": "maritime", "target": "both", "at": "2025-02"}
    return events


@pytest.mark.parametrize("case", ["compound", "every_kind"])
def test_the_uncompiled_path_gives_the_same_numbers(case):
    # NUMBA_DISABLE_JIT=1 runs the very same functions as plain Python: same numbers, bit for bit.
    py = uncompiled_copy()
    assert not hasattr(py.kernel.advance, "signatures")  # plain Python, not a numba dispatcher
    out = {}
    for package in (alliance_sim, py):
        if case == "compound":
            s = package.load_scenario(ROOT / "scenarios" / "compound.yaml", {"months": 14})
        else:
            data = {"name": "kinds", "start": "2025-01", "months": 9, "seed": 5, "events": every_kind()}
            s = package.scenario.Scenario.model_validate(data)
        out[package.__name__] = package.run.run_ensemble(s, 0, range(5))[1]
    compiled, plain = out.values()
    for name in compiled:
        assert compiled[name].tobytes() == plain[name].tobytes(), name


def test_the_uncompiled_order_statistics_give_the_same_quantiles():
    # the quantiles' order statistics run as plain Python too, through every path: spread values,
    # ties at the extremes, a bunched bucket bucketed again, a scale a pass hardly splits, NaN,
    # zeros of both signs, a span beyond float64
    py = uncompiled_copy()
    rng = np.random.default_rng(3)
    n = 1500
    rows = [
        rng.normal(size=n),
        (rng.random(n) < 0.2).astype(float),
        np.where(rng.random(n) < 0.02, -2.7e-3, rng.normal(size=n) * 1e-17),
        2.0 ** -rng.integers(0, 1000, size=n),
        np.where(rng.random(n) < 0.01, np.nan, rng.normal(size=n)),
        np.where(rng.random(n) < 0.5, -0.0, 0.0),
        np.where(rng.random(n) < 0.1, 1e308, -1e308 * rng.random(n)),
    ]
    values = np.array(rows)
    compiled, plain = alliance_sim.series.percentiles(values), py.series.percentiles(values)
    assert compiled.tobytes() == plain.tobytes() == np.percentile(values, (5, 50, 95), axis=1).tobytes()


def test_a_chosen_numba_cache_dir_still_gets_a_folder_per_source_version(tmp_path):
    # numba keys a cached function on its own file only: without the source hash, an edit to an
    # actor module would run the old compiled kernel from a NUMBA_CACHE_DIR the user set.
    code = "import numba, alliance_sim.jit; print(numba.config.CACHE_DIR)"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    folder = Path(out.stdout.strip())
    assert folder.parent == tmp_path and re.fullmatch(r"[0-9a-f]{16}", folder.name)


def test_warm_loads_everything_a_sweep_task_compiles():
    # after warm(), a task's compiled functions are in this process: the month step and the
    # quantiles' order statistics (from the disk cache, or compiled once)
    code = (
        "from alliance_sim.jit import warm; warm()\n"
        "from alliance_sim.kernel import advance; from alliance_sim.orderstats import interpolated\n"
        "print(len(advance.signatures), len(interpolated.signatures))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1"]


def test_parts_with_different_rupture_thresholds_do_not_share_an_ensemble():
    # the run summaries read one threshold per ensemble: a sweep over it must not batch its points
    from alliance_sim.ensemble import shape_of
    from alliance_sim.scenario import Scenario

    low, high = (
        Scenario.model_validate({"name": "t", "start": "2025-01", "parameters": {"thresholds": {"rupture": r}}})
        for r in (0.1, 0.9)
    )
    assert shape_of(low) != shape_of(high)
