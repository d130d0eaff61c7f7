"""The explorer's engine (no browser, no Solara): sliders, runs, event probabilities, the command."""

import numpy as np
import pandas as pd
import pytest
from conftest import BASE, BASE_ASSUMED, SCENARIOS

from alliance_sim import analysis, explore, load_scenario, metrics, simulate
from alliance_sim.cli import main
from alliance_sim.coefficients import coefficient_registry
from alliance_sim.scenario import apply_overrides


@pytest.fixture(scope="module")
def small():
    # the assumed start (no spin-up): the grievance setting below makes rupture likely, not certain, from it
    return load_scenario(BASE_ASSUMED, {"replications": 300, "months": 36})


def test_sliders_come_from_the_schema_and_every_end_is_valid(small):
    specs = explore.slider_specs(small)
    paths = [s.path for s in specs]
    assert len(paths) == len(set(paths))
    # every coefficient, with the registry's range
    registry = {row["path"]: row for row in coefficient_registry()}
    coefficient_specs = {s.path: s for s in specs if s.group.startswith("parameters.")}
    assert set(coefficient_specs) == set(registry)
    for path, spec in coefficient_specs.items():
        assert (spec.low, spec.high) == (registry[path]["low"], registry[path]["high"])
    # scenario inputs: actors and the events' bounded numbers
    assert {"actors.ROK.approval", "actors.USA.commitment", "actors.ROK.coop.JPN"} <= set(paths)
    assert "events.prk_tests.rate_per_month" in paths
    assert next(s for s in specs if s.path == "events.prk_tests.rate_per_month").high == 30
    for spec in specs:
        assert spec.low <= spec.value <= spec.high and spec.step > 0
        # the scenario's value is one of the slider's positions: loading a scenario moves nothing
        # (cha.baseline 0.455 needs a step of 0.001 on its 0..1 range)
        positions = (spec.value - spec.low) / spec.step
        assert abs(positions - round(positions)) < 1e-6, (spec.path, spec.value, spec.step)
        for end in (spec.low, spec.high):
            apply_overrides(small, {spec.path: end})  # raises if the schema refused it
    labels = {s.path: s.label for s in specs}
    assert labels["parameters.cha.grievance"] == "grievance"


def test_a_run_gives_the_same_numbers_as_simulate(small):
    ens = explore.run(small)
    ref = simulate(small, parameters="defaults")  # the explorer runs the point estimates
    pd.testing.assert_frame_equal(ens.results.runs, ref.runs)
    pd.testing.assert_frame_equal(ens.results.series, ref.series)
    assert ens.seconds > 0 and ens.results.manifest["name"] == "base"


def test_probabilities_of_rupture_over_time(small):
    s = apply_overrides(small, {"parameters.cha.grievance": 1.4})
    ens = explore.run(s)
    p = ens.probabilities
    # the two rupture views, and every indicator step metric (the observable events' monthly probability)
    indicators = {"leaders_meeting", "trade_measures", "security_linkage", "agreement_repudiated"}
    assert set(p.event) == {"rupture this month", "ruptured by this month", *indicators}
    assert (p.n == 300).all() and ((p.ci_low <= p.probability) & (p.probability <= p.ci_high)).all()
    by = p[p.event == "ruptured by this month"].set_index("month")
    assert 0.05 < by.probability.iloc[-1] < 0.95  # the setting makes rupture likely, not certain
    assert by.probability.is_monotonic_increasing
    survival = analysis.survival(ens.results).set_index("month")
    np.testing.assert_allclose(by.probability, 1 - survival.survival)
    np.testing.assert_allclose(by.ci_low, 1 - survival.ci_high, atol=1e-12)
    now = p[p.event == "rupture this month"].set_index("month")
    assert (now.probability <= by.probability + 1e-12).all()
    # the rupture share in month m is the share of futures in rupture (two tracks broken) that month
    months_in_rupture = ens.results.runs.months_in_rupture.sum()
    assert now.probability.sum() * 300 == pytest.approx(months_in_rupture)


