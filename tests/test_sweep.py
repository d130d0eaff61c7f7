"""Sweeps: files, contract of the results folder, reproducibility across set-ups, failures, resume."""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import BASE, ROOT, write_sweep
from SALib.analyze import sobol as sobol_analyze

import alliance_sim
from alliance_sim import load_scenario, metrics, samplers
from alliance_sim.cli import main
from alliance_sim.run import git_commit, package_version, run_columns, run_ensemble, series_table
from alliance_sim.scenario import apply_overrides
from alliance_sim.store import frame_table, read_arrow, write_arrow
from alliance_sim.sweep import SweepError, is_sweep_file, load_sweep, run_sweep, tasks
from alliance_sim.sweep.executors import InlineExecutor, open_executor
from alliance_sim.sweep.store import TASK_LOG, TaskLog, dictionary_columns, merge_parquet
from alliance_sim.sweep.tasks import FAIL_POINT_ENV, Chunk


def sorted_runs(folder: Path) -> pd.DataFrame:
    return pd.read_parquet(folder / "runs.parquet").sort_values(["point", "replication"], ignore_index=True)


def assert_same_results(a: Path, b: Path) -> None:
    pd.testing.assert_frame_equal(sorted_runs(a), sorted_runs(b), check_exact=True)
    assert filecmp.cmp(a / "runs.parquet", b / "runs.parquet", shallow=False)
    assert filecmp.cmp(a / "series.parquet", b / "series.parquet", shallow=False)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """The small sweep, run once uninterrupted in this process: (sweep file, results folder)."""
    folder = tmp_path_factory.mktemp("reference")
    spec = write_sweep(folder)
    assert main([str(spec), "--out", str(folder / "out"), "--workers", "1", "-q"]) == 0
    return spec, folder / "out"


# ------------------------------------------------------------------ contract


def test_runs_table_has_the_contract_columns_in_run_order(reference):
    _, out = reference
    runs = pd.read_parquet(out / "runs.parquet")
    swept = ["actors.ROK.us_trust", "events.prk_tests.rate_per_month"]
    # then each replication's posterior set and coefficients (the suite's default posterior), then the summaries
    draws = json.loads((out / "manifest.json").read_text())["parameter_draws"]
    drawn = [draws["set_column"], *draws["columns"]]
    assert list(runs.columns) == ["point", "replication", "seed", "spawn_key", *swept, *drawn, *metrics.SUMMARIES]
    assert len(runs) == 4 * 6
    assert list(zip(runs.point, runs.replication, strict=True)) == [(p, r) for p in range(4) for r in range(6)]
    assert runs.spawn_key.tolist() == [f"{p},{r}" for p in range(4) for r in range(6)]
    assert (runs.seed == 11).all()
    # Grid order: first parameter slowest.
    assert runs.groupby("point")[swept].first().values.tolist() == [[0.7, 1.0], [0.7, 5.0], [0.9, 1.0], [0.9, 5.0]]
    # Readable by pyarrow directly, and by load_results.
    assert pq.read_table(out / "runs.parquet").num_rows == 24
    results = alliance_sim.load_results(out)
    assert results.manifest["kind"] == "sweep"


def test_each_point_equals_its_scenario_run_directly(reference):
    """The sweep applies each point's values and seed keys exactly as a direct ensemble run would."""
    spec, out = reference
    sweep = load_sweep(spec)
    runs = pd.read_parquet(out / "runs.parquet")
    series = pd.read_parquet(out / "series.parquet")
    for p, values in enumerate(sweep.point_values()):
        scenario = apply_overrides(sweep.scenario, values)
        direct, trace = run_ensemble(scenario, p)
        got = runs[runs.point == p].reset_index(drop=True)
        pd.testing.assert_frame_equal(got[direct.columns], direct, check_exact=True)
        expected = series_table(scenario, trace, p)
        pd.testing.assert_frame_equal(series[series.point == p].reset_index(drop=True), expected, check_exact=True)


def test_a_one_point_sweep_reproduces_simulate(tmp_path, capsys):
    """Design point 0 uses the same seed keys (0, r) as a plain scenario run."""
    spec = write_sweep(tmp_path, "parameters: {months: [8]}\nreplications: 30\nseed: 4\n")
    assert main([str(spec), "--out", str(tmp_path / "sweep"), "--workers", "1", "-q"]) == 0
    args = [str(BASE), "--months", "8", "-n", "30", "--seed", "4", "--chunk", "7", "--out", str(tmp_path / "run")]
    assert main(args) == 0
    assert "95% Wilson interval" in capsys.readouterr().out
    swept = pd.read_parquet(tmp_path / "sweep" / "runs.parquet").drop(columns="months")
    pd.testing.assert_frame_equal(swept, pd.read_parquet(tmp_path / "run" / "runs.parquet"), check_exact=True)
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "sweep" / "series.parquet"),
        pd.read_parquet(tmp_path / "run" / "series.parquet"),
        check_exact=True,
    )


def test_series_has_one_set_of_rows_per_point(reference):
    _, out = reference
    series = pd.read_parquet(out / "series.parquet")
    assert list(series.columns) == ["point", "month", "date", "metric", "mean", "p05", "p50", "p95"]
    per_point = series.groupby("point").size()
    assert per_point.index.tolist() == [0, 1, 2, 3]
    assert per_point.nunique() == 1
    months = series.groupby(["point", "metric"]).month.apply(list)
    assert all(m == list(range(1, 13)) for m in months)


