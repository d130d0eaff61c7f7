"""Posterior ensembles: each replication draws a coefficient set, keyed by its seed key.

Every test writes its own posterior into tmp_path; none reads data/posterior/.
"""

import filecmp
import hashlib
import json
import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import BASE, SMALL_SWEEP, write_posterior, write_sweep

from alliance_sim import load_results, load_scenario, simulate
from alliance_sim.cli import main
from alliance_sim.columns import INDEX, row
from alliance_sim.philox import uniforms
from alliance_sim.posterior import (
    DEFAULT_FILE,
    ENV,
    SET_COLUMN,
    PosteriorError,
    choose,
    load,
    pinned,
)
from alliance_sim.run import estimate_memory, run_ensemble
from alliance_sim.scenario import apply_overrides
from alliance_sim.store import write_parquet
from alliance_sim.sweep import run_sweep

COLUMNS = ["parameters.cha.grievance", "parameters.cha.baseline", "parameters.axelrod.reciprocity"]


def varied(folder, sets=40, name="post.csv"):
    """A posterior of ``sets`` distinct coefficient sets over three coefficients."""
    rng = np.random.default_rng(5)
    table = np.column_stack([rng.uniform(0.2, 1.4, sets), rng.uniform(0.3, 0.6, sets), rng.uniform(0.1, 0.9, sets)])
    return write_posterior(folder / name, table, COLUMNS)


@pytest.fixture
def post(tmp_path, monkeypatch):
    """A varied posterior made the default one (as data/posterior/v1.csv would be)."""
    path = varied(tmp_path)
    monkeypatch.setenv(ENV, str(path))
    return path


def cli(out, *extra, scenario=BASE, n=200, months=12):
    return main([str(scenario), "-n", str(n), "--months", str(months), "--out", str(out), "--quiet", *extra])


def test_simulate_base_draws_from_the_posterior_by_default(tmp_path, post):
    assert cli(tmp_path / "a") == 0
    m = json.loads((tmp_path / "a" / "manifest.json").read_text())
    draws = m["parameter_draws"]
    assert draws["mode"] == "posterior" and m["scenario"]["parameter_draws"] == "posterior"
    assert draws["file"] == str(post) and draws["sha256"] == hashlib.sha256(post.read_bytes()).hexdigest()
    assert draws["sets"] == 40 and draws["columns"] == COLUMNS and draws["held"] == []
    runs = pd.read_parquet(tmp_path / "a" / "runs.parquet")
    assert list(runs.columns[4:8]) == [SET_COLUMN, *COLUMNS]
    assert runs[SET_COLUMN].nunique() > 20 and runs[COLUMNS[0]].nunique() > 20


def test_two_runs_with_the_same_seed_are_byte_identical(tmp_path, post):
    assert cli(tmp_path / "a") == 0 and cli(tmp_path / "b") == 0
    for name in ("runs.parquet", "series.parquet"):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    assert cli(tmp_path / "c", "--seed", "1") == 0
    assert not filecmp.cmp(tmp_path / "a" / "runs.parquet", tmp_path / "c" / "runs.parquet", shallow=False)


def test_one_chunk_of_1000_equals_four_of_250(tmp_path, post):
    whole = simulate(BASE, replications=1000, months=6, out=tmp_path / "whole")
    four = simulate(BASE, replications=1000, months=6, chunk=250, out=tmp_path / "four")
    assert whole.manifest["chunk"] == 1000 and four.manifest["chunk"] == 250
    for name in ("runs.parquet", "series.parquet"):
        assert filecmp.cmp(tmp_path / "whole" / name, tmp_path / "four" / name, shallow=False), name


def test_coefficient_columns_are_the_rows_of_the_file_at_the_set_index(tmp_path, post):
    res = simulate(BASE, replications=300, months=3)
    table = pd.read_csv(post)
    runs = res.runs
    expected = table.iloc[runs[SET_COLUMN].to_numpy()].reset_index(drop=True)
    pd.testing.assert_frame_equal(runs[COLUMNS], expected, check_exact=True)
    # the set index is floor(u * sets), u the first uniform of stream "posterior" at month 0
    u = uniforms(20250113, 0, range(300), 1, "posterior")[0, 0]
    assert (runs[SET_COLUMN].to_numpy() == np.floor(u * 40).astype(int)).all()


def test_the_drawn_coefficients_change_the_futures(tmp_path, post):
    res = simulate(BASE, replications=400, months=24)
    # more grievance, less ROK-JPN cooperation: the drawn values reach the model
    corr = np.corrcoef(res.runs["parameters.cha.grievance"], res.runs["coop_rok_jpn_final"])[0, 1]
    assert corr < -0.3


