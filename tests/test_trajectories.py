"""Per-replication trajectories: stored values, chunk independence, the loader and the command line."""

import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import BASE, write_sweep

from alliance_sim import load_results, load_scenario, load_trajectories, simulate
from alliance_sim import trajectories as traj
from alliance_sim.cli import main
from alliance_sim.errors import ResultsMismatch
from alliance_sim.metrics import STEP_METRICS
from alliance_sim.run import run_ensemble

R, MONTHS = 300, 6
CHOSEN = ["cohesion", "prk_tests", "driver_gate"]


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The same run in one chunk and in chunks of 70, with row groups of 100 replications (split by the chunks)."""
    root = tmp_path_factory.mktemp("trajectories")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(traj, "ROWS_PER_GROUP", 100 * MONTHS)
        return {
            chunk: simulate(
                BASE, replications=R, months=MONTHS, chunk=chunk, out=root / str(chunk), trajectories=CHOSEN
            ).path
            for chunk in (R, 70)
        }


def test_stored_values_are_the_float32_of_the_traces(folders):
    scenario = load_scenario(BASE).model_copy(update={"months": MONTHS})
    _, trace = run_ensemble(scenario, 0, range(R))
    frame = load_trajectories(folders[70])
    assert list(frame.columns) == ["replication", "month", *CHOSEN]
    np.testing.assert_array_equal(frame.replication, np.repeat(np.arange(R), MONTHS))
    np.testing.assert_array_equal(frame.month, np.tile(np.arange(1, MONTHS + 1), R))
    for name in CHOSEN:
        assert frame[name].dtype == np.float32
        np.testing.assert_array_equal(frame[name].to_numpy(), trace[name].T.ravel().astype(np.float32), err_msg=name)


def test_file_is_the_same_whatever_the_chunk(folders):
    one, chunked = (folders[c] / traj.FILE for c in (R, 70))
    assert one.read_bytes() == chunked.read_bytes()
    assert pq.ParquetFile(chunked).num_row_groups == 3  # 100 replications each, whatever the chunks


def test_manifest_records_the_file_and_its_hash(folders):
    m = json.loads((folders[70] / "manifest.json").read_text())
    assert m["trajectories"] == {"file": traj.FILE, "metrics": CHOSEN, "dtype": "float32"}
    assert set(m["files"]) == {"runs.parquet", "series.parquet", traj.FILE}
    load_results(folders[70])  # still loads: its own tables' hashes hold


def test_loader_selects_metrics_and_replications(folders):
    res = load_results(folders[70])
    ruptured = res.runs.nsmallest(5, "cohesion_min").replication  # "futures where X"
    frame = res.trajectories(["driver_gate"], replications=ruptured)
    assert list(frame.columns) == ["replication", "month", "driver_gate"]
    assert sorted(set(frame.replication)) == sorted(ruptured) and len(frame) == 5 * MONTHS
    whole = load_trajectories(folders[70])
    np.testing.assert_array_equal(frame.driver_gate, whole[whole.replication.isin(ruptured)].driver_gate.to_numpy())
    futures = frame.pivot(index="month", columns="replication", values="driver_gate")  # one column per future
    assert futures.shape == (MONTHS, 5)


def test_loader_errors(folders, tmp_path):
    with pytest.raises(ValueError, match="'coop_rok_usa' was not stored; these trajectories hold cohesion, prk_tests"):
        load_trajectories(folders[70], ["coop_rok_usa"])
    with pytest.raises(FileNotFoundError, match="is not a results folder"):
        load_trajectories(tmp_path)
    plain = simulate(BASE, replications=5, months=2, out=tmp_path / "plain")
    with pytest.raises(FileNotFoundError, match="holds no trajectories; run with --save-trajectories"):
        plain.trajectories()
    with pytest.raises(FileNotFoundError, match="not written to a folder"):
        simulate(BASE, replications=5, months=2).trajectories()
    edited = tmp_path / "edited"
    simulate(BASE, replications=5, months=2, out=edited, trajectories=True)
    data = bytearray((edited / traj.FILE).read_bytes())
    data[100] ^= 1
    (edited / traj.FILE).write_bytes(bytes(data))
    with pytest.raises(ResultsMismatch, match=r"trajectories\.parquet is not the table its manifest\.json describes"):
        load_trajectories(edited)


def test_api_choices():
    assert traj.choose(True) == traj.choose("") == list(STEP_METRICS)
    assert traj.choose(None) == traj.choose([]) == []
    assert traj.choose("driver_gate, cohesion") == ["cohesion", "driver_gate"]
    with pytest.raises(ValueError, match="unknown metric 'cohesionn'; choose from coop_rok_jpn, "):
        simulate(BASE, replications=5, months=2, trajectories=["cohesionn"])
    with pytest.raises(ValueError, match="pass out="):
        simulate(BASE, replications=5, months=2, trajectories=True)


def test_cli_bare_flag_stores_every_step_metric(tmp_path):
    out = tmp_path / "out"
    assert main([str(BASE), "-n", "7", "--months", "3", "--out", str(out), "-q", "--save-trajectories"]) == 0
    assert list(load_trajectories(out).columns) == ["replication", "month", *STEP_METRICS]


def test_cli_unknown_metric_is_one_line_naming_the_option(tmp_path, capsys):
    out = tmp_path / "out"
    assert main([str(BASE), "-n", "7", "--out", str(out), "--save-trajectories", "cohesion,nope"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --save-trajectories: unknown metric 'nope'; choose from coop_rok_jpn, ")
    assert "driver_gate" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_trajectories_of_a_sweep(tmp_path, capsys):
    sweep = write_sweep(tmp_path)
    assert main([str(sweep), "--save-trajectories", "cohesion"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"error: {sweep}: --save-trajectories applies to scenario files only"


def test_a_run_that_fails_leaves_no_trajectories_behind(tmp_path, monkeypatch):
    from alliance_sim import run

    real, calls = run.run_ensemble, []

    def second_chunk_fails(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("the engine failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "run_ensemble", second_chunk_fails)
    with pytest.raises(RuntimeError, match="the engine failed"):
        simulate(BASE, replications=20, months=2, chunk=10, out=tmp_path / "out", trajectories=True)
    assert list(tmp_path.iterdir()) == []  # neither the temporary file nor the folder it made