def test_merged_tables_dictionary_encode_only_their_few_valued_columns(tmp_path):
    # a column with a value in 16 rows or fewer (names, months, design values, flags) is dictionary-encoded,
    # one of distinct values (means, quantiles) is not; the choice follows the first row group
    rng = np.random.default_rng(0)
    parts = []
    for p in range(3):
        part = pa.table({"point": np.full(1000, p), "metric": ["coop", "cohesion"] * 500, "mean": rng.random(1000)})
        write_arrow(part, tmp_path / f"p{p}.arrow")
        parts.append([tmp_path / f"p{p}.arrow"])
    assert dictionary_columns(pa.concat_tables([read_arrow(p[0]) for p in parts])) == ["point", "metric"]
    assert merge_parquet(parts, tmp_path / "merged.parquet") == 3000
    meta = pq.ParquetFile(tmp_path / "merged.parquet").metadata
    encodings = {meta.schema.names[c]: meta.row_group(0).column(c).encodings for c in range(meta.num_columns)}
    assert "RLE_DICTIONARY" in encodings["point"] and "RLE_DICTIONARY" in encodings["metric"]
    assert "RLE_DICTIONARY" not in encodings["mean"]
    assert pq.read_table(tmp_path / "merged.parquet").equals(pa.concat_tables([read_arrow(p[0]) for p in parts]))
    # a type Arrow cannot count distinct values of (a user summary of None only) stays plain
    assert dictionary_columns(pa.table({"none": pa.nulls(40), "flag": [True] * 40})) == ["flag"]


def test_a_runs_part_is_pandas_conversion_of_its_frame():
    # a sweep task writes its chunks' runs columns straight to Arrow with the schema pandas gave the first
    # such frame: each part must be the table pandas would make of the frame, nulls and metadata included
    runs, _ = run_columns(load_scenario(BASE).model_copy(update={"months": 24}), 3, range(40))
    assert pd.isna(runs["first_rupture_month"]).any()  # nullable integers with nulls
    runs["cohesion_min"][5] = np.nan  # a NaN float, which pandas' conversion makes null
    overrides = {"actors.USA.commitment": 0.7, "events.prk_tests.rate_per_month": 4, "label": "hawk"}
    for rows in (slice(0, 40), slice(10, 30), slice(30, 40)):  # the first builds through pandas, the others not
        columns = tasks._chunk_columns(runs, rows, overrides)
        frame = pd.DataFrame({name: runs[name][rows] for name in list(runs)[:4]}).assign(**overrides)
        frame = pd.concat([frame, pd.DataFrame({k: v[rows] for k, v in list(runs.items())[4:]})], axis=1)
        table = frame_table(columns)
        assert table.equals(pa.Table.from_pandas(frame, preserve_index=False), check_metadata=True)
        assert list(table.column_names[4:7]) == list(overrides)
    assert table.column("cohesion_min").null_count == 0  # rows 30..39: replication 5 is not among them
    assert frame_table(tasks._chunk_columns(runs, slice(0, 10), overrides)).column("cohesion_min").null_count == 1


def test_frames_whose_values_decide_their_arrow_types_are_converted_by_pandas_each_time():
    # categories (their index width grows with the categories) and objects (all None, then dates) must not
    # reuse the schema of the first frame of their dtypes
    for columns in (
        [{"c": pd.Categorical(list("ab"))}, {"c": pd.Categorical([f"v{i}" for i in range(300)])}],
        [{"o": np.array([None, None], dtype=object)}, {"o": np.array([pd.Timestamp("2025-01-01")] * 2, dtype=object)}],
        [{"s": ["a", None]}, {"s": ["b", "c"]}],
    ):
        for cols in columns:
            assert frame_table(cols).equals(pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False))


def test_a_one_worker_sweep_lets_its_lent_trace_arrays_go(tmp_path, reference):
    # one worker runs the tasks in this thread: its arrays must not outlive the sweep (nor weigh on the merge)
    spec, _ = reference
    assert main([str(spec), "--out", str(tmp_path / "one"), "--workers", "1", "-q"]) == 0
    assert "buffers" not in tasks._local.__dict__


def test_merged_files_do_not_depend_on_the_chunking_over_several_row_groups(tmp_path, monkeypatch):
    # row groups of two points and dictionary encoding for columns with a value in 2 rows: the
    # first row group (which picks the encoded columns) and the others are the same whatever the tasks
    monkeypatch.setattr("alliance_sim.sweep.store.ROW_GROUP_ROWS", 12)
    monkeypatch.setattr("alliance_sim.sweep.store.DICTIONARY_SHARE", 2)
    spec = write_sweep(tmp_path)
    assert main([str(spec), "--out", str(tmp_path / "whole"), "--workers", "1", "-q"]) == 0
    assert main([str(spec), "--out", str(tmp_path / "split"), "--workers", "1", "--chunk", "4", "-q"]) == 0
    for name in ("runs.parquet", "series.parquet"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "split" / name).read_bytes(), name
    meta = pq.ParquetFile(tmp_path / "whole" / "runs.parquet").metadata
    assert meta.num_row_groups == 2
    assert "RLE_DICTIONARY" in meta.row_group(0).column(meta.schema.names.index("point")).encodings