def test_a_coefficient_the_scenario_sets_wins_through_extends_and_set(tmp_path, post, write):
    write(f"extends: {BASE}\nname: held\nparameters:\n  cha: {{grievance: 0.6}}\n", "parent.yaml")
    child = write("extends: parent.yaml\nname: child\n", "child.yaml")
    assert pinned(load_scenario(child)) == ["parameters.cha.grievance"]
    res = simulate(child, replications=100, months=3)
    runs = res.runs
    assert (runs["parameters.cha.grievance"] == 0.6).all()  # the default's value, given explicitly
    assert runs["parameters.cha.baseline"].nunique() > 10  # the others are drawn
    assert res.manifest["parameter_draws"]["held"] == ["parameters.cha.grievance"]
    # --set (and the API's overrides) hold a coefficient too
    res = simulate(BASE, replications=100, months=3, overrides={"parameters.cha.baseline": 0.5})
    assert (res.runs["parameters.cha.baseline"] == 0.5).all() and res.runs["parameters.cha.grievance"].nunique() > 10
    assert cli(tmp_path / "s", "--set", "parameters.axelrod.reciprocity=0.25") == 0
    assert (pd.read_parquet(tmp_path / "s" / "runs.parquet")["parameters.axelrod.reciprocity"] == 0.25).all()


def test_overrides_keep_what_the_scenario_gave(write):
    scenario = load_scenario(write(f"extends: {BASE}\nname: x\nparameters: {{cha: {{veto: 0.4}}}}\n"))
    after = apply_overrides(scenario, {"seed": 3, "parameters.walt.shock_decay": 0.5, "months": 6})
    assert pinned(after) == ["parameters.cha.veto", "parameters.walt.shock_decay"]
    assert (after.seed, after.months, after.parameters.cha.veto, after.parameters.walt.shock_decay) == (3, 6, 0.4, 0.5)
    assert pinned(apply_overrides(load_scenario(BASE), {"seed": 1, "actors.KOR.approval": 0.3})) == []


def test_defaults_mode_is_the_point_estimates_byte_for_byte(tmp_path, post):
    assert cli(tmp_path / "d", "--parameters", "defaults") == 0
    res = load_results(tmp_path / "d")
    assert res.manifest["parameter_draws"] == {"mode": "defaults"}
    assert res.manifest["scenario"]["parameter_draws"] == "defaults"
    # the runs table of the engine at the point estimates, written the same way
    scenario = load_scenario(BASE, {"replications": 200, "months": 12})
    plain, _ = run_ensemble(scenario)
    write_parquet(plain, tmp_path / "plain.parquet")
    assert filecmp.cmp(tmp_path / "d" / "runs.parquet", tmp_path / "plain.parquet", shallow=False)
    assert SET_COLUMN not in res.runs


def test_a_posterior_of_point_estimates_gives_the_point_estimates(tmp_path, post):
    defaults = row(load_scenario(BASE))
    same = write_posterior(tmp_path / "same.csv", [[defaults[INDEX[c]] for c in COLUMNS]] * 5, COLUMNS)
    assert cli(tmp_path / "p", "--parameters", str(same)) == 0 and cli(tmp_path / "d", "--parameters", "defaults") == 0
    assert filecmp.cmp(tmp_path / "p" / "series.parquet", tmp_path / "d" / "series.parquet", shallow=False)
    drawn = pd.read_parquet(tmp_path / "p" / "runs.parquet").drop(columns=[SET_COLUMN, *COLUMNS])
    pd.testing.assert_frame_equal(drawn, pd.read_parquet(tmp_path / "d" / "runs.parquet"), check_exact=True)


def test_the_scenario_key_chooses_and_the_command_line_wins(tmp_path, post, write):
    path = write(f"extends: {BASE}\nname: pe\nparameter_draws: defaults\n")
    assert cli(tmp_path / "a", scenario=path) == 0
    assert json.loads((tmp_path / "a" / "manifest.json").read_text())["parameter_draws"] == {"mode": "defaults"}
    assert cli(tmp_path / "b", "--parameters", "posterior", scenario=path) == 0
    m = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert m["parameter_draws"]["file"] == str(post) and m["scenario"]["parameter_draws"] == "posterior"


def test_an_invalid_scenario_key_names_file_and_line(tmp_path, write, capsys):
    path = write(f"extends: {BASE}\nname: pe\n\nparameter_draws: prior\n")
    assert cli(tmp_path / "a", scenario=path) == 2
    err = capsys.readouterr().err
    assert f"{path}:4: parameter_draws: Input should be 'posterior' or 'defaults'" in err


