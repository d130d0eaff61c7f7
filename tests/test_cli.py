"""The simulate command and the results folder."""

import filecmp
import json

import pandas as pd
import pytest
from conftest import BASE, MINIMAL

from alliance_sim import load_results, load_scenario, simulate
from alliance_sim.analysis import wilson
from alliance_sim.cli import main
from alliance_sim.metrics import STEP_METRICS, SUMMARIES


def run(tmp_path, name, *extra):
    out = tmp_path / name
    assert main([str(BASE), "--replications", "200", "--months", "24", "--out", str(out), *extra]) == 0
    return out


def test_results_folder_contents(tmp_path, capsys):
    out = run(tmp_path, "a")
    stdout = capsys.readouterr().out
    assert "95% Wilson interval" in stdout and f"results written to {out}" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.parquet", "scenario.yaml", "series.parquet"]
    m = json.loads((out / "manifest.json").read_text())
    assert (m["seed"], m["replications"], m["months"], m["name"]) == (20250113, 200, 24, "base")
    assert m["package_version"] and m["wall_seconds"] > 0 and "git_commit" in m
    assert m["sources"] == [str(BASE)]
    assert (out / "runs.parquet").stat().st_mode & 0o777 == 0o644
    assert set(m["metrics"]["step"]) == set(STEP_METRICS)
    runs = pd.read_parquet(out / "runs.parquet")
    assert len(runs) == 200 and list(runs.replication) == list(range(200))
    assert runs.spawn_key.iloc[7] == "0,7"
    assert set(SUMMARIES) <= set(runs.columns)
    series = pd.read_parquet(out / "series.parquet")
    assert len(series) == 24 * series.metric.nunique()
    assert (series.p05 <= series.p50).all() and (series.p50 <= series.p95).all()
    # the resolved scenario reloads on its own and gives the same values
    assert load_scenario(out / "scenario.yaml").to_dict() == m["scenario"]


def test_same_seed_same_files(tmp_path):
    a, b = run(tmp_path, "a"), run(tmp_path, "b", "--chunk", "64")
    for name in ("runs.parquet", "series.parquet"):
        assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_load_results_round_trip(tmp_path):
    out = run(tmp_path, "a", "--set", "actors.USA.commitment=0.7")
    res = load_results(out)
    assert res.manifest["scenario"]["actors"]["USA"]["commitment"] == 0.7
    assert res.metric("cohesion").shape[0] == 24
    pd.testing.assert_frame_equal(res.runs, pd.read_parquet(out / "runs.parquet"), check_exact=True)


def test_default_folder_and_quiet(tmp_path, monkeypatch, capsys, write):
    monkeypatch.chdir(tmp_path)
    assert main([str(write(MINIMAL)), "--quiet"]) == 0
    stdout = capsys.readouterr().out.strip()
    assert stdout.startswith("results written to results/tiny/") and len(stdout.splitlines()) == 1
    (folder,) = (tmp_path / "results" / "tiny").iterdir()
    assert (folder / "manifest.json").is_file()


def test_existing_results_are_never_overwritten(tmp_path, capsys):
    out = run(tmp_path, "a")
    before = (out / "runs.parquet").read_bytes()
    assert main([str(BASE), "--replications", "10", "--out", str(out)]) == 2
    assert "already holds results" in capsys.readouterr().err
    assert (out / "runs.parquet").read_bytes() == before


def test_load_results_needs_a_manifest(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a results folder"):
        load_results(tmp_path)


def test_bad_override_syntax(capsys):
    assert main([str(BASE), "--set", "months"]) == 2
    assert "--set expects PATH=VALUE" in capsys.readouterr().err


def test_wilson_interval_known_values():
    # Wilson 95% interval for 0/1000 is [0, 0.00383]; for 50/100 it is [0.4038, 0.5962].
    assert wilson(0, 1000) == pytest.approx((0.0, 0.003827), abs=1e-5)
    assert wilson(50, 100) == pytest.approx((0.4038, 0.5962), abs=1e-4)


def test_sweep_flags_refused_for_a_scenario(capsys):
    assert main([str(BASE), "--workers", "2"]) == 2
    assert "--workers apply to sweep files only" in capsys.readouterr().err


def test_manifest_records_the_extends_chain(tmp_path):
    child = BASE.parent / "political_transition.yaml"
    out = tmp_path / "pt"
    assert main([str(child), "-n", "10", "--months", "6", "--out", str(out), "-q"]) == 0
    sources = json.loads((out / "manifest.json").read_text())["sources"]
    assert [p.rsplit("/", 1)[-1] for p in sources] == ["base.yaml", "political_transition.yaml"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "0"], "--replications/-n: must be at least 1"),
        (["--chunk", "-5"], "--chunk: must be at least 1"),
        (["--months", "0"], "--months: must be at least 1"),
        (["--seed", "-3"], "--seed: must be 0 or more"),
    ],
)
def test_bad_numbers_on_the_command_line(args, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([str(BASE), *args])
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_flag_out_of_range_names_the_file_and_the_flag(capsys):
    assert main([str(BASE), "--months", "601", "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{BASE}: months:" in err and "(from --months)" in err and "--set" not in err


def test_unwritable_output_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main([str(BASE), "-n", "5", "--months", "3", "--out", str(blocker / "sub"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_report_refused_for_sweeps(capsys):
    sweep = BASE.parents[1] / "sweeps" / "us_commitment.yaml"
    assert main([str(sweep), "--report"]) == 2
    assert "--report applies to scenario files" in capsys.readouterr().err


def test_simulate_rejects_a_zero_chunk():
    with pytest.raises(ValueError, match="chunk must be at least 1"):
        simulate(BASE, replications=5, months=3, chunk=0)