def test_manifest_describes_the_design(reference):
    _, out = reference
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["complete"] is True and m["failures"] == []
    d = m["design"]
    assert d["sampler"] == "grid" and d["seed"] == 11 and d["points"] == 4
    assert d["problem"] == {
        "num_vars": 2,
        "names": ["actors.ROK.us_trust", "events.prk_tests.rate_per_month"],
        "bounds": [[0.7, 0.9], [1.0, 5.0]],
    }
    assert d["parameters"][0] == {"path": "actors.ROK.us_trust", "low": 0.7, "high": 0.9, "values": [0.7, 0.9]}
    assert m["runs"] == 24 and m["replications"] == 6 and m["months"] == 12
    assert "git_commit" in m and "metrics" in m
    assert not (out / "parts").exists()  # merged and cleaned up


def test_sobol_sweep_feeds_salib_analyze(tmp_path):
    """The design reaches SALib in its order, and the indices separate a driver from an input that cannot matter.

    The rupture threshold only decides which months count as rupture, so it cannot change
    ``cohesion_mean``; its indices measure only the Monte Carlo noise of the per-point means
    (each point draws its own futures). Grievance drives cohesion (Cha), so its total index
    must dominate.
    """
    spec = write_sweep(
        tmp_path,
        """\
        sampler: sobol
        samples: 8
        calc_second_order: false
        parameters:
          parameters.cha.grievance: {low: 0.2, high: 0.9}
          parameters.thresholds.rupture: {low: 0.2, high: 0.4}
        replications: 50
        seed: 5
        overrides: {months: 24}
        """,
    )
    results = run_sweep(spec, workers=1, out=tmp_path / "out")
    design = results.manifest["design"]
    assert design["points"] == 8 * (2 + 2) and design["calc_second_order"] is False
    problem = {k: design["problem"][k] for k in ("num_vars", "names", "bounds")}
    assert problem["names"] == ["parameters.cha.grievance", "parameters.thresholds.rupture"]
    x = samplers.design("sobol", load_sweep(spec).params, samples=8, seed=5, calc_second_order=False)
    per_point = results.runs.groupby("point")
    np.testing.assert_array_equal(per_point[problem["names"]].first().to_numpy(), x[problem["names"]].to_numpy())
    y = per_point["cohesion_mean"].mean().to_numpy()
    si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=1)
    assert si["ST"][0] > 0.5
    assert si["ST"][1] < 0.1 * si["ST"][0]


@pytest.mark.parametrize("sampler", ["lhs", "morris"])
def test_lhs_and_morris_sweeps_run_their_designs(tmp_path, sampler):
    spec = write_sweep(
        tmp_path,
        f"""\
        sampler: {sampler}
        samples: 3
        parameters:
          parameters.gate.audience_cost: {{low: 0.25, high: 1.0}}
          months: {{low: 4, high: 8}}
        replications: 2
        overrides: {{months: 6}}
        """,
    )
    results = run_sweep(spec, workers=1, out=tmp_path / "out")
    points = 3 if sampler == "lhs" else 3 * 3
    assert results.runs.point.nunique() == points
    assert results.runs["months"].dtype == np.int64  # an integer field is rounded
    assert results.runs["months"].between(4, 8).all()
    months = results.series.groupby("point").month.max()
    assert (months.to_numpy() == results.runs.groupby("point")["months"].first().to_numpy()).all()


def test_example_sweeps_load():
    grid = load_sweep(ROOT / "sweeps" / "us_commitment.yaml")
    assert grid.points == 4 * 4 * 3
    sobol = load_sweep(ROOT / "sweeps" / "sobol_core.yaml")
    d = len(sobol.params)
    assert d == 8 and sobol.points == sobol.spec.samples * (2 * d + 2)


def test_sweep_files_are_recognised(tmp_path, reference):
    spec, _ = reference
    assert is_sweep_file(spec)
    assert not is_sweep_file(BASE)
    assert not is_sweep_file(tmp_path / "missing.yaml")


# ------------------------------------------------------------------ same results whatever the set-up


def test_workers_chunks_and_executors_give_identical_results(tmp_path, reference):
    spec, ref = reference
    # The reference batches all four points into one ensemble (the default chunk holds them all).
    # Two points per job (chunk = 2 x 6 replications), inline.
    assert main([str(spec), "--out", str(tmp_path / "b2"), "--workers", "1", "--chunk", "12", "-q"]) == 0
    assert_same_results(ref, tmp_path / "b2")
    # Two workers in a spawn process pool, points split in chunks of 4 (+2) replications.
    assert main([str(spec), "--out", str(tmp_path / "w2"), "--workers", "2", "--chunk", "4", "-q"]) == 0
    assert_same_results(ref, tmp_path / "w2")
    # One worker, one replication per task.
    assert main([str(spec), "--out", str(tmp_path / "c1"), "--workers", "1", "--chunk", "1", "-q"]) == 0
    assert_same_results(ref, tmp_path / "c1")
    # One job of the four points, run as four ensembles one after another.
    with pytest.MonkeyPatch.context() as m:
        m.setattr("alliance_sim.sweep.tasks.ENSEMBLE_RUNS", 6)
        assert main([str(spec), "--out", str(tmp_path / "e1"), "--workers", "1", "-q"]) == 0
    assert_same_results(ref, tmp_path / "e1")
    # Any concurrent.futures executor.
    with ThreadPoolExecutor(3) as pool:
        run_sweep(spec, workers=3, executor=pool, out=tmp_path / "threads", chunk=5)
    assert_same_results(ref, tmp_path / "threads")


