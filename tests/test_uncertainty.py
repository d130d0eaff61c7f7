"""The variance decomposition gives each group of inputs the share it can be reasoned to have."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_posterior

from alliance_sim import uncertainty
from alliance_sim.posterior import load
from alliance_sim.scenario import Scenario

QUIET = {  # no noise stream can matter: no misreads, no approval shocks, no meetings, no dispute to climb
    "axelrod": {"misperception": 0.0},
    "domestic": {"approval_noise": 0.0},
    "meetings": {"rate": 0.0},
}


def scenario(events: dict, parameters: dict | None = None) -> Scenario:
    return Scenario.model_validate(
        {"name": "t", "start": "2025-01", "months": 12, "seed": 5, "events": events, "parameters": parameters or QUIET}
    )


def shares(frame, outcome: str) -> dict[str, tuple[float, float, float]]:
    """Per group: first-order index, total index, and the larger 95% half-width of the two."""
    rows = frame[frame.outcome == outcome]
    return {r.group: (r.first_order, r.total, max(r.first_order_conf, r.total_conf)) for r in rows.itertuples()}


def near_one(first: float, total: float, conf: float) -> bool:
    """Both indices of the only random group estimate 1, within their interval (plus a little slack)."""
    return abs(first - 1.0) < 2 * conf + 0.05 and abs(total - 1.0) < 2 * conf + 0.05


def test_only_incidents_vary_when_the_only_randomness_is_an_incident_stream():
    # A nuclear test with chance 0.05 a month, point estimates, every noise source off: the spread
    # of ROK-JPN cooperation comes from whether and when the test happens, nothing else.
    s = scenario({"test": {"type": "nuclear_test", "from": "2025-01", "probability": 0.05}})
    got = shares(uncertainty.decompose(s, None, base=256), "ROK-JPN, final month")
    assert got["parameters"][1] == 0.0 and got["noise"][1] == 0.0  # holding them changes nothing, exactly
    assert near_one(*got["incidents"]), got


def test_parameters_explain_the_spread_when_sets_differ_and_nothing_else_is_random(tmp_path):
    path = write_posterior(tmp_path / "p.csv", [{"parameters.cha.baseline": b} for b in np.linspace(0.3, 0.6, 8)])
    got = shares(uncertainty.decompose(scenario({}), load(path), base=256), "ROK-JPN, final month")
    assert got["incidents"][1] == 0.0 and got["noise"][1] == 0.0
    assert near_one(*got["parameters"]), got


def test_a_coefficient_the_scenario_sets_is_held_so_the_parameters_explain_nothing(tmp_path):
    path = write_posterior(tmp_path / "p.csv", [{"parameters.cha.baseline": b} for b in (0.3, 0.6)])
    held = scenario({}, {**QUIET, "cha": {"baseline": 0.5}})
    got = shares(uncertainty.decompose(held, load(path), base=64), "ROK-JPN, final month")
    assert all(np.isnan(v[0]) for v in got.values())  # no variance at all: nothing to decompose


def test_noise_shows_when_misperception_is_on():
    s = scenario({}, {"domestic": {"approval_noise": 0.0}, "meetings": {"rate": 0.0}})
    got = shares(uncertainty.decompose(s, None, base=256), "ROK-JPN, final month")
    assert got["parameters"][1] == 0.0 and got["incidents"][1] == 0.0
    assert near_one(*got["noise"]), got


def test_the_base_size_must_be_a_power_of_two():
    with pytest.raises(ValueError, match="power of two"):
        uncertainty.decompose(scenario({}), None, base=100)


def test_the_table_marks_outcomes_without_enough_futures():
    s = scenario({"test": {"type": "nuclear_test", "from": "2025-01", "probability": 0.05}})
    text = uncertainty.table(uncertainty.decompose(s, None, base=64))
    assert "| rupture probability | 0.000 | — (too few futures on one side)" in text


def test_the_report_says_where_the_spread_comes_from(tmp_path):
    from conftest import BASE

    from alliance_sim.report import write_report
    from alliance_sim.run import simulate

    results = simulate(BASE, replications=100, months=24, out=tmp_path / "run")
    text = write_report(results).read_text(encoding="utf-8")
    section = text[text.index("## Where the spread comes from") : text.index("## Figures")]
    row = next(line for line in section.splitlines() if line.startswith("| ROK-JPN, final month |"))
    # the suite's default posterior holds only the point estimates: the sets cannot matter
    assert row.split(" | ")[2] == "0.00 ± 0.00; 0.00 ± 0.00"


def test_a_posterior_of_one_set_runs_that_set(tmp_path):
    # nothing random is active in QUIET without events: every future is the same deterministic run
    one = write_posterior(tmp_path / "one.csv", [{"parameters.cha.baseline": 0.59}])
    with_set = uncertainty.decompose(scenario({}), load(one), base=4)
    point = uncertainty.decompose(scenario({}, {**QUIET, "cha": {"baseline": 0.59}}), None, base=4)
    assert with_set["mean"].iloc[0] == point["mean"].iloc[0]
