"""The spin-up start (scenario key ``spin_up``): reproducible, chunk-free, the spin-up's end state, inputs only."""

import csv
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import BASE

from alliance_sim import load_scenario, simulate, spinup
from alliance_sim.cli import main
from alliance_sim.columns import INDEX
from alliance_sim.ensemble import build
from alliance_sim.model import AllianceModel
from alliance_sim.philox import key
from alliance_sim.scenario import ScenarioError, apply_overrides
from alliance_sim.spinup import end_state, seed_of

ROOT = Path(__file__).resolve().parents[1]
SPIN = ROOT / "scenarios" / "hindcast" / "2015_2024.yaml"
HINDCAST = ROOT / "scenarios" / "hindcast" / "2015_2021.yaml"
DATA = ROOT / "data" / "calibration"


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASE, {"months": 12, "replications": 60})


def test_base_spins_up_from_the_2015_2024_inputs(base):
    assert base.spin_up is not None and base.spin_up.name == "hindcast_2015_2024"
    assert (base.spin_up.start, base.spin_up.months) == ("2015-01", 120)
    assert load_scenario(HINDCAST).spin_up is None and load_scenario(SPIN).spin_up is None


def test_start_state_is_the_end_state_of_the_spin_up_run(base):
    """Replication r starts where r's own run of the spin-up storyline ends (same coefficients, spin-up seed)."""
    reps = np.arange(base.replications)
    grievance = np.linspace(0.1, 0.5, len(reps))  # a coefficient per replication, as a posterior draw sets it
    model = AllianceModel(base, replications=reps, coefficients={"parameters.cha.grievance": grievance})
    spin = base.spin_up.model_copy(update={"seed": seed_of(base.seed)})
    alone = AllianceModel(spin, replications=reps, coefficients={"parameters.cha.grievance": grievance})
    alone.run()
    np.testing.assert_array_equal(model.S, alone.S)
    assert not np.array_equal(model.S[0], model.S[-1])
    # the spin-up ran the replication's coefficient, its key is not the main run's
    assert (model.ensemble.spin.coefficients[:, INDEX["parameters.cha.grievance"]] == grievance).all()
    assert tuple(model.ensemble.spin.keys[0]) != key(base.seed)


def test_spin_up_uses_the_spin_up_files_actor_values_and_the_scenarios_structure(base):
    ensemble = build([(base, 0, range(3))])
    C, spin_C = ensemble.coefficients, ensemble.spin.coefficients
    assert (spin_C[:, INDEX["actors.PRK.capability"]] == 0.30).all()  # the hindcast's
    assert (C[:, INDEX["actors.PRK.capability"]] == 0.40).all()  # base's, from its first month


def test_reproducible_and_independent_of_chunks(base):
    one = simulate(base, parameters="defaults", chunk=60)
    again = simulate(base, parameters="defaults", chunk=60)
    split = simulate(base, parameters="defaults", chunk=17)
    pd.testing.assert_frame_equal(one.runs, again.runs)
    pd.testing.assert_frame_equal(one.runs, split.runs)
    pd.testing.assert_frame_equal(one.series, split.series)


def test_replication_spin_up_does_not_depend_on_its_neighbours(base):
    whole = end_state(build([(base, 0, range(40))]).spin)
    part = end_state(build([(base, 0, [7, 30, 39])]).spin)
    np.testing.assert_array_equal(whole[[7, 30, 39]], part)


def test_spin_up_changes_the_start(base):
    off = load_scenario(BASE, {"months": 12, "replications": 60, "spin_up": None})
    assert off.spin_up is None
    spun = AllianceModel(base, replications=60).S
    assumed = AllianceModel(off, replications=60).S
    assert not np.array_equal(spun, assumed)


@pytest.fixture
def cold(monkeypatch):
    """The spin-up module with an empty cache of end states, and a record of how many replications each run spun up."""
    monkeypatch.setattr(spinup, "_cache", OrderedDict())
    monkeypatch.setattr(spinup, "_recent", [])
    ran: list[int] = []
    original = spinup._run

    def run(spin, idx):
        ran.append(len(idx))
        return original(spin, idx)

    monkeypatch.setattr(spinup, "_run", run)
    return ran


