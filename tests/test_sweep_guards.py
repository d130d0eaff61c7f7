"""Regression tests of the sweep layer's guards: verified resume, size limits, Dask failures, clear errors.

Each test reproduces a failure found by trying the sweep command as an adversarial user would
(the hardening issue): on the code before the fix it gave a traceback, a hang, a silent mix of
two sweeps or a misleading message.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import BASE, write_sweep
from conftest import SMALL_SWEEP as SMALL

from alliance_sim import load_results
from alliance_sim.cli import main
from alliance_sim.errors import ResultsMismatch
from alliance_sim.store import lock_folder, read_arrow, write_arrow
from alliance_sim.sweep import SweepError, execute, load_sweep
from alliance_sim.sweep.store import DESIGN, SWEEP_JSON, TASK_LOG
from alliance_sim.sweep.tasks import FAIL_POINT_ENV


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("guards")
    spec = write_sweep(folder)
    assert main([str(spec), "--out", str(folder / "ref"), "--workers", "1", "-q"]) == 0
    return spec, folder / "ref"


@pytest.fixture
def partial(tmp_path, reference, monkeypatch) -> tuple[Path, Path]:
    """A sweep whose design point 3 failed: points 0-2 are logged with their parts."""
    spec, _ = reference
    out = tmp_path / "out"
    monkeypatch.setenv(FAIL_POINT_ENV, "3")
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 3
    monkeypatch.delenv(FAIL_POINT_ENV)
    return spec, out


def same_tables(a: Path, b: Path) -> None:
    for name in ("runs.parquet", "series.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ------------------------------------------------------------------ new sweeps into used folders


def test_rerunning_into_a_completed_sweep_says_it_is_complete(reference, capsys):
    spec, ref = reference
    assert main([str(spec), "--out", str(ref), "--workers", "1", "-q"]) == 2
    assert "holds a completed sweep" in one_line_error(capsys)


def test_a_new_sweep_into_an_unfinished_one_points_to_resume(partial, capsys):
    spec, out = partial
    capsys.readouterr()
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 2
    assert f"continue it with --resume {out}" in one_line_error(capsys)


# ------------------------------------------------------------------ verified resume


def test_resume_refuses_a_damaged_sweep_json(partial, capsys):
    spec, out = partial
    (out / SWEEP_JSON).write_text("garbage")
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "sweep.json is not a sweep state written by alliance-sim" in one_line_error(capsys)


def test_resume_without_sweep_json_is_an_error_not_a_second_sweep_in_the_same_folder(partial, tmp_path, capsys):
    _, out = partial
    (out / SWEEP_JSON).unlink()
    other = write_sweep(tmp_path, SMALL.replace("seed: 11", "seed: 12"), "other.yaml")
    rows = len(pd.read_parquet(out / "runs.parquet"))
    capsys.readouterr()
    assert main([str(other), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "has no sweep.json" in one_line_error(capsys)
    assert len(pd.read_parquet(out / "runs.parquet")) == rows  # nothing of the other sweep was added


def test_resume_refuses_a_missing_design_table(partial, capsys):
    spec, out = partial
    (out / DESIGN).unlink()
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "design.parquet is missing" in one_line_error(capsys)


def test_resume_refuses_an_edited_design_table(partial, capsys):
    spec, out = partial
    design = pd.read_parquet(out / DESIGN)
    design.loc[0, "actors.ROK.us_trust"] = 0.75
    design.to_parquet(out / DESIGN, index=False)
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "design.parquet was changed after the sweep started" in one_line_error(capsys)


@pytest.mark.parametrize("damage", ["edited", "corrupt"])
def test_resume_quarantines_a_part_that_does_not_match_its_hash_and_runs_its_task_again(
    partial, reference, capsys, damage
):
    spec, out = partial
    _, ref = reference
    part = sorted((out / "parts" / "runs").glob("p0000001-*.arrow"))[0]
    if damage == "edited":  # still a valid table, with one value changed
        runs = read_arrow(part).to_pandas()
        runs.loc[0, "cohesion_mean"] = 0.5
        write_arrow(runs, part)
    else:
        part.write_bytes(b"ARROW1 not an Arrow file")
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"parts/runs/{part.name}" in err and "quarantine" in err
    same_tables(ref, out)
    assert load_results(out).manifest["quarantined"] == [f"parts/runs/{part.name}"]


def test_resume_removes_temporaries_of_killed_writes(partial):
    spec, out = partial
    stale = [out / ".runs.parquet.abc.tmp", out / "parts" / "runs" / ".p0000003-r000000000.arrow.x.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    assert not [p for p in stale if p.exists()]
    assert not list(out.rglob("*.tmp"))


def test_tasks_log_records_each_part_hash(partial):
    _, out = partial
    first = (out / TASK_LOG).read_text().splitlines()[0].split("\t")
    assert first[0] == "p0.r0-6"
    names = dict(f.split("=") for f in first[1:])
    assert set(names) == {"parts/runs/p0000000-r000000000.arrow", "parts/series/p0000000.arrow"}
    assert names == {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in names}


def test_manifest_names_the_hashes_of_the_tables_it_describes(reference):
    _, ref = reference
    files = load_results(ref).manifest["files"]
    for name in ("runs.parquet", "series.parquet"):
        assert files[name] == hashlib.sha256((ref / name).read_bytes()).hexdigest()


# ------------------------------------------------------------------ one writer at a time


@pytest.mark.parametrize("how", ["--out", "--resume"])
def test_a_second_writer_of_a_sweep_folder_is_refused_while_the_first_holds_it(partial, capsys, how):
    spec, out = partial
    before = sorted(p.name for p in out.rglob("*"))
    capsys.readouterr()
    with lock_folder(out):  # another simulate process, in the middle of its sweep
        assert main([str(spec), how, str(out), "--workers", "1", "-q"]) == 2
    line = one_line_error(capsys)
    assert f"another run (pid {os.getpid()}) is writing results into this folder" in line
    assert sorted(p.name for p in out.rglob("*")) == before  # nothing was touched


def test_a_new_sweep_refuses_a_folder_of_foreign_files(tmp_path, reference, capsys):
    spec, _ = reference
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    assert main([str(spec), "--out", str(out), "--workers", "1", "-q"]) == 2
    assert "is not empty and holds no results of alliance-sim" in one_line_error(capsys)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


# ------------------------------------------------------------------ failures.jsonl


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, a device that is always full")
def test_a_full_disk_while_recording_a_failure_ends_the_sweep_incomplete_without_a_traceback(
    partial, monkeypatch, capsys
):
    spec, out = partial
    (out / "failures.jsonl").unlink()
    (out / "failures.jsonl").symlink_to("/dev/full")  # every write fails with ENOSPC, as on a full disk
    monkeypatch.setenv(FAIL_POINT_ENV, "3")
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "No space left on device" in err


def test_a_torn_failure_record_is_dropped_when_the_sweep_is_resumed(partial):
    spec, out = partial
    with open(out / "failures.jsonl", "a") as fh:
        fh.write('{"task": "p3.r0-6", "err')  # the disk filled in mid-line
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    records = [json.loads(line) for line in (out / "failures.jsonl").read_text().splitlines()]
    assert [r["task"] for r in records] == ["p3.r0-6"]


# ------------------------------------------------------------------ input and size limits


def test_a_misspelt_top_key_is_reported_as_unknown_not_as_a_missing_one(tmp_path, capsys):
    spec = tmp_path / "typo.yaml"
    spec.write_text(f"sweep:\n  scenario: {BASE}\n  parameterz:\n    actors.ROK.us_trust: [0.7]\n")
    assert main([str(spec)]) == 2
    assert "typo.yaml:3: sweep.parameterz: unknown key 'parameterz' (did you mean 'parameters'?)" in (
        one_line_error(capsys)
    )


def test_a_bound_error_in_a_sweep_file_does_not_blame_set(tmp_path, capsys):
    spec = write_sweep(tmp_path, "parameters:\n  actors.ROK.us_trust: {low: 0.5, high: 1.5, steps: 2}\n")
    assert main([str(spec)]) == 2
    line = one_line_error(capsys)
    assert "sweep.parameters.actors.ROK.us_trust.high" in line and "--set" not in line


@pytest.mark.parametrize(
    "body",
    [
        "parameters:\n  actors.ROK.us_trust: {low: 0.1, high: 1, steps: 100000}\n"
        "  actors.JPN.us_trust: {low: 0.1, high: 1, steps: 100000}\n"
        "  actors.USA.commitment: {low: 0.1, high: 1, steps: 100000}\n",
        "sampler: lhs\nsamples: 1000000000\nparameters:\n  actors.ROK.us_trust: {low: 0.1, high: 1}\n",
    ],
    ids=["grid", "lhs"],
)
def test_a_design_too_large_to_hold_is_refused_before_it_is_built(tmp_path, capsys, body):
    spec = write_sweep(tmp_path, body)
    started = time.perf_counter()
    assert main([str(spec), "--out", str(tmp_path / "out")]) == 2
    assert time.perf_counter() - started < 30  # nothing was allocated
    line = one_line_error(capsys)
    assert "more than the limit of 1,000,000" in line and "--max-points" in line
    assert not (tmp_path / "out").exists()


def test_max_points_lifts_the_limit(tmp_path):
    spec = write_sweep(tmp_path, "parameters:\n  actors.ROK.us_trust: {low: 0.1, high: 1, steps: 5}\n")
    with pytest.raises(SweepError, match="more than the limit of 4"):
        load_sweep(spec, max_points=4)
    assert load_sweep(spec, max_points=5).points == 5


# ------------------------------------------------------------------ executors


def test_scheduler_without_the_dask_executor_is_refused(reference, tmp_path, capsys):
    spec, _ = reference
    assert main([str(spec), "--scheduler", "tcp://127.0.0.1:8786", "--out", str(tmp_path / "out")]) == 2
    assert "--scheduler needs --executor dask" in one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_one_line_before_any_folder_is_made(reference, tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    spec, _ = reference
    args = [str(spec), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:9", "--dask-timeout", "1"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert "cannot reach a Dask scheduler" in one_line_error(capsys)
    assert not (tmp_path / "out").exists()


def test_a_cluster_without_workers_ends_the_sweep_incomplete_instead_of_hanging(reference, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    spec, _ = reference
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        started = time.perf_counter()
        outcome = execute(
            load_sweep(spec), tmp_path / "out", executor="dask", scheduler=cluster.scheduler_address, dask_timeout=1
        )
    assert time.perf_counter() - started < 60
    assert not outcome.complete and outcome.points_done == 0
    assert [f["error"] for f in outcome.failures] == ["not run: dask cluster lost: no workers for 1 s"] * 4


def _children(pid: int) -> list[int]:
    """All descendants of ``pid``, whichever thread started them.

    A process's children are listed under the thread that forked them: Dask's workers are
    started by a thread of each nanny's AsyncProcess, not by the main thread.
    """
    found, todo = [], [pid]
    while todo:
        kids = []
        for thread in Path(f"/proc/{todo.pop()}/task").glob("*"):
            try:
                kids += map(int, (thread / "children").read_text().split())
            except OSError:
                continue
        found += kids
        todo += kids
    return found


def _proc(pid: int, name: str) -> bytes:
    """/proc/PID/NAME, or b"" once the process is gone (short-lived children such as ``uname`` come and go)."""
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes()
    except OSError:
        return b""


def _running(pid: int) -> bool:
    """Not exited: a zombie has exited and waits for its reaper (here init, which reaps every few seconds)."""
    stat = _proc(pid, "stat")
    return bool(stat) and stat.rpartition(b")")[2].split()[0] != b"Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers' processes")
@pytest.mark.parametrize("executor", ["process", "dask"])
def test_workers_exit_when_the_parent_is_killed(tmp_path, executor):
    """Pool workers and the workers of the LocalCluster that ``--executor dask`` starts."""
    if executor == "dask":
        pytest.importorskip("dask.distributed")
    body = SMALL.replace("replications: 6", "replications: 400").replace("months: 12", "months: 120")
    spec = write_sweep(tmp_path, body)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "alliance_sim.cli", str(spec), "--out", str(out), "--workers", "2", "--chunk", "5"]
    cmd += ["--executor", executor]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ((out / TASK_LOG).exists() and (out / TASK_LOG).read_text()):
        time.sleep(0.05)
    children = _children(proc.pid)
    workers = [c for c in children if b"spawn_main" in _proc(c, "cmdline")]
    assert len(workers) == 2, f"the {executor} executor's two workers did not start"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only: no cleanup runs
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_running, children)):
        time.sleep(0.1)
    alive = [c for c in children if _running(c)]
    if alive:  # pragma: no cover - clean up before failing
        for c in alive:
            os.kill(c, signal.SIGKILL)
    assert not alive, f"{len(alive)} process(es) outlived the parent by 10 s"
    assert proc.stdout.read() == b""  # nobody holds the parent's stdout open any more: EOF


def test_load_results_refuses_tables_its_manifest_does_not_describe(reference, tmp_path):
    """A reader during a resume (or after an edit) gets a clear error, never a mix of two versions."""
    _, ref = reference
    copy = tmp_path / "copy"
    copy.mkdir()
    for p in ref.iterdir():
        if p.is_file():
            (copy / p.name).write_bytes(p.read_bytes())
    assert len(load_results(copy).runs) == 24
    runs = pd.read_parquet(copy / "runs.parquet")
    runs.loc[0, "cohesion_mean"] = 0.5
    runs.to_parquet(copy / "runs.parquet", index=False)
    with pytest.raises(ResultsMismatch, match=r"runs\.parquet is not the table its manifest\.json describes"):
        load_results(copy)


def test_the_dask_banner_counts_worker_processes_and_threads(reference, tmp_path):
    """A LocalCluster of two single-threaded processes was described as "2 threads"."""
    pytest.importorskip("dask.distributed")
    spec, ref = reference
    outcome = execute(load_sweep(spec), tmp_path / "out", executor="dask", workers=2)
    assert outcome.executor == "dask (LocalCluster, 2 workers, 2 threads)"
    same_tables(ref, tmp_path / "out")


# ------------------------------------------------------------------ resume edge cases (from review)


def _chunked(folder: Path, fail: str | None, monkeypatch, out: Path, spec: Path) -> int:
    if fail:
        monkeypatch.setenv(FAIL_POINT_ENV, fail)
    else:
        monkeypatch.delenv(FAIL_POINT_ENV, raising=False)
    how = "--resume" if out.exists() else "--out"
    return main([str(spec), how, str(out), "--workers", "1", "--chunk", "3", "-q"])


def test_a_quarantined_chunk_of_a_point_whose_series_is_made_runs_again_alone(reference, tmp_path, monkeypatch):
    """Points split over two chunks: re-running one chunk must not remake the series from traces already used."""
    spec, ref = reference
    out = tmp_path / "out"
    assert _chunked(tmp_path, "3", monkeypatch, out, spec) == 3
    part = out / "parts" / "runs" / "p0000001-r000000003.arrow"
    runs = read_arrow(part).to_pandas()
    runs.loc[0, "cohesion_mean"] = 0.5
    write_arrow(runs, part)
    assert _chunked(tmp_path, None, monkeypatch, out, spec) == 0
    same_tables(ref, out)
    manifest = load_results(out).manifest
    assert manifest["failures"] == [] and manifest["quarantined"] == ["parts/runs/p0000001-r000000003.arrow"]


def test_a_quarantined_task_that_fails_again_leaves_its_point_incomplete(partial, reference, monkeypatch, capsys):
    spec, out = partial
    _, ref = reference
    part = sorted((out / "parts" / "runs").glob("p0000001-*.arrow"))[0]
    part.write_bytes(b"damaged")
    monkeypatch.setenv(FAIL_POINT_ENV, "1,3")
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 3
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(pd.read_parquet(out / "runs.parquet").point.unique()) == [0, 2]
    monkeypatch.delenv(FAIL_POINT_ENV)
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    same_tables(ref, out)


def test_a_sweep_killed_between_its_design_and_sweep_json_can_be_resumed(reference, tmp_path):
    spec, ref = reference
    out = tmp_path / "out"
    out.mkdir()
    load_sweep(spec).design.to_parquet(out / DESIGN, index=False)  # then SIGKILL, before sweep.json
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 0
    same_tables(ref, out)


def test_resume_of_a_foreign_folder_touches_nothing(reference, tmp_path, capsys):
    spec, _ = reference
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "data.csv").write_text("a,b\n")
    (out / ".data.csv.1.tmp").write_text("their editor's temporary file")
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "has no sweep.json" in one_line_error(capsys)
    assert sorted(p.name for p in out.iterdir()) == [".data.csv.1.tmp", "data.csv"]


def test_a_sweep_started_before_design_hashes_is_refused_by_name(partial, capsys):
    spec, out = partial
    info = json.loads((out / SWEEP_JSON).read_text())
    del info["design_sha256"]
    (out / SWEEP_JSON).write_text(json.dumps(info))
    capsys.readouterr()
    assert main([str(spec), "--resume", str(out), "--workers", "1", "-q"]) == 2
    assert "started by an older alliance-sim that did not record its design's hash" in one_line_error(capsys)
