"""Hardening of single runs, the scenario loader and the command line against hostile or careless input.

Each test here reproduces a failure found on the code before the hardening: bad input
must end in one ``error:`` line and exit status 2, never a traceback, a hang, a huge
allocation or lost results.
"""

import contextlib
import fcntl
import itertools
import os
import signal
import subprocess
import sys
import time
import tracemalloc

import numpy as np
import pytest
from conftest import BASE, MINIMAL
from pydantic import ValidationError

from alliance_sim import ScenarioError, load_scenario
from alliance_sim.cli import main
from alliance_sim.errors import FolderBusy
from alliance_sim.metrics import recovery_months
from alliance_sim.posterior import load_default
from alliance_sim.run import estimate_memory, simulate
from alliance_sim.scenario import Scenario
from alliance_sim.store import LOCK_NAME, lock_folder
from alliance_sim.yamlfile import MAX_YAML_BYTES, MAX_YAML_DEPTH

RESULT_FILES = ["manifest.json", "runs.parquet", "scenario.yaml", "series.parquet"]


def fails(capsys, *argv):
    """Run the CLI on a bad input; return its single stderr line."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    return err


def small(out, *extra):
    return [str(BASE), "-n", "20", "--months", "6", "--out", str(out), "-q", *extra]


@contextlib.contextmanager
def time_limit(seconds):
    """Fail instead of hanging (the old loader blocked forever on a FIFO)."""

    def expire(signum, frame):  # not TimeoutError: the code under test may catch OSError
        pytest.fail(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------------ 1. locks on results folders


def test_a_second_writer_is_refused_while_another_process_writes(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    # another process holds the folder's lock, as a concurrent `simulate --out out` does
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            f"fd = os.open({str(out / LOCK_NAME)!r}, os.O_RDWR | os.O_CREAT)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "os.write(fd, str(os.getpid()).encode())\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        err = fails(capsys, *small(out))
        assert f"{out}: another run (pid {holder.pid}) is writing results into this folder" in err
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing written by the refused run
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_lock_folder_is_exclusive_and_leaves_nothing_behind(tmp_path):
    out = tmp_path / "new" / "out"
    with lock_folder(out) as folder:
        assert folder == out and (out / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(FolderBusy, match=rf"another run \(pid {os.getpid()}\)"), lock_folder(out):
            pass
        assert isinstance(FolderBusy("x"), ScenarioError)
    assert not out.exists()  # created by the lock, still empty: removed
    out.mkdir(parents=True)
    with lock_folder(out):
        (out / "kept.txt").write_text("x")
    assert sorted(p.name for p in out.iterdir()) == ["kept.txt"]


def test_the_lock_file_that_is_locked_is_the_one_in_the_folder(tmp_path):
    """A writer that opened the lock file just before its holder removed it must not think it holds the lock."""
    out = tmp_path / "out"
    out.mkdir()
    stale = os.open(out / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    (out / LOCK_NAME).unlink()
    fcntl.flock(stale, fcntl.LOCK_EX)  # a lock on a file no longer in the folder does not block anyone
    try:
        with lock_folder(out):
            assert (out / LOCK_NAME).exists()
    finally:
        os.close(stale)


def test_a_folder_with_files_that_are_not_results_is_refused(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    err = fails(capsys, *small(out))
    assert f"{out} is not empty and holds no results of alliance-sim" in err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "my notes"


def test_an_empty_existing_folder_is_used(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert main(small(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == RESULT_FILES


# ------------------------------------------------------------------ 2. memory guard


def test_a_run_beyond_the_memory_limit_is_refused_before_allocating(tmp_path, capsys):
    out = tmp_path / "out"
    # the estimate counts the one-off cost of loading the compiled step if this process has not yet
    # and the runs table's columns of the (suite's) default posterior
    drawn = len(load_default().columns)
    need = estimate_memory(load_scenario(BASE, {"replications": 1000, "months": 60}), drawn=drawn) / 2**20
    assert 12 < need < 30  # one chunk of 1,000 x 60 x 21 traces is 9.6 MiB of floats
    err = fails(capsys, BASE, "-n", "1000", "--months", "60", "--out", out, "--max-memory", "0.01")
    assert f"this run needs about {need:.1f} MiB of memory (1,000 replications x 60 months)" in err
    assert "above the limit of 10.2 MiB" in err and "--max-memory GB" in err
    assert f"{BASE}: replications:" in err
    assert not out.exists()


def test_memory_limit_lifted_by_the_flag_and_checked_in_the_api(tmp_path):
    assert main(small(tmp_path / "out", "--max-memory", "1")) == 0
    scenario = load_scenario(BASE).model_copy(update={"replications": 200_000, "months": 120})
    # the run the adversarial tester started once needed 8 GiB; streamed, a chunk, the histograms and
    # the runs need well under 1 GiB (26 traces: 13 step metrics and 13 driver terms)
    assert 2**28 < estimate_memory(scenario) < 2**30
    with pytest.raises(ScenarioError, match="above the limit"):
        simulate(scenario, max_memory=2**28)
    with pytest.raises(ScenarioError, match="above the limit"):
        simulate(scenario, max_memory=2**29, trajectories=True, out=tmp_path / "big", chunk=100_000)
    assert not (tmp_path / "big").exists()


def test_memory_estimate_matches_the_traced_peak():
    scenario = load_scenario(BASE).model_copy(update={"replications": 1000, "months": 24})
    tracemalloc.start()
    try:
        simulate(scenario)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.6 < peak / estimate_memory(scenario) < 1.4


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_max_memory_must_be_a_positive_number(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([str(BASE), "--max-memory", value])
    assert exit_.value.code == 2 and "argument --max-memory" in capsys.readouterr().err


# ------------------------------------------------------------------ 3. YAML reader limits


def bomb(levels=9):
    text = "name: lol\nstart: 2025-01\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    names = "abcdefghijklmnop"
    for prev, name in itertools.pairwise(names[:levels]):
        text += f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]\n"
    return text


def test_an_alias_bomb_is_refused_quickly(write, capsys):
    path = write(bomb())
    assert path.stat().st_size < 600
    started = time.perf_counter()
    err = fails(capsys, path)
    assert time.perf_counter() - started < 5
    assert f"{path}: YAML holds more than 100,000 keys and values once aliases (*name) are expanded" in err


def test_aliases_that_expand_a_little_still_load(write):
    path = write(
        MINIMAL
        + "actors:\n"
        + "  ROK: &ally {approval: 0.3, antipathy: 0.6}\n"
        + "  JPN:\n    <<: *ally\n    approval: 0.5\n"
    )
    s = load_scenario(path)
    assert (s.actors.ROK.antipathy, s.actors.JPN.antipathy, s.actors.JPN.approval) == (0.6, 0.6, 0.5)


def test_a_recursive_alias_is_refused(write, capsys):
    err = fails(capsys, write(MINIMAL + "loop: &x [1, *x]\n"))
    assert "recursive alias" in err


def test_a_file_over_the_size_limit_is_refused(write, capsys):
    path = write(MINIMAL + "description: " + "x" * MAX_YAML_BYTES + "\n")
    err = fails(capsys, path)
    assert f"{path}: file is {path.stat().st_size:,} bytes" in err and "limited to 1,000,000 bytes" in err


def test_a_fifo_is_refused_without_waiting(tmp_path, capsys):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    with time_limit(20):
        err = fails(capsys, fifo)
    assert f"{fifo}: is not a regular file" in err


def test_a_device_is_refused(capsys):
    assert "/dev/zero: is not a regular file" in fails(capsys, "/dev/zero")


def test_flow_lists_nested_deeper_than_the_limit_are_refused(write, capsys):
    path = write("name: deep\nstart: 2025-01\ndeep: " + "[" * 2000 + "]" * 2000 + "\n")
    err = fails(capsys, path)
    assert f"{path}:3: YAML nested more than {MAX_YAML_DEPTH} levels deep" in err


def test_set_values_are_read_within_the_limits(capsys):
    err = fails(capsys, BASE, "--set", "description=" + "[" * 2000 + "]" * 2000)
    assert err.startswith("error: --set") and "YAML nested more than" in err


# ------------------------------------------------------------------ 4. one-month horizon, booleans, calendar


def test_a_one_month_horizon_runs(tmp_path):
    out = tmp_path / "one"
    assert main([str(BASE), "-n", "10", "--months", "1", "--out", str(out), "-q"]) == 0
    assert np.isnan(recovery_months({"cohesion": np.full((1, 3), 0.5)}, None)).all()


@pytest.mark.parametrize("field", ["months", "replications", "seed"])
def test_a_boolean_is_not_an_integer(field, write, capsys):
    path = write(
        MINIMAL.replace("months: 12\n", "").replace("replications: 20\n", "").replace("seed: 7\n", "")
        + f"{field}: true\n"
    )
    err = fails(capsys, path)
    assert f"{field}: expected an integer, not a boolean" in err


def test_a_start_beyond_the_calendar_is_a_validation_error(write, capsys):
    err = fails(capsys, write(MINIMAL.replace("start: 2025-01", "start: 9999-12")))
    assert "s.yaml:2: start: the year must be between 1900 and 2200" in err


# ------------------------------------------------------------------ 5. never quote another file's content


def test_extends_refuses_files_that_are_not_yaml(write, capsys):
    secret = write("TOPSECRET: hunter2\n", "secret.txt")
    err = fails(capsys, write(f"extends: {secret}\n" + MINIMAL))
    assert "extends: the parent scenario must be a .yaml or .yml file" in err
    assert "hunter2" not in err
    err = fails(capsys, write("extends: /etc/passwd\n" + MINIMAL))
    assert "root:" not in err


@pytest.mark.parametrize(
    "parent",
    [
        "description: [TOPSECRET]\n",  # a value pydantic would quote
        "events:\n  x: {type: TOPSECRET}\n",  # an unknown event type
        "name: !TOPSECRET x\n",  # the YAML parser quotes the tag
        "name: *TOPSECRET\n",  # the parser quotes an undefined alias
        "actors:\n  ROK: {government: TOPSECRET}\n",
    ],
)
def test_errors_in_a_parent_do_not_quote_its_content(parent, write, capsys):
    write(parent, "parent.yaml")
    err = fails(capsys, write("extends: parent.yaml\n" + MINIMAL))
    assert "parent.yaml" in err and "TOPSECRET" not in err


def test_extends_cannot_be_set_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "out"
    err = fails(capsys, *small(out, "--set", "extends=/etc/passwd"))
    assert "extends: --set cannot change 'extends'" in err
    assert not out.exists()


# ------------------------------------------------------------------ 6. aliases of actors


def test_an_actor_and_its_alias_both_given(write, capsys):
    path = write(MINIMAL + "actors:\n  ROK: {approval: 0.3}\n  KOR: {approval: 0.5}\n")
    err = fails(capsys, path)
    assert f"{path}:10: actors.KOR: ROK and its alias KOR are both given; keep one" in err
    with pytest.raises(ValidationError, match="ROK and its alias KOR are both given"):  # Python API
        Scenario.model_validate({"name": "x", "start": "2025-01", "actors": {"ROK": {}, "KOR": {}}})


def test_an_alias_in_a_child_merges_with_the_code_in_the_parent(write):
    child = write(f"extends: {BASE}\nactors:\n  KOR: {{approval: 0.2}}\n")
    s = load_scenario(child)
    assert s.actors.ROK.approval == 0.2
    assert s.actors.ROK.interim is True  # kept from base.yaml, not reset to the default
    assert load_scenario(BASE, ["actors.KOR.approval=0.25"]).actors.ROK.approval == 0.25


# ------------------------------------------------------------------ 7. one-line usage errors, --version


@pytest.mark.parametrize("argv", [["--bogus"], [], [str(BASE), "--months", "x"], ["compare", "a"]])
def test_usage_errors_are_one_line_and_a_hint(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2
    assert len(err) == 2 and err[0].startswith("error: ") and "--help" in err[1]


def test_version(capsys):
    from alliance_sim.run import package_version

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"simulate {package_version()}"


# ------------------------------------------------------------------ 8. a reader that stops early


def test_a_closed_pipe_ends_quietly_with_status_141(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "alliance_sim.cli", *small(out)[:-1]],  # not quiet: prints the summary
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # as `| head -0` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert (out / "manifest.json").is_file()


# ------------------------------------------------------------------ 10. atomic writes, nothing stale


def test_no_temporary_or_lock_files_after_a_run(tmp_path):
    out = tmp_path / "out"
    assert main(small(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == RESULT_FILES


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch, capsys):
    import pyarrow.parquet as pq

    write_table, calls = pq.write_table, []

    def full_disk(table, where, **kwargs):  # the second Parquet file fails half-written
        calls.append(where)
        if len(calls) % 2 == 0:
            with open(where, "wb") as f:
                f.write(b"PAR1")
            raise OSError(28, "No space left on device")
        write_table(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", full_disk)
    out = tmp_path / "out"
    err = fails(capsys, *small(out))
    assert "No space left on device" in err
    assert not out.exists()  # created by this run and emptied again: no parquet, .tmp or .lock file
    existing = tmp_path / "existing"
    existing.mkdir()
    fails(capsys, *small(existing))
    assert list(existing.iterdir()) == []


def test_an_interrupted_run_removes_the_folder_it_made(tmp_path, monkeypatch, capsys):
    import alliance_sim.run as run

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "run_ensemble", interrupt)
    out = tmp_path / "out"
    assert main(small(out)) == 130
    assert "interrupted; nothing was written" in capsys.readouterr().err
    assert not out.exists()
