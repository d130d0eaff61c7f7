"""Scenario discovery (PRIM, CART), feature scoring and the EMA interop, on synthetic sweeps whose
answer is known: the cases of interest fill exactly the box x1 > 0.6 and x2 < 0.3, and x3 is inert.

These need the ``explore`` extra (EMA Workbench); CI installs it (``.ci/run``). Without it they
are skipped with the install command as the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip(
    "ema_workbench", reason="the explore extra is not installed: pip install -e '.[dev,explore]'", exc_type=ImportError
)

from alliance_sim import analysis, plots
from alliance_sim.store import Results

NAMES = ["parameters.cha.grievance", "actors.ROK.antipathy", "parameters.cha.shared_threat"]


@pytest.fixture(scope="module")
def boxed(request):
    """An LHS-like sweep of 500 points x 4 replications; rupture exactly inside x1 > 0.6, x2 < 0.3."""
    from conftest import sweep_results

    X = np.random.default_rng(1).random((500, 3))
    inside = (X[:, 0] > 0.6) & (X[:, 1] < 0.3)
    R = 4
    cohesion = (0.8 - 0.4 * inside + 0.05 * X[:, 2])[:, None] + np.linspace(-0.01, 0.01, R)[None, :]
    return sweep_results(
        X,
        NAMES,
        [[0, 1]] * 3,
        {"rupture": np.repeat(inside[:, None], R, axis=1), "cohesion_min": cohesion},
        sampler="lhs",
    )


def test_prim_finds_the_known_box(boxed):
    found = analysis.discover(boxed, "rupture")
    assert found.method == "prim" and found.outcome == "rupture"
    stats = found.stats.iloc[0]
    assert stats["coverage"] >= 0.95 and stats["density"] >= 0.95
    limits = found.boxes.set_index("parameter")
    assert set(limits.index) == {NAMES[0], NAMES[1]}  # x3 is inert: never restricted
    assert limits.loc[NAMES[0], "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc[NAMES[1], "high"] == pytest.approx(0.3, abs=0.03)
    # the restricted side of each limit is significant, the open side has no quasi-p-value
    assert limits.loc[NAMES[0], "qp_low"] < 1e-6 and np.isnan(limits.loc[NAMES[0], "qp_high"])
    assert limits.loc[NAMES[1], "qp_high"] < 1e-6 and np.isnan(limits.loc[NAMES[1], "qp_low"])
    # the trajectory starts with the whole space and gets denser as it peels
    t = found.trajectory
    assert t["mass"].iloc[0] == 1.0 and t["density"].iloc[0] == pytest.approx(found.base_rate)
    assert t["density"].iloc[-1] >= t["density"].iloc[0]


def test_prim_trajectory_is_ema_workbench_own(boxed):
    # the wrapper only feeds EMA and reads back: its trajectory is the one EMA's Prim gives directly
    from ema_workbench.analysis import prim

    x, y = analysis.inputs(boxed), boxed.runs["rupture"].to_numpy().astype(int)
    direct = prim.Prim(x, y, peel_alpha=0.05, mass_min=0.05).find_box().peeling_trajectory
    ours = analysis.discover(boxed, "rupture").trajectory
    np.testing.assert_allclose(ours["coverage"], direct["coverage"].astype(float))
    np.testing.assert_allclose(ours["density"], direct["density"].astype(float))


def test_cart_finds_the_known_box(boxed):
    found = analysis.discover(boxed, "rupture", method="cart")
    stats = found.stats.iloc[0]
    assert stats["density"] == 1.0 and stats["coverage"] >= 0.95
    limits = found.boxes.set_index("parameter")
    assert set(limits.index) == {NAMES[0], NAMES[1]}
    assert limits.loc[NAMES[0], "low"] == pytest.approx(0.6, abs=0.03)
    assert limits.loc[NAMES[1], "high"] == pytest.approx(0.3, abs=0.03)
    assert found.trajectory["mass"].sum() == pytest.approx(1.0)  # CART's leaves partition the data


def test_discovery_on_a_threshold_of_a_numeric_summary(boxed):
    found = analysis.discover(boxed, "cohesion_min", threshold=0.6)
    assert found.outcome == "cohesion_min < 0.6"
    assert set(found.boxes["parameter"]) == {NAMES[0], NAMES[1]}
    assert found.base_rate == pytest.approx(boxed.runs["rupture"].mean())


def test_discovery_refuses_outcomes_with_one_class_and_unknown_methods(boxed):
    with pytest.raises(ValueError, match="both classes"):
        analysis.discover(boxed, "cohesion_min", threshold=0.0)
    with pytest.raises(ValueError, match="give a threshold"):
        analysis.discover(boxed, "cohesion_min")
    with pytest.raises(ValueError, match="'prim' or 'cart'"):
        analysis.discover(boxed, "rupture", method="tree")


def test_feature_scores_rank_the_inert_input_last(boxed):
    for level in ("point", "replication"):
        scores = analysis.feature_scores(boxed, "rupture", level=level)
        assert list(scores.columns) == ["parameter", "score"]
        assert scores["score"].sum() == pytest.approx(1.0)
        assert scores["parameter"].iloc[-1] == NAMES[2], level
    numeric = analysis.feature_scores(boxed, "cohesion_min")
    assert numeric["parameter"].iloc[-1] == NAMES[2]


def test_to_ema_gives_experiments_and_outcomes(boxed):
    experiments, outcomes = boxed.to_ema()
    assert list(experiments.columns) == [*NAMES, "scenario", "policy", "model"]
    assert len(experiments) == len(boxed.runs) and set(outcomes) == {"rupture", "cohesion_min"}
    assert outcomes["rupture"].dtype == bool
    # what EMA users do with the pair: their own PRIM on it
    from ema_workbench.analysis import prim

    box = prim.Prim(experiments, outcomes["rupture"].astype(int)).find_box()
    assert box.peeling_trajectory["density"].iloc[-1] > 0.9
    per_point, series = boxed.to_ema(level="point")
    assert len(per_point) == 500 and series["cohesion"].shape == (500, 3) and series["TIME"].shape == (500, 3)
    with pytest.raises(ValueError, match="level"):
        boxed.to_ema(level="month")


def test_discovery_figure(boxed, tmp_path):
    fig = plots.discovery(analysis.discover(boxed, "rupture"))
    trade, limits = (ax for ax in fig.axes if ax.get_label() != "<colorbar>")
    assert trade.get_xlabel() == "coverage" and trade.get_ylabel() == "density"
    assert NAMES[0] in [t.get_text() for t in limits.get_yticklabels()]
    fig.savefig(tmp_path / "d.png")
    assert (tmp_path / "d.png").stat().st_size > 10_000


def test_single_runs_have_no_inputs_to_discover_from():
    runs = pd.DataFrame({"point": [0, 0], "replication": [0, 1], "rupture": [True, False]})
    with pytest.raises(ValueError, match="no inputs that vary"):
        analysis.discover(Results(runs, pd.DataFrame(), {}), "rupture")
