"""The explorer page rendered in-process (Solara's test renderer, no browser) and its figures."""

import os

import numpy as np
import pytest
from conftest import BASE, SCENARIOS

os.environ.setdefault("ALLIANCE_SIM_EXPLORE_SCENARIO", str(BASE))  # the page's first scenario, read at import
solara = pytest.importorskip("solara", reason="the explorer needs the viz extra: pip install -e '.[viz]'")
go = pytest.importorskip("plotly.graph_objects")

from alliance_sim import app, explore, load_scenario  # noqa: E402


@pytest.fixture(scope="module")
def pair():
    a = explore.run(load_scenario(BASE, {"replications": 200, "months": 36}))
    b = explore.run(load_scenario(SCENARIOS / "political_transition.yaml", {"replications": 200, "months": 36}))
    return a, b


def test_figures_hold_the_ensemble_numbers_and_validate(pair):
    a, b = pair
    env = app.envelope_figure(a, b)
    series = a.results.series
    mean = series[series.metric == "coop_rok_jpn"].sort_values("month")["mean"].to_numpy()
    first = next(t for t in env.data if t.name == "base: mean" and t.xaxis == "x")
    np.testing.assert_array_equal(first.y, mean)
    assert any(t.name == "political_transition: mean" for t in env.data)
    assert {s["x0"] for s in env.layout.shapes if s["type"] == "line" and s["xref"] == "x"} >= {"2025-01-01"}
    probs = app.probability_figure(a, b)
    assert {t.name for t in probs.data if t.name} >= {
        "base: ruptured by this month",
        "political_transition: rupture this month",
    }
    attribution = app.attribution_figure(a)
    assert {t.name for t in attribution.data} >= {"threat", "grievance", "gate", "net change"}
    comparison = app.comparison_figure(a, b)
    assert "rupture" in list(comparison.data[0].y)
    for fig in (env, probs, attribution, comparison):  # the page skips Plotly's validation; check here
        go.Figure(fig.to_dict())


def _envelope_mean(rc):
    widget = rc.find(class_="explore-envelopes").widget.children[0]
    return next(t for t in widget.data if t.name.endswith(": mean") and t.xaxis == "x").y


def test_page_reruns_on_a_slider_move_and_compares(monkeypatch):
    app.values.set({})
    app.compare_name.set(app.NO_COMPARISON)
    app.replications.set(200)
    app.months.set(24)
    _box, rc = solara.render(app.Page(), handle_error=False)
    status = rc.find(attributes={"class": "explore-status"}).widget
    assert "200 futures × 24 months" in status.unsafe_innerHTML and "Changed: none" in status.unsafe_innerHTML
    before = np.array(_envelope_mean(rc))
    assert len(before) == 24
    app.values.set({"parameters.cha.grievance": 1.2})
    after = np.array(_envelope_mean(rc))
    assert not np.allclose(before, after) and after[-1] < before[-1]
    assert "parameters.cha.grievance=1.2" in rc.find(attributes={"class": "explore-status"}).widget.unsafe_innerHTML
    app.compare_name.set("political_transition")
    comparison = rc.find(class_="explore-comparison").widget.children[0]
    assert "cohesion_mean" in list(comparison.data[0].y)
    app._select_scenario("missile_tests")
    assert app.values.value == {} and app.scenario_name.value == "missile_tests"
    app.replications.set(0)  # below the schema's minimum: the page shows the error instead of figures
    assert rc.find(class_="explore-envelopes").widgets == []
    app.replications.set(1000)
    app._select_scenario("base")
    app.compare_name.set(app.NO_COMPARISON)