def test_end_state_blocks_change_nothing(base, cold, monkeypatch):
    spin = build([(base, 0, range(50))]).spin
    whole = end_state(spin)
    spinup.clear()
    monkeypatch.setattr(spinup, "BLOCK", 16)
    np.testing.assert_array_equal(end_state(spin), whole)
    assert cold == [50, 50]


def test_kept_end_states_are_what_a_fresh_spin_up_gives(base, cold, monkeypatch):
    first = end_state(build([(base, 0, range(30))]).spin)
    overlap = end_state(build([(base, 0, range(20, 40))]).spin)  # 20..29 kept, 30..39 new
    assert cold == [30, 10]
    np.testing.assert_array_equal(overlap[:10], first[20:])
    spinup.clear()
    np.testing.assert_array_equal(end_state(build([(base, 0, range(20, 40))]).spin), overlap)
    # repeats within one ensemble run once; another coefficient is another input
    spinup.clear()
    cold.clear()
    end_state(build([(base, 0, range(5)), (base, 1, range(5))]).spin)
    end_state(build([(base, 0, range(5))], coefficients={"parameters.cha.grievance": 0.9}).spin)
    assert cold == [5, 5]
    monkeypatch.setattr(spinup, "CACHE_ROWS", 8)
    end_state(build([(base, 0, range(30))]).spin)
    assert len(spinup._cache) == 8


def test_an_ensemble_seen_again_takes_its_end_states_whole(base, cold, monkeypatch):
    first = spinup.start(build([(base, 0, range(12))]))
    first[:] = np.nan  # the caller's copy: what is kept is not touched
    built = []
    monkeypatch.setattr(spinup, "end_state", lambda spin: built.append(spin.size) or end_state(spin))
    again = spinup.start(build([(apply_overrides(base, {"events.prk_tests.rate_per_month": 5.0}), 3, range(12))]))
    assert cold == [12] and built == []  # the same inputs at another point: no spin-up ensemble, no run
    grievance = np.full(12, base.parameters.cha.grievance)
    grievance[11] = 0.9
    moved = spinup.start(build([(base, 0, range(12))], coefficients={"parameters.cha.grievance": grievance}))
    assert built == [12] and cold == [12, 1]  # inputs differ in one row: per replication, one runs
    np.testing.assert_array_equal(moved[:11], again[:11])
    assert not np.isnan(again).any() and not np.array_equal(moved[11], again[11])
    np.testing.assert_array_equal(again, end_state(build([(base, 0, range(12))]).spin))


def test_design_points_share_the_spin_up_unless_its_inputs_differ(base):
    """The spin-up is at point 0 for every point: an event value of the main run leaves the start alone,
    a coefficient the spin-up runs changes it."""
    start = AllianceModel(base, ensemble=build([(base, 0, range(10))])).S
    busier = apply_overrides(base, {"events.prk_tests.rate_per_month": 5.0})
    np.testing.assert_array_equal(AllianceModel(busier, ensemble=build([(busier, 3, range(10))])).S, start)
    grieving = apply_overrides(base, {"parameters.cha.grievance": 0.9})
    moved = AllianceModel(grieving, ensemble=build([(grieving, 3, range(10))])).S
    assert not np.isclose(moved, start).all(axis=1).any()  # every replication starts elsewhere


def _write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_missing_spin_up_file_names_file_and_line(tmp_path):
    path = _write(tmp_path, "name: s\nstart: 2025-01\nspin_up: nowhere.yaml\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml:3: spin_up: spin-up scenario 'nowhere.yaml' not found"):
        load_scenario(path)


def test_bad_spin_up_exits_2_through_the_cli(tmp_path, capsys):
    path = _write(tmp_path, "name: s\nstart: 2025-01\nspin_up: nowhere.yaml\n")
    assert main([str(path), "--quiet"]) == 2
    assert "s.yaml:3" in capsys.readouterr().err