def test_a_job_runs_its_points_in_ensembles_of_at_most_ensemble_runs():
    # whole points in order, batched while they fit ENSEMBLE_RUNS (1,000); a larger point runs alone
    s = load_scenario(BASE)
    sizes = [400, 400, 300, 1000, 2500, 100]
    batch = [(Chunk(p, 0, n, True), s, {}) for p, n in enumerate(sizes)]
    groups = tasks._ensembles(batch)
    assert [[c.point for c, _, _ in g] for g in groups] == [[0, 1], [2], [3], [4], [5]]
    # a point of another horizon never shares an ensemble
    other = s.model_copy(update={"months": 24})
    mixed = tasks._ensembles([(Chunk(0, 0, 10, True), s, {}), (Chunk(1, 0, 10, True), other, {})])
    assert [[c.point for c, _, _ in g] for g in mixed] == [[0], [1]]


def test_dask_executor_gives_identical_results(tmp_path, reference):
    distributed = pytest.importorskip("dask.distributed")
    spec, ref = reference
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    )
    with cluster:
        code = main(
            [str(spec), "--out", str(tmp_path / "dask"), "--executor", "dask", "--scheduler", cluster.scheduler_address]
        )
    assert code == 0
    assert_same_results(ref, tmp_path / "dask")


class ElsewhereExecutor(InlineExecutor):
    """Runs each task from another working folder, as a worker on a remote machine would."""

    def __init__(self, cwd: Path):
        self.cwd = cwd

    def submit(self, fn, /, *args, **kwargs):
        here = os.getcwd()
        os.chdir(self.cwd)
        try:
            return super().submit(fn, *args, **kwargs)
        finally:
            os.chdir(here)


def test_workers_get_an_absolute_results_folder(tmp_path, reference, monkeypatch):
    """A relative --out must not be read relative to a remote worker's working folder."""
    spec, ref = reference
    (tmp_path / "here").mkdir()
    (tmp_path / "worker").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    results = run_sweep(spec, executor=ElsewhereExecutor(tmp_path / "worker"), out="rel/out", chunk=4)
    assert results.manifest["complete"] is True
    assert_same_results(ref, tmp_path / "here" / "rel" / "out")
    assert not any((tmp_path / "worker").iterdir())


# ------------------------------------------------------------------ failures


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_failing_point_is_recorded_and_the_rest_complete(tmp_path, reference, monkeypatch, capsys, workers):
    spec, ref = reference
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_POINT_ENV, "2")
    assert main([str(spec), "--out", str(out), "--workers", workers, "--chunk", "4", "-q"]) == 3
    err = capsys.readouterr().err
    assert "task(s) failed; 3 of 4 design points complete" in err
    assert "p2.r0-4 (point 2, spawn keys (2,0)..(2,3)): alliance_sim.sweep.tasks.InjectedFailure" in err
    assert "--resume" in err
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert {f["task"] for f in failures} == {"p2.r0-4", "p2.r4-6"}
    assert all(f["point"] == 2 and "InjectedFailure" in f["traceback"] for f in failures)
    assert failures[0]["parameters"] == {"actors.ROK.us_trust": 0.9, "events.prk_tests.rate_per_month": 1.0}
    runs = pd.read_parquet(out / "runs.parquet")
    assert sorted(runs.point.unique()) == [0, 1, 3]
    reference_runs = sorted_runs(ref)
    pd.testing.assert_frame_equal(
        runs, reference_runs[reference_runs.point != 2].reset_index(drop=True), check_exact=True
    )
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is False and [f["point"] for f in m["failures"]] == [2, 2]
    # Once the cause is gone, --resume runs only the failed tasks and completes the sweep.
    monkeypatch.delenv(FAIL_POINT_ENV)
    assert main([str(spec), "--chunk", "4", "--resume", str(out), "-q"]) == 0
    assert_same_results(ref, out)


class BreaksAfter(InlineExecutor):
    """Runs ``n`` tasks, then refuses every submission like a process pool whose worker died."""

    def __init__(self, n: int):
        self.n = n

    def submit(self, fn, /, *args, **kwargs):
        if self.n == 0:
            raise BrokenProcessPool("a child process terminated abruptly")
        self.n -= 1
        return super().submit(fn, *args, **kwargs)


def test_a_pool_broken_at_submission_fails_the_sweep_and_records_the_unrun_tasks(
    tmp_path, reference, monkeypatch, capsys
):
    spec, ref = reference
    out = tmp_path / "out"

    @contextmanager
    def breaking(*args):
        yield BreaksAfter(2), 1, "a pool that breaks", lambda: None

    monkeypatch.setattr("alliance_sim.sweep.runner.open_executor", breaking)
    monkeypatch.setattr("alliance_sim.sweep.execution.JOB_RUNS", 6)  # one point (6 runs) per job, not all four
    assert main([str(spec), "--out", str(out), "-q"]) == 3
    captured = capsys.readouterr()
    assert captured.out == f"partial results written to {out}\n"
    assert "0 task(s) failed, 2 not run; 2 of 4 design points complete" in captured.err
    assert "p2.r0-6 (point 2, spawn keys (2,0)..(2,5)): not run: executor broken" in captured.err
    failures = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [f["task"] for f in failures] == ["p2.r0-6", "p3.r0-6"]
    assert all(f["error"] == "not run: executor broken" and "BrokenProcessPool" in f["traceback"] for f in failures)
    m = json.loads((out / "manifest.json").read_text())
    assert m["complete"] is False and [f["task"] for f in m["failures"]] == ["p2.r0-6", "p3.r0-6"]
    monkeypatch.undo()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    assert_same_results(ref, out)


