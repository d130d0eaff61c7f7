"""alliance_sim.analysis, checked against values known independently of the code under test:
closed forms (Wilson at k = 0, Ishigami's Sobol indices), published worked examples
(Newcombe 1998), differences built into the data, and invariants of the model's own
records (drivers sum to the change in ROK-JPN cooperation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.sample import sobol as sobol_sample

from alliance_sim import analysis
from alliance_sim.metrics import DRIVERS, STEP_METRICS
from alliance_sim.store import Results

Z95 = 1.959963984540054


def scenario_results(columns: dict, months: int = 4, name: str = "toy", spawn: str = "") -> Results:
    """A single-scenario Results with the given run-summary columns (one value per replication)."""
    n = len(next(iter(columns.values())))
    runs = pd.DataFrame(
        {
            "point": np.zeros(n, dtype=np.int64),
            "replication": np.arange(n),
            "seed": np.uint64(1),
            "spawn_key": [f"0,{r}{spawn}" for r in range(n)],
        }
    )
    for key, values in columns.items():
        runs[key] = values
    dates = pd.date_range("2025-01-01", periods=months, freq="MS")
    series = pd.DataFrame(
        {
            "point": 0,
            "month": np.arange(1, months + 1),
            "date": dates,
            "metric": "cohesion",
            "mean": np.linspace(0.8, 0.5, months),
            "p05": 0.1,
            "p50": 0.2,
            "p95": 0.9,
        }
    )
    return Results(runs=runs, series=series, manifest={"kind": "scenario", "name": name})


# --------------------------------------------------------------------------- Wilson


def test_wilson_with_no_successes_has_closed_form_upper_bound():
    n = 500
    lo, hi = analysis.wilson(0, n)
    assert lo == 0.0
    assert hi == pytest.approx(Z95**2 / (n + Z95**2), rel=1e-9)


def test_wilson_rejects_counts_outside_zero_to_n():
    with pytest.raises(ValueError):
        analysis.wilson(5, 4)


# --------------------------------------------------------------------------- summarize


def test_summarize_reports_known_quantiles_and_rupture_probability():
    n = 101
    rupture = np.arange(n) < 10
    toy = scenario_results(
        {
            "cohesion_mean": np.linspace(0.0, 1.0, n),
            "rupture": rupture,
            "first_rupture_month": pd.array([3] * 10 + [None] * (n - 10), dtype="Int64"),
        }
    )
    table = analysis.summarize(toy).set_index(["scope", "metric"])
    row = table.loc[("run", "cohesion_mean")]
    assert row["mean"] == pytest.approx(0.5)
    assert row["p05"] == pytest.approx(0.05)
    assert row["p50"] == pytest.approx(0.5)
    assert row["p95"] == pytest.approx(0.95)
    assert row["n"] == n
    rup = table.loc[("run", "rupture")]
    assert rup["mean"] == pytest.approx(10 / 101)
    assert (rup["ci_low"], rup["ci_high"]) == pytest.approx(analysis.wilson(10, 101))
    first = table.loc[("run", "first_rupture_month")]
    assert first["n"] == 10 and first["mean"] == 3.0
    final = table.loc[("final_month", "cohesion")]
    assert final["mean"] == pytest.approx(0.5) and final["p95"] == 0.9


def test_summarize_run_and_series_paths_agree_on_final_cohesion(base_results):
    # cohesion_final (per replication, from runs) and the series' last-month mean of
    # cohesion are computed separately by run.py; their means must coincide.
    table = analysis.summarize(base_results).set_index(["scope", "metric"])
    assert table.loc[("run", "cohesion_final"), "mean"] == pytest.approx(
        table.loc[("final_month", "cohesion"), "mean"], rel=1e-12
    )
    assert set(table.loc["final_month"].index) == set(STEP_METRICS)
    assert table.loc[("run", "rupture"), "n"] == 200


def test_summarize_groups_by_design_point(grid_sweep):
    table = analysis.summarize(grid_sweep)
    rupture = table[table.metric == "rupture"].set_index("point")["mean"]
    expected = (
        grid_sweep.runs.groupby("point")["parameters.cha.grievance"].first()
        * grid_sweep.runs.groupby("point")["actors.ROK.antipathy"].first()
    )
    np.testing.assert_allclose(rupture.to_numpy(), expected.to_numpy())


# --------------------------------------------------------------------------- compare


@pytest.fixture
def shifted_pair():
    """b is a with every outcome raised by exactly 0.1."""
    x = np.random.default_rng(5).normal(0.6, 0.05, 400)
    return scenario_results({"cohesion_mean": x}, name="a"), scenario_results({"cohesion_mean": x + 0.1}, name="b")


def test_compare_recovers_a_difference_built_in(shifted_pair):
    a, b = shifted_pair
    row = analysis.compare(a, b, paired=False).set_index("metric").loc["cohesion_mean"]
    assert row["diff"] == pytest.approx(0.1, abs=1e-12)  # b minus a
    x = a.runs["cohesion_mean"].to_numpy()
    half = Z95 * np.sqrt(2 * x.var(ddof=1) / len(x))  # Welch with equal variances and sizes
    assert row["ci_low"] == pytest.approx(0.1 - half)
    assert row["ci_high"] == pytest.approx(0.1 + half)
    assert row["method"] == "welch"
    reverse = analysis.compare(b, a, paired=False).set_index("metric").loc["cohesion_mean"]
    assert reverse["diff"] == pytest.approx(-0.1, abs=1e-12)


def test_paired_compare_of_a_constant_shift_has_zero_width(shifted_pair):
    a, b = shifted_pair
    row = analysis.compare(a, b, paired=True).set_index("metric").loc["cohesion_mean"]
    assert row["method"] == "paired"
    assert row["ci_low"] == pytest.approx(0.1, abs=1e-12)
    assert row["ci_high"] == pytest.approx(0.1, abs=1e-12)


def test_compare_pairs_by_default_when_seed_keys_are_shared(shifted_pair):
    a, b = shifted_pair
    assert analysis.shares_seed_keys(a, b)
    assert analysis.compare(a, b).set_index("metric").loc["cohesion_mean", "method"] == "paired"
    other = scenario_results({"cohesion_mean": b.runs["cohesion_mean"].to_numpy()}, spawn="x")
    assert not analysis.shares_seed_keys(a, other)
    assert analysis.compare(a, other).set_index("metric").loc["cohesion_mean", "method"] == "welch"


def test_summaries_missing_in_some_futures_get_finite_conditional_intervals():
    # recovery_months is undefined (NaN) where cohesion never recovered; pairing would give [nan, nan]
    a = scenario_results({"recovery_months": [1.0, 2.0, np.nan, 4.0, 3.0]})
    b = scenario_results({"recovery_months": [2.0, np.nan, 5.0, 6.0, 4.0]})
    row = analysis.compare(a, b).set_index("metric").loc["recovery_months"]
    assert row["method"] == "welch" and (row["n_a"], row["n_b"]) == (4, 4)
    assert row["diff"] == pytest.approx(17 / 4 - 10 / 4)
    assert np.isfinite(row["ci_low"]) and np.isfinite(row["ci_high"])


def test_paired_compare_needs_shared_seed_keys():
    a = scenario_results({"cohesion_mean": np.zeros(10)})
    b = scenario_results({"cohesion_mean": np.ones(10)}, spawn="x")
    with pytest.raises(ValueError, match="seed and spawn_key"):
        analysis.compare(a, b, paired=True)
    c = scenario_results({"cohesion_mean": np.ones(11)})
    with pytest.raises(ValueError, match="seed and spawn_key"):
        analysis.compare(a, c, paired=True)


def test_rupture_difference_matches_newcombe_worked_example():
    # Newcombe (1998), Stat. Med. 17:873, Table II example (a): 56/70 vs 48/80,
    # method 10 gives 0.0524 to 0.3339 for the difference 0.2.
    a = scenario_results({"rupture": np.arange(80) < 48})
    b = scenario_results({"rupture": np.arange(70) < 56})
    row = analysis.compare(a, b).set_index("metric").loc["rupture"]
    assert row["diff"] == pytest.approx(0.2)
    assert row["ci_low"] == pytest.approx(0.0524, abs=5e-5)
    assert row["ci_high"] == pytest.approx(0.3339, abs=5e-5)
    assert row["method"] == "newcombe"


def test_first_rupture_month_compares_only_futures_that_ruptured():
    a = scenario_results({"first_rupture_month": pd.array([3, 5, None, None], dtype="Int64")})
    b = scenario_results({"first_rupture_month": pd.array([6, 8, 7, None], dtype="Int64")})
    row = analysis.compare(a, b).set_index("metric").loc["first_rupture_month"]
    assert row["diff"] == pytest.approx(7 - 4)
    assert (row["n_a"], row["n_b"]) == (2, 3)


def test_compare_of_a_run_with_itself_is_zero(base_results):
    table = analysis.compare(base_results, base_results, paired=True).dropna(subset=["diff"])
    np.testing.assert_array_equal(table["diff"], 0.0)
    assert set(table.metric) >= {"cohesion_mean", "rupture", "coop_rok_jpn_final"}


def test_compare_direction_is_b_minus_a(base_results, transition_results):
    row = analysis.compare(base_results, transition_results).set_index("metric").loc["cohesion_mean"]
    assert row["diff"] == pytest.approx(
        transition_results.runs["cohesion_mean"].mean() - base_results.runs["cohesion_mean"].mean(), rel=1e-12
    )


# --------------------------------------------------------------------------- survival


def test_survival_counts_futures_not_yet_ruptured():
    toy = scenario_results(
        {"first_rupture_month": pd.array([1, 3, 3, None, None], dtype="Int64"), "rupture": [1, 1, 1, 0, 0]}
    )
    s = analysis.survival(toy)
    np.testing.assert_allclose(s["survival"], [0.8, 0.8, 0.4, 0.4])
    np.testing.assert_array_equal(s["ruptured"], [1, 1, 3, 3])
    assert (s["ci_low"].iloc[2], s["ci_high"].iloc[2]) == pytest.approx(analysis.wilson(2, 5))
    assert list(s["date"].dt.strftime("%Y-%m")) == ["2025-01", "2025-02", "2025-03", "2025-04"]


def test_survival_at_horizon_equals_share_never_ruptured(base_results):
    s = analysis.survival(base_results)
    assert len(s) == 36
    assert s["survival"].iloc[-1] == pytest.approx(1 - base_results.runs["rupture"].mean())
    assert (np.diff(s["survival"]) <= 0).all()
    # another event's survival reads its own first month
    runs = base_results.runs
    for event, ever in (("trade_measures", "trade_measures_ever"), ("below_threshold", "below_threshold_ever")):
        other = analysis.survival(base_results, event=event)
        assert other["survival"].iloc[-1] == pytest.approx(1 - runs[ever].mean())
    with pytest.raises(ValueError, match=r"events: .*below_threshold.*rupture"):
        analysis.survival(base_results, event="summit")


# --------------------------------------------------------------------------- sweeps


def ishigami(X, a=7.0, b=0.1):
    return np.sin(X[:, 0]) + a * np.sin(X[:, 1]) ** 2 + b * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices(a=7.0, b=0.1):
    """Analytical first-order and total indices of the Ishigami function (Ishigami & Homma 1990)."""
    pi = np.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v, v13 / v


NAMES = ["parameters.cha.grievance", "parameters.cha.baseline", "actors.ROK.antipathy"]


def test_sobol_recovers_ishigami_indices_through_replication_means(make_sweep):
    bounds = [[-np.pi, np.pi]] * 3
    problem = {"num_vars": 3, "names": NAMES, "bounds": bounds}
    X = sobol_sample.sample(problem, 2048, calc_second_order=False, seed=11)
    y = ishigami(X)
    # Two replications per point whose noise cancels exactly in the mean.
    sweep = make_sweep(X, NAMES, bounds, {"cohesion_mean": np.c_[y + 0.5, y - 0.5]}, samples=2048)
    table = analysis.sobol(sweep, "cohesion_mean").set_index(["parameter", "index"])
    s1, st, _ = ishigami_indices()
    for i, name in enumerate(NAMES):
        for key, truth in (("S1", s1[i]), ("ST", st[i])):
            row = table.loc[(name, key)]
            assert row["estimate"] == pytest.approx(truth, abs=0.03), (name, key)
            assert row["low"] <= truth <= row["high"], (name, key)
            assert row["conf"] > 0


def test_sobol_second_order_index_of_ishigami(make_sweep):
    bounds = [[-np.pi, np.pi]] * 3
    problem = {"num_vars": 3, "names": NAMES, "bounds": bounds}
    X = sobol_sample.sample(problem, 1024, calc_second_order=True, seed=3)
    sweep = make_sweep(X, NAMES, bounds, {"cohesion_mean": ishigami(X)[:, None]}, calc_second_order=True)
    table = analysis.sobol(sweep, "cohesion_mean")
    s2 = table.attrs["S2"]
    *_, s13 = ishigami_indices()
    assert s2.loc[NAMES[0], NAMES[2]] == pytest.approx(s13, abs=0.05)
    assert s2.loc[NAMES[0], NAMES[1]] == pytest.approx(0.0, abs=0.05)


def test_sobol_of_rupture_share_for_a_linear_toy(make_sweep):
    # Share of futures rupturing = 0.6 x1 + 0.3 x2 (x3 inert), x ~ U(0, 1):
    # S1 = ST = a_i^2 / sum a^2 = 0.8, 0.2, 0.
    bounds = [[0.0, 1.0]] * 3
    problem = {"num_vars": 3, "names": NAMES, "bounds": bounds}
    X = sobol_sample.sample(problem, 1024, calc_second_order=False, seed=5)
    R = 40
    share = 0.6 * X[:, 0] + 0.3 * X[:, 1]
    rupture = np.arange(R)[None, :] < np.round(share * R)[:, None]
    sweep = make_sweep(X, NAMES, bounds, {"rupture": rupture})
    table = analysis.sobol(sweep).set_index(["parameter", "index"])["estimate"]
    for name, truth in zip(NAMES, (0.8, 0.2, 0.0), strict=True):
        assert table[(name, "S1")] == pytest.approx(truth, abs=0.05)
        assert table[(name, "ST")] == pytest.approx(truth, abs=0.05)


def test_sobol_refuses_designs_it_cannot_analyse(make_sweep, grid_sweep, base_results):
    with pytest.raises(ValueError, match="Sobol design"):
        analysis.sobol(grid_sweep)
    with pytest.raises(ValueError, match="Sobol design"):
        analysis.sobol(base_results)
    X = np.random.default_rng(0).random((7, 3))  # not a multiple of D + 2 = 5
    sweep = make_sweep(X, NAMES, [[0, 1]] * 3, {"cohesion_mean": X[:, :1]})
    with pytest.raises(ValueError, match="not a multiple"):
        analysis.sobol(sweep, "cohesion_mean")
    with pytest.raises(ValueError, match="no outcome 'nope'"):
        analysis.sobol(sweep, "nope")
    missing = make_sweep(
        X[:5], NAMES, [[0, 1]] * 3, {"first_rupture_month": pd.array([None] * 5, dtype="Int64").reshape(5, 1)}
    )
    with pytest.raises(ValueError, match="no value at some design points"):
        analysis.sobol(missing, "first_rupture_month")


def test_aggregate_needs_points_numbered_in_sample_order(make_sweep):
    X = np.random.default_rng(0).random((5, 3))
    sweep = make_sweep(X, NAMES, [[0, 1]] * 3, {"cohesion_mean": X[:, :1]})
    sweep.runs["point"] += 1
    with pytest.raises(ValueError, match=r"0\.\.P-1"):
        analysis.aggregate(sweep, "cohesion_mean")


def test_response_gives_known_share_and_mean_per_grid_cell(grid_sweep):
    rupture = analysis.response(grid_sweep, "rupture")
    x, y = rupture["parameters.cha.grievance"], rupture["actors.ROK.antipathy"]
    np.testing.assert_allclose(rupture["estimate"], x * y)
    k = np.round(x * y * 40).astype(int)
    np.testing.assert_allclose(rupture["low"], [analysis.wilson(v, 40)[0] for v in k])
    cohesion = analysis.response(grid_sweep, "cohesion_mean")
    np.testing.assert_allclose(cohesion["estimate"], 1 - x * y, atol=1e-12)
    # replication offsets spread evenly over +-0.05: percentiles 5 and 95 at +-0.045
    np.testing.assert_allclose(cohesion["high"] - cohesion["estimate"], 0.045)
    with pytest.raises(ValueError, match="no outcome"):
        analysis.response(grid_sweep, "nope")


def test_response_pooled_by_one_parameter_is_the_marginal_share(grid_sweep):
    # Every cell holds round(x * y * 40) ruptures of 40; pooled over y in {0, .25, .5, 1}
    # at fixed x that is 40 * x * 1.75 ruptures of 160.
    pooled = analysis.response(grid_sweep, "rupture", by=["parameters.cha.grievance"])
    assert list(pooled.columns) == ["parameters.cha.grievance", "estimate", "low", "high", "n"]
    x = pooled["parameters.cha.grievance"].to_numpy()
    np.testing.assert_allclose(pooled["estimate"], x * 1.75 / 4)
    np.testing.assert_array_equal(pooled["n"], 160)
    k = np.round(70 * x).astype(int)
    np.testing.assert_allclose(pooled["high"], [analysis.wilson(v, 160)[1] for v in k])


def test_design_lists_swept_values_and_refuses_plain_runs(grid_sweep, base_results):
    d = analysis.design(grid_sweep)
    assert list(d.columns) == ["point", "parameters.cha.grievance", "actors.ROK.antipathy"]
    assert len(d) == 12
    with pytest.raises(ValueError, match="not a sweep"):
        analysis.design(base_results)


def test_parameter_columns_fall_back_to_dotted_run_columns(grid_sweep):
    grid_sweep.manifest.pop("design")
    assert analysis.parameter_columns(grid_sweep) == ["parameters.cha.grievance", "actors.ROK.antipathy"]


# --------------------------------------------------------------------------- attribution


def test_attribution_sums_to_the_change_in_rok_jpn_cooperation(base_results):
    table = analysis.attribution(base_results)
    assert list(table["driver"].iloc[: len(DRIVERS)]) == list(DRIVERS)
    net = table.groupby("month")["contribution"].sum().to_numpy()
    level = base_results.metric("coop_rok_jpn")["mean"].to_numpy()
    start = level[0] - net[0]  # the spun-up start differs per replication and is not in the results
    assert 0 <= start <= 1
    np.testing.assert_allclose(net, np.diff(np.r_[start, level]), atol=1e-12)
    cumulative = table.groupby("month")["cumulative"].sum().to_numpy()
    np.testing.assert_allclose(cumulative, level - start, atol=1e-12)


def test_attribution_of_one_point_and_of_results_without_drivers(base_results, grid_sweep):
    assert set(analysis.attribution(base_results, point=0)["point"]) == {0}
    with pytest.raises(ValueError, match="driver"):
        analysis.attribution(grid_sweep)


def test_label_and_rupture_threshold_come_from_the_manifest(base_results):
    assert analysis.label(base_results) == "base"
    assert analysis.label(Results(base_results.runs, base_results.series, {}), "fallback") == "fallback"
    assert (
        analysis.rupture_threshold(base_results)
        == base_results.manifest["scenario"]["parameters"]["thresholds"]["rupture"]
    )
    assert analysis.rupture_threshold(Results(base_results.runs, base_results.series, {})) is None


def test_results_metric_rejects_unknown_names_and_points(base_results):
    assert len(base_results.metric("cohesion")) == 36
    with pytest.raises(ValueError, match=r"no metric 'typo' in these results; choose one of .*coop_rok_jpn"):
        base_results.metric("typo")
    with pytest.raises(ValueError, match="no design point 3"):
        base_results.metric("cohesion", point=3)


def test_morris_recovers_elementary_effects_of_a_linear_toy(make_sweep):
    # y = 3 x1 + x2 (x3 inert), x ~ U(0, 1): every elementary effect of x_i is its coefficient
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 3, "names": NAMES, "bounds": [[0.0, 1.0]] * 3}
    X = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    y = 3 * X[:, 0] + X[:, 1]
    sweep = make_sweep(X, NAMES, problem["bounds"], {"cohesion_mean": np.c_[y + 0.1, y - 0.1]}, sampler="morris")
    sweep.manifest["design"]["levels"] = 4
    table = analysis.morris(sweep, "cohesion_mean").set_index("parameter")
    assert list(table.index) == [NAMES[0], NAMES[1], NAMES[2]]  # ranked by mu_star
    np.testing.assert_allclose(table["mu_star"], [3.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["mu"], [3.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(table["sigma"], 0.0, atol=1e-9)
    with pytest.raises(ValueError, match="Morris design"):
        analysis.morris(make_sweep(X, NAMES, problem["bounds"], {"cohesion_mean": y[:, None]}), "cohesion_mean")


def test_sobol_check_passes_converged_indices_and_warns_with_the_size_needed(make_sweep):
    bounds = [[-np.pi, np.pi]] * 3
    problem = {"num_vars": 3, "names": NAMES, "bounds": bounds}
    X = sobol_sample.sample(problem, 2048, calc_second_order=False, seed=11)
    big = make_sweep(X, NAMES, bounds, {"cohesion_mean": ishigami(X)[:, None]}, samples=2048)
    check = analysis.sobol(big, "cohesion_mean").attrs["check"]
    assert check.passed and check.needed == 2048 and "pass the convergence check" in check.message()
    X = sobol_sample.sample(problem, 16, calc_second_order=False, seed=11)
    small = make_sweep(X, NAMES, bounds, {"cohesion_mean": ishigami(X)[:, None]}, samples=16)
    with pytest.warns(analysis.SobolConvergenceWarning, match=r"not converged at N = 16: .*would be needed"):
        table = analysis.sobol(small, "cohesion_mean")
    check = table.attrs["check"]
    assert not check.passed and check.needed > 16 and np.log2(check.needed) % 1 == 0
    # the needed N follows the 1/sqrt(N) rate of the widest half-width
    assert check.needed >= 16 * (check.max_conf / 0.1) ** 2


def test_sobol_check_flags_impossible_indices():
    table = pd.DataFrame(
        {
            "parameter": ["a", "a", "b", "b"],
            "index": ["S1", "ST", "S1", "ST"],
            "estimate": [0.9, 0.2, -0.4, 1.3],
            "conf": [0.01, 0.01, 0.02, 0.02],
        }
    )
    check = analysis.sobol_check(table, samples=64)
    assert not check.passed
    text = " ".join(check.problems)
    assert "2 indices outside [-0.05, 1.05]" in text and "ST below S1 beyond noise for a" in text
    assert check.needed == 128  # intervals are narrow: the problem is not the sample size alone