def test_spin_up_must_end_before_the_start(tmp_path):
    path = _write(tmp_path, f"name: s\nstart: 2025-06\nspin_up: {SPIN}\n")
    with pytest.raises(
        ScenarioError,
        match=r"s\.yaml:3: spin_up: the spin-up runs 2015-01\.\.2024-12, so the scenario must start 2025-01",
    ):
        load_scenario(path)


def test_spin_up_sets_no_coefficients(tmp_path):
    _write(tmp_path, "name: sp\nstart: 2024-01\nmonths: 12\nparameters: {cha: {grievance: 0.2}}\n", "sp.yaml")
    path = _write(tmp_path, "name: s\nstart: 2025-01\nspin_up: sp.yaml\n")
    with pytest.raises(ScenarioError, match=r"sp\.yaml:4: parameters: a spin-up file sets no 'parameters'"):
        load_scenario(path)


def test_spin_up_path_is_relative_to_the_file_that_gives_it(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path, "name: sp\nstart: 2024-01\nmonths: 12\n", "sp.yaml")
    _write(tmp_path, "name: p\nstart: 2025-01\nspin_up: sp.yaml\n", "p.yaml")
    child = _write(tmp_path, "extends: ../p.yaml\nname: c\n", "sub/c.yaml")
    assert load_scenario(child).spin_up.name == "sp"


def test_spin_up_path_through_set_is_refused(base):
    with pytest.raises(ScenarioError, match="spin_up: a spin-up file is read when its scenario file is loaded"):
        load_scenario(BASE, {"spin_up": "hindcast/2015_2024.yaml"})


def test_2022_2024_inputs_are_inputs_only():
    """Every 2022-2024 event of the spin-up is a role=input row of timeline.csv or a yearly launch count."""
    with open(DATA / "timeline.csv") as f:
        rows = list(csv.DictReader(f))
    inputs = {r["date"] for r in rows if r["role"] == "input"}
    outcomes_after_2021 = [r for r in rows if r["role"] == "outcome" and r["date"] >= "2022"]
    with open(DATA / "prk_missile_launches.csv") as f:
        launches = {int(r["year"]): int(r["missiles"]) for r in csv.DictReader(f)}
    spin, hindcast = load_scenario(SPIN), load_scenario(HINDCAST)
    added = {name: ev for name, ev in spin.events.items() if name not in hindcast.events}
    assert added and outcomes_after_2021 == []  # the record has no post-2021 outcome rows to leak, and none is used
    for name, ev in added.items():
        if ev.type == "missile_tests":
            year = int(ev.from_[:4])
            assert ev.to == f"{year}-12" and 2022 <= year <= 2024
            assert ev.rate_per_month == pytest.approx(launches[year] / 12, abs=0.005), name
        else:
            month = getattr(ev, "at", None) or ev.from_
            assert "2022-01" <= month <= "2024-12" and month in inputs, name
            assert ev.type in {"political_transition", "prk_russia_alignment", "impeachment"}, name
    # no summit, dispute or US signal after 2021: those are outcomes or absent from the input record
    assert {ev.type for ev in added.values()} == {
        "political_transition",
        "missile_tests",
        "prk_russia_alignment",
        "impeachment",
    }


def test_driver_contributions_sum_to_the_change_from_the_spun_up_start(base):
    model = AllianceModel(base, replications=40, collect=False)
    start = 0.5 * (model.coop["ROK", "JPN"] + model.coop["JPN", "ROK"])
    model.run()
    coop = model.trace["coop_rok_jpn"]
    change = np.diff(coop, axis=0, prepend=start[None])
    np.testing.assert_allclose(sum(model.drivers.values()), change, atol=1e-12)


@pytest.mark.parametrize("path", ["spin_up.parameters.cha.baseline=0.1", "spin_up.seed=5", "spin_up.replications=3"])
def test_a_spin_up_key_a_run_never_reads_cannot_be_set(path, tmp_path, capsys):
    assert main([str(BASE), "--set", path, "-n", "4", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not read by a run" in err and path.split("=")[0] in err
    assert not (tmp_path / "out").exists()