def test_a_missing_default_posterior_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV)
    monkeypatch.setattr("alliance_sim.posterior.DEFAULT_FILE", tmp_path / "data" / "posterior" / "v1.csv")
    assert cli(tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {tmp_path}/data/posterior/v1.csv: ")
    assert "python scripts/calibrate.py" in err and "--parameters defaults" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    with pytest.raises(PosteriorError, match="parameters='defaults'"):
        simulate(BASE, replications=5, months=2)
    assert simulate(BASE, replications=5, months=2, parameters="defaults").manifest["parameter_draws"]["mode"] == (
        "defaults"
    )


def test_the_default_file_is_data_posterior_v1_of_the_source_tree():
    assert DEFAULT_FILE.parts[-3:] == ("data", "posterior", "v1.csv")
    assert (DEFAULT_FILE.parents[2] / "src" / "alliance_sim" / "posterior.py").is_file()


def test_a_missing_file_named_by_the_variable_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(ENV, str(tmp_path / "nope.csv"))
    assert cli(tmp_path / "out") == 2
    assert "$ALLIANCE_SIM_POSTERIOR) is missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("parameters.cha.grevance\n0.5\n", r":1: parameters\.cha\.grevance: unknown coefficient column \(did you mean"),
        ("actors.ROK.approval\n0.5\n", r":1: actors\.ROK\.approval: unknown coefficient column"),
        ("parameters.thresholds.rupture\n0.5\n", r"a metric threshold"),
        ("parameters.cha.veto,parameters.cha.veto\n0.5,0.5\n", r"column given twice"),
        ("parameters.cha.veto,parameters.cha.stance\n0.5,0.1\n0.5\n", r":3: 1 values, expected 2"),
        ("parameters.cha.veto\n0.5\nhigh\n", r":3: parameters\.cha\.veto: not a number: 'high'"),
        (
            "parameters.cha.veto\n1.5\n",
            r":2: parameters\.cha\.veto: 1\.5 is outside the coefficient's range \[0\.0, 1\.0\]",
        ),
        ("parameters.cha.veto\nnan\n", r"nan is outside"),
        ("parameters.cha.veto\n", r"holds no coefficient sets"),
        ("", r"no header"),
    ],
)
def test_invalid_posterior_files_are_refused_naming_line_and_column(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(PosteriorError, match=message):
        load(path)


def test_a_bad_parameters_option_exits_2(tmp_path, capsys):
    assert cli(tmp_path / "a", "--parameters", "posteriror") == 2
    assert "expected 'posterior', 'defaults' or a posterior CSV file, got 'posteriror' (did you mean" in (
        capsys.readouterr().err
    )
    assert cli(tmp_path / "b", "--parameters", str(tmp_path / "none.csv")) == 2
    assert "none.csv: no such file" in capsys.readouterr().err
    assert cli(tmp_path / "c", "--parameters", str(tmp_path)) == 2
    assert "is a directory, not a posterior file" in capsys.readouterr().err


def test_blank_lines_and_a_byte_order_mark_are_read(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"\xef\xbb\xbfparameters.cha.veto , parameters.cha.stance\r\n0.5,0.1\r\n\r\n0.25,0.2\r\n")
    p = load(path)
    assert p.columns == ("parameters.cha.veto", "parameters.cha.stance") and p.sets == 2
    assert p.table.tolist() == [[0.5, 0.1], [0.25, 0.2]]


def test_a_posterior_pickles_by_path_and_refuses_a_changed_file(tmp_path):
    path = varied(tmp_path)
    p = load(path)
    again = pickle.loads(pickle.dumps(p))
    assert again.sha256 == p.sha256 and np.array_equal(again.table, p.table)
    assert len(pickle.dumps(p)) < 1000  # the table does not travel
    blob = pickle.dumps(p)
    path.write_text(path.read_text().replace("\n0.", "\n1.", 1))
    from alliance_sim import posterior

    posterior._LOADED.clear()
    with pytest.raises(PosteriorError, match="the posterior file changed"):
        pickle.loads(blob)


def test_the_engine_runs_point_estimates_unless_given_draws(tmp_path, post):
    scenario = load_scenario(BASE, {"replications": 50, "months": 3})
    assert scenario.parameter_draws == "posterior"
    plain, _ = run_ensemble(scenario)
    assert SET_COLUMN not in plain
    p = choose(None, scenario)
    draws = p.draw([(scenario, 0, range(50))])
    drawn, _ = run_ensemble(scenario, draws=draws)
    pd.testing.assert_frame_equal(drawn, simulate(scenario).runs, check_exact=True)
    with pytest.raises(ValueError, match="draws hold 50 replications, the ensemble 10"):
        run_ensemble(scenario, replications=range(10), draws=draws)


def test_the_resolved_scenario_file_reproduces_the_run(tmp_path, post, write):
    source = write(f"extends: {BASE}\nname: held\nparameters: {{cha: {{baseline: 0.5}}}}\n")
    assert cli(tmp_path / "a", scenario=source) == 0
    cha = load_scenario(tmp_path / "a" / "scenario.yaml").parameters.cha
    assert cha.model_fields_set >= {"baseline", "veto"} and "grievance" not in cha.model_fields_set
    assert cha.baseline == 0.5  # drawn coefficients are left out of the file, held ones kept
    assert cli(tmp_path / "b", scenario=tmp_path / "a" / "scenario.yaml") == 0
    assert filecmp.cmp(tmp_path / "a" / "runs.parquet", tmp_path / "b" / "runs.parquet", shallow=False)


def test_the_memory_estimate_counts_the_coefficient_columns():
    scenario = load_scenario(BASE)
    assert estimate_memory(scenario, drawn=3) - estimate_memory(scenario) == 1000 * 8 * 4


#: The suite's small sweep with a posterior coefficient swept (held at each point's value).
POSTERIOR_SWEEP = SMALL_SWEEP.replace(
    "events.prk_tests.rate_per_month: [1.0, 5.0]", "parameters.cha.grievance: [0.3, 0.9]"
)


def test_sweeps_draw_the_same_sets_whatever_the_workers_and_chunks(tmp_path, post):
    sweep = write_sweep(tmp_path, POSTERIOR_SWEEP)
    one = run_sweep(sweep, workers=1, out=tmp_path / "one")
    two = run_sweep(sweep, workers=2, chunk=4, out=tmp_path / "two")
    assert filecmp.cmp(tmp_path / "one" / "runs.parquet", tmp_path / "two" / "runs.parquet", shallow=False)
    runs = one.runs
    assert list(runs.columns[4:9]) == ["actors.ROK.us_trust", "parameters.cha.grievance", SET_COLUMN, *COLUMNS[1:]]
    # the swept coefficient is held at the point's value; the others are the file's rows at the set index
    assert (runs["parameters.cha.grievance"].isin([0.3, 0.9])).all()
    table = pd.read_csv(post)
    assert (runs[COLUMNS[1]].to_numpy() == table[COLUMNS[1]].to_numpy()[runs[SET_COLUMN]]).all()
    # every design point runs the same sets: the uniform at (seed, point 0, r, month 0, "posterior")
    u = np.tile(uniforms(11, 0, range(6), 1, "posterior")[0, 0], 4)
    assert (runs[SET_COLUMN].to_numpy() == np.floor(u * 40).astype(int)).all()
    assert len(set(runs[SET_COLUMN])) > 1
    info = two.manifest["parameter_draws"]
    assert info["held"] == ["parameters.cha.grievance"] and info["copy"] == "posterior.csv"
    assert (tmp_path / "two" / "posterior.csv").read_bytes() == post.read_bytes()
    # a one-point sweep's replications are simulate's
    single = write_sweep(tmp_path, "parameters: {actors.ROK.us_trust: [0.8]}\nreplications: 6\nseed: 11\n", "one.yaml")
    swept = run_sweep(single, workers=1, out=tmp_path / "single").runs.drop(columns=["actors.ROK.us_trust"])
    direct = simulate(BASE, replications=6, seed=11, overrides={"actors.ROK.us_trust": 0.8}).runs
    pd.testing.assert_frame_equal(swept, direct, check_exact=True)


def test_a_sweep_resume_refuses_a_changed_posterior_copy(tmp_path, post, monkeypatch, capsys):
    sweep = write_sweep(tmp_path, POSTERIOR_SWEEP)
    monkeypatch.setenv("ALLIANCE_SIM_FAIL_POINT", "1")
    assert main([str(sweep), "--workers", "1", "--out", str(tmp_path / "s"), "--quiet"]) == 3
    (tmp_path / "s" / "posterior.csv").write_text("parameters.cha.veto\n0.5\n")
    monkeypatch.delenv("ALLIANCE_SIM_FAIL_POINT")
    assert main([str(sweep), "--workers", "1", "--resume", str(tmp_path / "s"), "--quiet"]) == 2
    assert "copy of the posterior (posterior.csv) is missing or was changed" in capsys.readouterr().err
    # sweeping the choice itself is refused
    bad = write_sweep(tmp_path, "parameters: {parameter_draws: [posterior, defaults]}\n", "bad.yaml")
    assert main([str(bad), "--out", str(tmp_path / "b")]) == 2
    assert "parameter_draws: holds for the whole sweep" in capsys.readouterr().err