def test_failures_of_every_execution_are_kept(tmp_path, reference, monkeypatch):
    """--resume appends to failures.jsonl (nothing written is lost); the manifest reports the latest execution's."""
    spec, ref = reference
    out = tmp_path / "out"
    args = [str(spec), "--workers", "1", "--chunk", "4", "-q"]
    monkeypatch.setenv(FAIL_POINT_ENV, "2")
    assert main([*args, "--out", str(out)]) == 3
    assert main([*args, "--resume", str(out)]) == 3  # not fixed yet
    records = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [(f["execution"], f["task"]) for f in records] == [
        (1, "p2.r0-4"),
        (1, "p2.r4-6"),
        (2, "p2.r0-4"),
        (2, "p2.r4-6"),
    ]
    assert all("InjectedFailure" in f["traceback"] and f["time"] for f in records)
    m = json.loads((out / "manifest.json").read_text())
    assert m["execution"] == 2
    latest = [{k: v for k, v in f.items() if k != "traceback"} for f in records if f["execution"] == m["execution"]]
    assert m["failures"] == latest
    monkeypatch.delenv(FAIL_POINT_ENV)
    history = (out / "failures.jsonl").read_text()
    assert main([*args, "--resume", str(out)]) == 0
    assert (out / "failures.jsonl").read_text() == history
    m = json.loads((out / "manifest.json").read_text())
    assert m["execution"] == 3 and m["failures"] == [] and m["complete"] is True
    assert_same_results(ref, out)


# ------------------------------------------------------------------ interruption and resume


def _cli(spec: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "alliance_sim.cli", str(spec), *args]


