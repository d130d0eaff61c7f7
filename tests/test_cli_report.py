"""``simulate FILE --report`` and ``simulate compare A B``, called through ``main(argv)``."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alliance_sim import analysis, load_results
from alliance_sim.cli import main
from alliance_sim.report import markdown_table, write_report

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASE = str(SCENARIOS / "base.yaml")
TRANSITION = str(SCENARIOS / "political_transition.yaml")
SMALL = ["-n", "60", "--months", "18"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_report_writes_figures_and_markdown(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([BASE, *SMALL, "--out", str(out), "--report", "-q"]) == 0
    assert f"report written to {out / 'report.md'}" in capsys.readouterr().out
    for name in ("envelopes.png", "attribution.png", "survival.png"):
        assert (out / name).read_bytes()[:8] == PNG_SIGNATURE
        assert (out / name).stat().st_size > 10_000
    text = (out / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# alliance-sim report: base")
    assert "60 replications × 18 months from 2025-01" in text
    for name in ("envelopes.png", "attribution.png", "survival.png"):
        assert f"]({name})" in text
    # the rupture line states the count and the Wilson interval of the saved runs
    runs = load_results(out).runs
    k = int(runs["rupture"].sum())
    lo, hi = analysis.wilson(k, 60)
    assert f"({k} of 60 futures; 95% Wilson interval {lo:.1%}–{hi:.1%})" in text
    # every run summary but rupture appears once in the table
    for name in ("cohesion_mean", "cohesion_min", "coop_rok_jpn_final"):
        assert len(re.findall(rf"^\| run \| {name} \|", text, flags=re.M)) == 1


def test_without_report_flag_no_figures_are_written(tmp_path):
    out = tmp_path / "run"
    assert main([BASE, *SMALL, "--out", str(out), "-q"]) == 0
    assert not list(out.glob("*.png")) and not (out / "report.md").exists()


def test_report_of_a_grid_sweep(grid_sweep, tmp_path):
    path = write_report(grid_sweep, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert "Sweep over 2 parameters, sampler `grid`" in text
    for name in ("sweep_response.png", "sweep_lines.png"):
        assert f"]({name})" in text
        assert (tmp_path / name).read_bytes()[:8] == PNG_SIGNATURE
    # a ranking of the parameters, then the extreme design points, not a dump of all of them
    assert "## Which parameters matter for rupture" in text
    assert len(re.findall(r"^\| \d+ \| ", text, flags=re.M)) == 10
    assert "(12 design points in all" in text


def test_report_of_an_asymmetric_grid_shows_the_interaction(asymmetric_grid, tmp_path):
    # rupture depends on |x - y| only: both trust values rank above the inert third parameter,
    # and the heatmap is drawn over them, one panel per value of the third
    names = ["actors.ROK.us_trust", "actors.JPN.us_trust", "events.prk_tests.rate_per_month"]
    text = write_report(asymmetric_grid, tmp_path).read_text(encoding="utf-8")
    ranking = re.findall(r"^\| (\S+) \| [0-9.]+ \|$", text, flags=re.M)
    assert set(ranking[:2]) == set(names[:2]) and ranking[2] == names[2]
    assert "one panel per value of `events.prk_tests.rate_per_month`" in text


def test_report_of_a_sobol_sweep(make_sweep, tmp_path):
    from SALib.sample import sobol as sobol_sample

    names = ["parameters.cha.grievance", "actors.ROK.antipathy"]
    problem = {"num_vars": 2, "names": names, "bounds": [[0, 1], [0, 1]]}
    X = sobol_sample.sample(problem, 16, calc_second_order=False, seed=2)
    R = 8
    rupture = X[:, [0]] > np.arange(R)[None, :] / R
    sweep = make_sweep(X, names, problem["bounds"], {"rupture": rupture, "cohesion_mean": rupture * 0.5 + 0.2})
    text = write_report(sweep, tmp_path).read_text(encoding="utf-8")
    assert "first 50" not in text
    assert (tmp_path / "sobol_cohesion_mean.png").stat().st_size > 10_000
    assert "](sobol_cohesion_mean.png)" in text
    # the index table, with its convergence verdict (N = 16 is far too small)
    assert "### Sobol indices of cohesion_mean" in text
    assert text.count("**Warning: not converged.**") == 1 and "would be needed" in text
    # rupture, a threshold event, gets a sentence on its indices and a PRIM box (with the explore extra)
    assert "### Rupture" in text and "Rupture happens at" in text
    assert re.search(r"^\| parameters\.cha\.grievance \| -?[0-9.]+ ± [0-9.]+ \| -?[0-9.]+ ± [0-9.]+ \|$", text, re.M)


def test_write_report_needs_a_folder(base_results):
    with pytest.raises(ValueError, match="no folder"):
        write_report(base_results)


def test_markdown_table_formats_floats_and_missing_values():
    frame = pd.DataFrame({"metric": ["a", "b"], "mean": [0.12345, float("nan")], "n": [3, 0]})
    assert markdown_table(frame).splitlines() == [
        "| metric | mean | n |",
        "|---|---|---|",
        "| a | 0.123 | 3 |",
        "| b | – | 0 |",
    ]


def test_compare_two_scenario_files(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", BASE, TRANSITION, *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("political_transition minus base")
    assert "A = base, B = political_transition" in printed
    table = pd.read_csv(out / "comparison.csv")
    assert {"cohesion_mean", "rupture", "coop_rok_jpn_final"} <= set(table["metric"])
    row = table.set_index("metric").loc["cohesion_mean"]
    assert row["diff"] == pytest.approx(row["mean_b"] - row["mean_a"])  # b minus a, as printed
    line = next(x for x in printed.splitlines() if x.startswith("cohesion_mean"))
    assert f"{row['diff']:.4f}" in line
    assert (out / "compare.png").read_bytes()[:8] == PNG_SIGNATURE
    # a second comparison into the same folder would overwrite it: refused
    assert main(["compare", BASE, TRANSITION, *SMALL, "--out", str(out)]) == 2


def test_compare_rejects_an_unknown_metric_before_running(tmp_path, capsys, monkeypatch):
    import alliance_sim.cli.compare as cli

    monkeypatch.setattr(cli, "load_or_run", lambda *a: pytest.fail("ran a scenario before checking --metric"))
    assert main(["compare", BASE, TRANSITION, "--metric", "coop_rok_jp"]) == 2
    err = capsys.readouterr().err
    assert "unknown step metric 'coop_rok_jp'" in err and "coop_rok_jpn" in err and "cohesion" in err


def test_compare_pairs_library_scenarios_by_default_and_says_so(tmp_path, capsys):
    assert main(["compare", BASE, TRANSITION, *SMALL]) == 0
    printed = capsys.readouterr().out
    assert "paired by seed key: both runs share seed 20250113" in printed
    assert "recovery_months" in printed and "nan" not in printed
    assert main(["compare", BASE, TRANSITION, *SMALL, "--unpaired"]) == 0
    printed = capsys.readouterr().out
    assert "unpaired (Welch)" in printed and "paired by seed key" not in printed
    with pytest.raises(SystemExit):
        main(["compare", BASE, TRANSITION, *SMALL, "--paired", "--unpaired"])


def test_compare_results_folders_and_paired(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main([BASE, *SMALL, "--out", str(a), "-q"]) == 0
    assert main([BASE, *SMALL, "--out", str(b), "-q"]) == 0
    capsys.readouterr()
    assert main(["compare", str(a), str(b), "--paired"]) == 0
    printed = capsys.readouterr().out
    # the same scenario and seed twice: identical futures, zero difference
    assert "base (A)" in printed and "base (B)" in printed
    line = next(x for x in printed.splitlines() if x.startswith("cohesion_mean"))
    assert "0.0000   [0.0000, 0.0000]" in line


@pytest.mark.parametrize(
    "argv, message",
    [
        (["compare", BASE, "missing.yaml"], "missing.yaml: no such file"),
        (["compare", "/", BASE], "is not a results folder"),
        (["compare", BASE, BASE, "--metric", "nope", "--out", "{tmp}/x", *SMALL], "unknown step metric 'nope'"),
    ],
)
def test_compare_bad_input_exits_2_with_one_line(argv, message, tmp_path, capsys):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err
    assert len(err.strip().splitlines()) == 1


def test_terminal_summary_states_rupture_probability_with_wilson_interval(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([BASE, *SMALL, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    runs = load_results(out).runs
    k = int(runs["rupture"].sum())
    lo, hi = analysis.wilson(k, 60)
    assert f"{'rupture':<24}{k / 60:>8.3f}  {lo:.3f}-{hi:.3f}" in printed
    assert f"{'within the horizon':<24}{'chance':>8}  95% Wilson interval" in printed
    assert printed.splitlines()[0].startswith("base: 60 replications x 18 months from 2025-01")


def test_simulate_bad_input_exits_2(tmp_path, capsys):
    assert main([str(tmp_path / "missing.yaml"), "--report"]) == 2
    assert "missing.yaml: no such file" in capsys.readouterr().err
    out = tmp_path / "run"
    assert main([BASE, *SMALL, "--out", str(out), "-q"]) == 0
    assert main([BASE, *SMALL, "--out", str(out), "-q", "--report"]) == 2
    assert "already holds results" in capsys.readouterr().err


def test_simulate_takes_overrides_and_reports_events_outside_the_horizon(tmp_path):
    from alliance_sim import simulate

    with pytest.warns(UserWarning, match=r"'rok_presidential_2027' at 2027-03 is outside the horizon 2025-01..2025-12"):
        res = simulate(BASE, replications=20, months=12, overrides={"actors.USA.commitment": 0.6})
    assert res.manifest["scenario"]["actors"]["USA"]["commitment"] == 0.6
    assert any("rok_presidential_2027" in w for w in res.manifest["warnings"])
    text = write_report(res, tmp_path).read_text(encoding="utf-8")
    assert "**Warning:** event 'rok_presidential_2027' at 2027-03 is outside the horizon" in text