def test_new_indicator_metrics_appear_in_the_probability_view(small, monkeypatch):
    def summit_held(model):
        """Indicator: a ROK-JPN summit boost is active this month (observable event)."""
        return (model.summit_boost[("ROK", "JPN")] > 0).astype(float)

    summit_held.indicator = True
    monkeypatch.setitem(metrics.STEP_METRICS, "summit_held", summit_held)
    assert explore.indicator_metrics() == [
        "leaders_meeting",
        "trade_measures",
        "security_linkage",
        "agreement_repudiated",
        "rupture",
        "summit_held",
    ]
    ens = explore.run(small)
    held = ens.probabilities[ens.probabilities.event == "summit_held"]
    assert len(held) == 36 and held.probability.iloc[0] == 1.0  # the January 2025 meeting


def test_dated_events_inside_the_horizon(small):
    events = explore.dated_events(small)
    assert list(events.name) == ["fm_meeting_seoul", "rok_presidential_2027"]  # 2028 is past 36 months
    assert list(events.month) == [1, 27]
    assert events.date.iloc[1] == pd.Timestamp("2027-03-01")


def test_changed_and_applicable_overrides(small):
    specs = explore.slider_specs(small)
    values = {"parameters.cha.grievance": 0.6, "actors.ROK.approval": 0.5, "events.prk_tests.rate_per_month": 5.0}
    moved = explore.changed(specs, values)
    assert moved == {"actors.ROK.approval": 0.5, "events.prk_tests.rate_per_month": 5.0}  # grievance is at its value
    other = load_scenario(SCENARIOS / "us_burden_sharing.yaml")
    kept = explore.applicable(other, {**moved, "events.no_such_event.magnitude": 0.1})
    assert "events.no_such_event.magnitude" not in kept and "actors.ROK.approval" in kept


def test_prepare_applies_size_controls_and_paired_comparison(small):
    a = explore.run(explore.prepare(small, None, replications=200, months=24, seed=5))
    assert (a.scenario.replications, a.scenario.months, a.scenario.seed) == (200, 24, 5)
    other = load_scenario(SCENARIOS / "political_transition.yaml")
    b = explore.run(explore.prepare(other, None, replications=200, months=24, seed=5))
    table = explore.comparison(a, b)
    methods = table.set_index("metric").method
    assert methods["cohesion_mean"] == "paired" and methods["rupture"] == "newcombe"


def test_library_lists_the_scenarios_of_a_folder():
    lib = explore.library(SCENARIOS)
    assert {"base", "political_transition", "compound", "hindcast_2015_2021"} <= set(lib)
    assert lib["base"] == SCENARIOS / "base.yaml"


def test_library_skips_files_that_are_not_scenarios(tmp_path, write):
    write("sweep: {scenario: x.yaml}\n", "sweep.yaml")
    write("name: ok\nstart: 2025-01\n", "ok.yaml")
    assert list(explore.library(tmp_path)) == ["ok"]


def test_explore_command_serves_the_app(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(explore.subprocess, "call", lambda cmd, env: calls.append((cmd, env)) or 0)
    assert main(["explore", str(BASE), "--port", "0"]) == 0
    cmd, env = calls[0]
    assert cmd[1:4] == ["-m", "solara", "run"] and "alliance_sim.app" in cmd
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    port = cmd[cmd.index("--port") + 1]
    assert int(port) > 0
    assert env[explore.SCENARIO_ENV] == str(BASE.resolve())
    assert f"http://127.0.0.1:{port}" in capsys.readouterr().out


def test_explore_command_stops_on_ctrl_c(monkeypatch):
    def interrupted(cmd, env):
        raise KeyboardInterrupt

    monkeypatch.setattr(explore.subprocess, "call", interrupted)
    assert main(["explore", str(BASE), "--port", "0"]) == 0


def test_explore_command_errors(tmp_path, monkeypatch, capsys):
    assert main(["explore", str(tmp_path / "missing.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err
    monkeypatch.setitem(__import__("sys").modules, "solara", None)  # as without the viz extra
    assert main(["explore", str(BASE)]) == 2
    assert "alliance-sim[viz]" in capsys.readouterr().err