def _start(cmd: list[str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != FAIL_POINT_ENV}
    return subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _signal_after(proc: subprocess.Popen, log: Path, completed: int, sig: int) -> tuple[int, str]:
    """Send ``sig`` once ``completed`` task ids are in the log; return (exit status, stderr)."""
    while proc.poll() is None:
        if log.exists() and log.read_text().count("\n") >= completed:
            if sig == signal.SIGKILL:
                os.killpg(proc.pid, signal.SIGKILL)  # the parent and its pool workers, like a lost machine
            else:
                proc.send_signal(sig)
            break
        time.sleep(0.002)
    _, err = proc.communicate(timeout=300)
    return proc.returncode, err


LONGER = """\
sampler: grid
parameters:
  actors.ROK.us_trust: {low: 0.6, high: 1.0, steps: 6}
  events.prk_tests.rate_per_month: {low: 1.0, high: 6.0, steps: 5}
replications: 60
seed: 3
overrides: {months: 36}
"""


@pytest.fixture(scope="module")
def longer(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("longer")
    spec = write_sweep(folder, LONGER)
    run_sweep(spec, workers=1, out=folder / "ref")
    return spec, folder / "ref"


def test_resume_after_sigkill_at_three_points_matches_an_uninterrupted_run(tmp_path, longer):
    spec, ref = longer
    out = tmp_path / "out"
    log = out / TASK_LOG
    # 30 points x 2 chunks + 30 series tasks = 90 tasks. Kill three times, each resume picking up the last.
    steps = [(3, ["--out", str(out), "--workers", "1"]), (25, ["--resume", str(out), "--workers", "2"])]
    steps.append((60, ["--resume", str(out), "--workers", "1"]))
    for completed, args in steps:
        code, err = _signal_after(_start(_cli(spec, "--chunk", "30", "-q", *args)), log, completed, signal.SIGKILL)
        assert code == -signal.SIGKILL, err
        assert not (out / "manifest.json").exists()
    lines = log.read_text().splitlines()
    assert len(lines) >= 60 and len(set(lines)) == len(lines)  # nothing was run twice after being recorded
    assert main([str(spec), "--chunk", "30", "--resume", str(out), "--workers", "1", "-q"]) == 0
    assert_same_results(ref, out)
    runs = pd.read_parquet(out / "runs.parquet")
    assert not runs.duplicated(["point", "replication"]).any() and len(runs) == 30 * 60


def test_ctrl_c_stops_cleanly_and_prints_the_resume_command(tmp_path, longer):
    spec, ref = longer
    out = tmp_path / "out"
    # split points: 90 tasks of one chunk each, so the signal lands mid-run (whole points would batch
    # into two jobs of 16 and 14 points, which can both finish before the signal is handled)
    cli = _cli(spec, "--out", str(out), "--workers", "2", "--chunk", "30")
    code, err = _signal_after(_start(cli), out / TASK_LOG, 4, signal.SIGINT)
    assert code == 130, err
    assert "Traceback" not in err
    command = err.strip().splitlines()[-1].strip()
    assert command == f"simulate {spec} --chunk 30 --workers 2 --resume {out}"
    assert main([str(spec), "--resume", str(out), "-q", "--workers", "2", "--chunk", "30"]) == 0
    assert_same_results(ref, out)


def test_resume_of_a_folder_killed_before_the_design_was_written(tmp_path, reference):
    spec, ref = reference
    out = tmp_path / "out"
    out.mkdir()
    (out / ".design.parquet.x.tmp").write_bytes(b"torn")
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    assert_same_results(ref, out)


def test_resume_requires_an_existing_folder(tmp_path, reference, capsys):
    spec, _ = reference
    missing = tmp_path / "missing"
    assert main([str(spec), "--resume", str(missing), "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot resume: {missing} does not exist (to start a new sweep there, use --out {missing})\n"
    assert not missing.exists()
    with pytest.raises(SweepError, match="cannot resume"):
        run_sweep(spec, workers=1, resume=missing)
    assert not missing.exists()


def test_resume_after_a_crash_while_merging_runs_no_task_again(tmp_path, reference, monkeypatch):
    spec, ref = reference
    out = tmp_path / "out"

    def crash(*args, **kwargs):
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr("alliance_sim.sweep.execution.merge_parquet", crash)
        with pytest.raises(OSError, match="disk full"):
            run_sweep(spec, workers=1, out=out)
    assert not (out / "manifest.json").exists()
    logged = (out / TASK_LOG).read_text()
    results = run_sweep(spec, workers=1, resume=out)
    assert (out / TASK_LOG).read_text() == logged  # every task was already done
    assert results.manifest["executor"] == "nothing"
    assert_same_results(ref, out)


def test_workers_must_be_positive(tmp_path, reference, capsys):
    spec, _ = reference
    with pytest.raises(SystemExit) as exit_:
        main([str(spec), "--out", str(tmp_path / "out"), "--workers", "0"])
    assert exit_.value.code == 2
    assert "--workers: must be at least 1, got 0" in capsys.readouterr().err


def test_executor_usage_errors_are_sweep_errors(tmp_path, reference, monkeypatch):
    """--workers, --executor and a missing Dask are usage errors of the sweep, not scenario errors."""
    spec, _ = reference
    with pytest.raises(SweepError, match=r"--workers must be at least 1 \(got 0\)"):
        run_sweep(spec, workers=0, out=tmp_path / "a")
    with pytest.raises(SweepError, match="unknown executor 'slurm'; choose process or dask"):
        run_sweep(spec, executor="slurm", out=tmp_path / "b")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # as if the dask extra were not installed
    with pytest.raises(SweepError, match="--executor dask needs Dask"), open_executor("dask"):
        pass


def test_resume_refuses_a_folder_holding_a_scenario_run(tmp_path, reference, capsys):
    spec, _ = reference
    out = tmp_path / "run"
    assert main([str(BASE), "--months", "3", "-n", "5", "--out", str(out), "-q"]) == 0
    before = (out / "runs.parquet").read_bytes()
    assert main([str(spec), "--resume", str(out), "-q"]) == 2
    assert "already holds results" in capsys.readouterr().err
    assert (out / "runs.parquet").read_bytes() == before


def test_resume_of_a_complete_sweep_changes_nothing(tmp_path, reference, capsys):
    spec, _ = reference
    out = tmp_path / "out"
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 0
    before = (out / "runs.parquet").read_bytes(), (out / "manifest.json").read_bytes()
    assert main([str(spec), "--resume", str(out), "--workers", "1"]) == 0
    assert ((out / "runs.parquet").read_bytes(), (out / "manifest.json").read_bytes()) == before
    assert "already complete" in capsys.readouterr().out


def test_resume_refuses_a_different_sweep(tmp_path, reference, capsys):
    spec, ref = reference
    assert main([str(spec), "--resume", str(ref), "--replications", "7", "-q"]) == 2
    err = capsys.readouterr().err
    assert "holds a different sweep" in err and "Traceback" not in err


def test_resume_refuses_a_sweep_started_by_other_code(tmp_path, reference, monkeypatch, capsys):
    """Resuming after a code change would merge parts of two model versions; unknown versions are not refused."""
    spec, ref = reference
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_POINT_ENV, "2")
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 3
    monkeypatch.delenv(FAIL_POINT_ENV)
    capsys.readouterr()
    state = out / "sweep.json"
    original = json.loads(state.read_text())
    assert original["package_version"] == package_version() and original["git_commit"] == git_commit()
    resume = [str(spec), "--resume", str(out), "--workers", "1", "-q"]
    for key, value, shown in (
        ("git_commit", "0123456789abcdef" * 2, "0123456789ab"),
        ("package_version", "0.0.1", "0.0.1"),
    ):
        state.write_text(json.dumps(original | {key: value}))
        assert main(resume) == 2
        err = capsys.readouterr().err
        assert (
            err.startswith(f"error: cannot resume {out}: it was started by alliance-sim ")
            and len(err.splitlines()) == 1
        )
        assert shown in err and "results of two versions of the code" in err and "--out" in err
    # A version that is unknown, in the folder or now, is no reason to refuse.
    state.write_text(json.dumps(original | {"git_commit": "0" * 40, "package_version": "unknown"}))
    monkeypatch.setattr("alliance_sim.sweep.state.git_commit", lambda: None)
    assert main(resume) == 0
    assert_same_results(ref, out)


def test_a_new_run_refuses_a_folder_with_an_unfinished_sweep(tmp_path, reference, capsys, monkeypatch):
    spec, _ = reference
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_POINT_ENV, "0")
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 3
    monkeypatch.delenv(FAIL_POINT_ENV)
    (out / "manifest.json").unlink()  # as if killed before the end
    assert main([str(spec), "--out", str(out), "-q"]) == 2
    assert f"unfinished sweep; continue it with --resume {out}" in capsys.readouterr().err
    assert main([str(spec), "--out", str(out), "--resume", str(tmp_path / "other"), "-q"]) == 2


def test_a_torn_last_line_of_the_task_log_is_dropped(tmp_path):
    (tmp_path / TASK_LOG).write_text("p0.r0-5\np1.r0-5\np2.r0")
    log = TaskLog(tmp_path)
    assert set(log.done) == {"p0.r0-5", "p1.r0-5"}
    log.add("p2.r0-5")
    log.close()
    assert (tmp_path / TASK_LOG).read_text() == "p0.r0-5\np1.r0-5\np2.r0-5\n"


def test_progress_bar_shows_tasks_and_runs_per_second(tmp_path, reference, capsys):
    spec, _ = reference
    run_sweep(spec, workers=1, out=tmp_path / "out", progress=True)
    err = capsys.readouterr().err
    assert "4/4" in err and "runs/s" in err


def test_cli_reports_the_sweep(tmp_path, reference, capsys):
    spec, _ = reference
    assert main([str(spec), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    captured = capsys.readouterr()
    assert "small: 4 design points (grid) x 6 replications = 24 runs of 12 months" in captured.err
    assert captured.out.splitlines()[-1] == f"results written to {tmp_path / 'out'}"


# ------------------------------------------------------------------ validation


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


BAD = [
    ("sampelr: grid", "sampelr", "sweep.sampelr: unknown key 'sampelr' (did you mean 'sampler'?)"),
    ("sampler: sobl", "sobl", "sweep.sampler: Input should be 'grid', 'lhs', 'sobol' or 'morris' (got 'sobl')"),
    (
        "parameters: {actors.ROK.us_trst: [0.5]}",
        "us_trst",
        "unknown parameter path: no key 'us_trst' under actors.ROK (did you mean 'us_trust'?)",
    ),
    (
        "parameters: {actors.ROK.us_trust: {low: 0.5, high: 1.5, steps: 2}}",
        "us_trust",
        "sweep.parameters.actors.ROK.us_trust.high: 1.5 is not valid for actors.ROK.us_trust: Input should be less than or equal to 1",
    ),
    (
        "parameters: {actors.ROK.us_trust: [0.5, -1]}",
        "us_trust",
        "sweep.parameters.actors.ROK.us_trust.values.1: -1 is not valid",
    ),
    ("parameters: {actors.ROK.us_trust: {low: 0.5, high: 0.5, steps: 2}}", "us_trust", "high must be greater than low"),
    (
        "parameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9}}",
        "us_trust",
        "the grid sampler needs steps for a range",
    ),
    ("parameters: {actors.ROK.us_trust: {low: 0.5}}", "us_trust", "a range needs both low and high"),
    (
        "parameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9, values: [1]}}",
        "us_trust",
        "give either values or a range",
    ),
    (
        "parameters: {actors.ROK.us_trust: {low: 0, high: 0.9, steps: 2, distribution: loguniform}}",
        "us_trust",
        "a loguniform range needs low > 0",
    ),
    (
        "parameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9, steps: 2, dist: uniform}}",
        "us_trust",
        "unknown key 'dist'",
    ),
    (
        "parameters: {actors.ROK.us_trust: 0.5}",
        "us_trust",
        "sweep.parameters.actors.ROK.us_trust: Input should be a valid dictionary",
    ),
    ("parameters: {seed: [1, 2]}", "seed", "'seed' is set by the sweep itself"),
    ("parameters: {actors.ROK: [1, 2]}", "actors.ROK", "this path holds a mapping"),
    ("parameters: {}", "parameters", "sweep.parameters: Dictionary should have at least 1 item"),
    ("samples: 8", "samples", "sweep.samples: samples applies to lhs, sobol and morris"),
    (
        "sampler: lhs\nparameters: {actors.ROK.us_trust: [0.5, 0.9]}",
        "us_trust",
        "the lhs sampler needs a range (low/high), not a list of values",
    ),
    (
        "sampler: lhs\nparameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9}}",
        "sampler",
        "sweep.sampler: the lhs sampler needs samples (N)",
    ),
    (
        "sampler: morris\nsamples: 2\nparameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9, steps: 3}}",
        "steps",
        "steps applies to the grid sampler only, not morris",
    ),
    (
        "sampler: sobol\nsamples: 100\nparameters: {actors.ROK.us_trust: {low: 0.5, high: 0.9}}",
        "samples",
        "Sobol' sequences need a power of 2 (got 100; try 64 or 128)",
    ),
    (
        "overrides: {monthz: 12}",
        "overrides",
        "sweep.overrides.monthz: no such key 'monthz' under the top level (did you mean 'months'?)",
    ),
    ("replications: 0", "replications", "sweep.replications: Input should be greater than or equal to 1"),
    ("name: ..", "name: ..", "sweep.name: String should match pattern"),  # results/.. is outside results/
    ("name: .hidden", "name: .hidden", "sweep.name: String should match pattern"),
]


@pytest.mark.parametrize(("extra", "needle", "message"), BAD, ids=[b[2][:40] for b in BAD])
def test_invalid_sweep_files_exit_2_with_file_line_and_key(tmp_path, capsys, extra, needle, message):
    base = {"sampler": "grid", "parameters": "{actors.ROK.us_trust: [0.5, 0.9]}", "replications": "2"}
    lines = [f"{k}: {v}" for k, v in base.items() if not any(e.startswith(f"{k}:") for e in extra.splitlines())]
    spec = write_sweep(tmp_path, "\n".join([*lines, extra]) + "\n")
    text = spec.read_text()
    assert main([str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec}:{_line(text, needle)}: ")
    assert message in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_a_default_name_that_would_leave_results_is_refused(tmp_path, monkeypatch, capsys):
    """Without sweep.name the name comes from the file name (or the scenario's name): it must be safe too."""
    monkeypatch.chdir(tmp_path)
    spec = write_sweep(tmp_path, "parameters: {months: [2]}\nreplications: 1\n", name="...yaml")
    assert main([str(spec), "--out", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"error: {spec}: sweep.name: the default name '..' (from the file name) is not a valid name; set sweep.name\n"
    )
    # a scenario cannot be named '..' in the first place (tests/test_scenario.py), so the name a
    # sweep takes from its scenario is safe too


OPTIONS = [
    ("--months", "601", "--months: Input should be less than or equal to 600 (got 601)"),
    ("--set", "actors.ROK.us_trust=2", "actors.ROK.us_trust: --set: Input should be less than or equal to 1 (got 2)"),
    ("--set", "months=0", "months: --set: Input should be greater than or equal to 1 (got 0)"),  # not the file's
]
#: Refused by the command line's own types before the sweep file is read.
SIGN_ERRORS = [("--chunk", "-1"), ("--chunk", "0"), ("--months", "0"), ("--replications", "0"), ("--seed", "-1")]


@pytest.mark.parametrize(("option", "value"), SIGN_ERRORS, ids=[f"{o} {v}" for o, v in SIGN_ERRORS])
def test_non_positive_numbers_are_usage_errors(tmp_path, reference, capsys, option, value):
    spec, _ = reference
    with pytest.raises(SystemExit) as exit_:
        main([str(spec), option, value, "--out", str(tmp_path / "out"), "-q"])
    assert exit_.value.code == 2 and f"argument {option}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("option", "value", "message"), OPTIONS, ids=[f"{o} {v}" for o, v, _ in OPTIONS])
def test_invalid_command_line_options_exit_2_naming_file_and_option(
    tmp_path, reference, capsys, option, value, message
):
    """An option is checked like the key it overrides: 0 is not "not given", and the option is named, not --set."""
    spec, _ = reference
    assert main([str(spec), option, value, "--out", str(tmp_path / "out"), "-q"]) == 2
    assert capsys.readouterr().err == f"error: {spec}: {message}\n"
    assert not (tmp_path / "out").exists()


def test_invalid_api_overrides_raise_naming_the_option(reference):
    spec, _ = reference
    for key, value in (("chunk", 0), ("months", 0), ("replications", 0), ("seed", -1)):
        with pytest.raises(SweepError, match=f"^{spec}: --{key}: Input should be greater than or equal to"):
            load_sweep(spec, **{key: value})


def test_missing_scenario_is_reported_at_its_line(tmp_path, capsys):
    spec = write_sweep(tmp_path, "parameters: {months: [6]}\n", scenario="nowhere.yaml")
    assert main([str(spec)]) == 2
    assert f"error: {spec}:2: sweep.scenario: scenario file not found" in capsys.readouterr().err


def test_yaml_python_tags_are_refused(tmp_path, capsys):
    spec = tmp_path / "evil.yaml"
    spec.write_text("sweep: !!python/object/apply:os.system ['echo hi']\n")
    assert main([str(spec)]) == 2  # read as a scenario file, which refuses the tag
    assert "Python-specific YAML tags" in capsys.readouterr().err
    with pytest.raises(alliance_sim.ScenarioError, match="Python-specific YAML tags"):
        load_sweep(spec)


def test_parameters_may_be_given_as_the_manifest_list():
    spec = {
        "scenario": str(BASE),
        "sampler": "lhs",
        "samples": 4,
        "months": 5,
        "parameters": [{"path": "actors.USA.commitment", "low": 0.5, "high": 0.9}],
    }
    sweep = load_sweep(spec)
    assert sweep.scenario.months == 5
    assert [p.describe() for p in sweep.params] == [
        {"path": "actors.USA.commitment", "low": 0.5, "high": 0.9, "distribution": "uniform"}
    ]


def test_spec_mappings_and_overrides_from_the_api(tmp_path):
    sweep = load_sweep(
        {"scenario": str(BASE), "parameters": {"actors.USA.commitment": [0.5, 0.8]}, "replications": 3},
        months=4,
        overrides=["actors.USA.brokerage=0.2"],
        seed=9,
    )
    assert sweep.points == 2 and sweep.scenario.months == 4 and sweep.scenario.seed == 9
    assert sweep.scenario.actors.USA.brokerage == 0.2
    results = run_sweep(sweep, workers=1, out=tmp_path / "out")
    assert results.runs["actors.USA.commitment"].tolist() == [0.5] * 3 + [0.8] * 3
    with pytest.raises(alliance_sim.ScenarioError, match="unknown executor 'slurm'"):
        run_sweep(sweep, executor="slurm", out=tmp_path / "other")
