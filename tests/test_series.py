"""Streaming monthly statistics: binned quantiles within their stated error, and output independent of the chunk."""

import json
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import BASE, BASE_ASSUMED
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim import load_scenario, simulate
from alliance_sim.run import estimate_memory, month_dates, run_ensemble
from alliance_sim.series import (
    BLOCK,
    DRIVER,
    QUANTILES,
    UNIT,
    Linear,
    Log,
    MonthlyStats,
    layout_of,
    quantile_method,
    trace_names,
)

R, MONTHS = 20_000, 12


def stated_bound(layout, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The documented worst case for a quantile between order statistics ``a`` and ``b``."""
    if isinstance(layout, Linear):
        inside = (a >= layout.low) & (b < layout.high)
        return np.where(inside, layout.width, np.inf)
    big = np.maximum(np.abs(a), np.abs(b))
    inside = big < 2.0**layout.highest
    return np.where(inside, np.maximum(big * 2.0**-layout.mantissa, 2.0 ** (layout.lowest + 1)), np.inf)


def order_statistics(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two order statistics numpy's 'linear' percentile interpolates between, per quantile and row."""
    n = values.shape[1]
    virtual = (n - 1) * np.asarray(QUANTILES) / 100
    below = np.floor(virtual).astype(int)
    above = np.minimum(below + 1, n - 1)
    ordered = np.sort(values, axis=1)
    return ordered[:, below].T, ordered[:, above].T


def binned(trace: dict, chunk: int) -> MonthlyStats:
    n = next(iter(trace.values())).shape[1]
    months = next(iter(trace.values())).shape[0]
    stats = MonthlyStats(list(trace), months, n, "binned")
    for start in range(0, n, chunk):
        stats.add({k: v[:, start : start + chunk] for k, v in trace.items()})
    return stats


@pytest.fixture(scope="module")
def ensemble():
    # the assumed start: abandonment constant, ROK-JPN high enough that brokerage is mostly idle
    scenario = load_scenario(BASE_ASSUMED).model_copy(update={"replications": R, "months": MONTHS})
    return scenario, run_ensemble(scenario, 0, range(R))[1]


@pytest.mark.parametrize(
    "metric", ["coop_rok_jpn", "cohesion", "threat_rok", "prk_tests", "driver_noise", "driver_gate", "driver_brokerage"]
)
def test_binned_quantiles_are_within_the_stated_error_of_numpy(ensemble, metric):
    scenario, trace = ensemble
    stats = binned(trace, 3_001)
    series = stats.frame(month_dates(scenario)).set_index("metric").loc[metric]
    values = trace[metric]
    exact = np.percentile(values, QUANTILES, axis=1)
    estimate = series[["p05", "p50", "p95"]].to_numpy().T
    error = np.abs(estimate - exact)
    a, b = order_statistics(values)
    assert (error <= stated_bound(layout_of(metric), a, b) * (1 + 1e-9)).all()
    assert error.max() <= stats.describe()["max_error"][metric] * (1 + 1e-9) + 1e-300
    np.testing.assert_allclose(series["mean"], values.mean(axis=1), rtol=1e-12, atol=1e-15)


def test_point_masses_and_whole_counts_are_exact(ensemble):
    # prk_tests are whole numbers, abandonment is constant in base.yaml, driver_brokerage is mostly zero
    scenario, trace = ensemble
    series = binned(trace, 7_777).frame(month_dates(scenario)).set_index("metric")
    for metric in ("prk_tests", "abandonment_rok", "driver_abandonment"):
        exact = np.percentile(trace[metric], QUANTILES, axis=1).T
        np.testing.assert_array_equal(series.loc[metric, ["p05", "p50", "p95"]].to_numpy(), exact, err_msg=metric)
    assert (series.loc["driver_brokerage", "p50"] == 0).all()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["wide", "tiny", "mixed", "beyond"]),
    st.integers(1, 400),
    st.integers(1, 97),
)
def test_log_bins_keep_their_bound_for_any_values(seed, kind, n, chunk):
    # driver terms have no known bounds: any magnitude, either sign, zeros, values beyond the range
    rng = np.random.default_rng(seed)
    if kind == "wide":
        v = rng.choice([-1, 1], size=(3, n)) * 2.0 ** rng.uniform(-25, 2, size=(3, n))
    elif kind == "tiny":
        v = rng.normal(0, 1e-6, size=(3, n))
    elif kind == "mixed":
        v = np.where(rng.random((3, n)) < 0.4, 0.0, rng.normal(0, 0.01, size=(3, n)))
    else:
        v = rng.normal(0, 10, size=(3, n))  # some beyond 2^2: only the recorded error holds there
    stats = binned({"driver_x": v}, chunk)
    estimate = stats.frame(range(3))[["p05", "p50", "p95"]].to_numpy().T
    exact = np.percentile(v, QUANTILES, axis=1)
    a, b = order_statistics(v)
    error = np.abs(estimate - exact)
    assert (error <= stated_bound(DRIVER, a, b) * (1 + 1e-9)).all()
    assert (error <= stats.describe()["max_error"]["driver_x"] * (1 + 1e-9) + 1e-300).all()


def test_bins_are_ordered_and_as_wide_as_stated():
    rng = np.random.default_rng(3)
    for layout, v in (
        (UNIT, np.concatenate([rng.random(5000), [0.0, 1.0, -0.5, 1.5]])),
        (DRIVER, np.concatenate([rng.normal(0, 0.05, 5000), [0.0, -0.0, 3.99, -4.0, 1e-9, np.inf, -np.inf]])),
        (Log(3, -4, 4), rng.normal(0, 3, 5000)),
    ):
        v = np.sort(v)
        index = layout.index(v.copy(), np.empty(v.shape, dtype=np.intp))
        assert (np.diff(index) >= 0).all() and index.min() >= 0 and index.max() < layout.size
        for b in np.unique(index):
            inside = v[index == b]
            if b in (0, layout.size - 1):
                continue  # the bins beyond the range have no width
            spread = inside.max() - inside.min()
            if isinstance(layout, Linear):
                assert spread < layout.width
            else:
                assert spread <= max(np.abs(inside).max() * 2.0**-layout.mantissa, 2.0 ** (layout.lowest + 1))


def test_mean_sums_fixed_blocks_whatever_the_chunks():
    rng = np.random.default_rng(5)
    v = rng.random((4, 3 * BLOCK + 17))
    means = set()
    for sizes in ([v.shape[1]], [1] * 40 + [v.shape[1] - 40], [BLOCK - 1, 2, 5000], [700] * 5):
        stats, start = MonthlyStats(["x"], 4, v.shape[1], "exact"), 0
        for size in sizes:
            stats.add({"x": v[:, start : start + size]})
            start += size
        means.add(stats.frame(range(4))["mean"].to_numpy().tobytes())
    assert len(means) == 1


def test_method_depends_on_the_ensemble_size_only():
    assert quantile_method(1000) == "exact" and quantile_method(R) == "binned"
    assert quantile_method(10_000) == "exact" and quantile_method(1_000_000) == "binned"
    with pytest.raises(ValueError, match="'exact' or 'binned'"):
        MonthlyStats(["x"], 2, 2, "sketch")


@pytest.fixture(scope="module")
def chunked(tmp_path_factory):
    """8,000 replications of 4 months in chunks of 1,000, of 7,777 and (binned) in one."""
    root = tmp_path_factory.mktemp("chunked")
    scenario = load_scenario(BASE).model_copy(update={"replications": 8_000, "months": 4})
    runs = [("binned", 1_000), ("binned", 7_777), ("binned", 8_000), ("exact", 1_000), ("exact", 7_777)]
    return {
        (method, chunk): simulate(scenario, chunk=chunk, quantiles=method, out=root / f"{method}{chunk}").path
        for method, chunk in runs
    }


@pytest.mark.parametrize("method", ["binned", "exact"])
@pytest.mark.parametrize("name", ["runs.parquet", "series.parquet"])
def test_files_are_the_same_bytes_whatever_the_chunk(chunked, method, name):
    first, *others = (folder / name for (m, _), folder in chunked.items() if m == method)
    assert others and all(other.read_bytes() == first.read_bytes() for other in others)


def test_binned_and_exact_differ_only_in_quantiles(chunked):
    binned_, exact = (pd.read_parquet(chunked[m, 7_777] / "series.parquet") for m in ("binned", "exact"))
    pd.testing.assert_frame_equal(
        binned_.drop(columns=["p05", "p50", "p95"]), exact.drop(columns=["p05", "p50", "p95"])
    )
    bound = json.loads((chunked["binned", 7_777] / "manifest.json").read_text())["quantiles"]["max_error"]
    for q in ("p05", "p50", "p95"):
        error = (binned_[q] - exact[q]).abs().groupby(binned_.metric).max()
        assert (error <= pd.Series(bound)[error.index] * (1 + 1e-9)).all(), q


def test_manifest_records_the_chunk_and_the_quantile_method(chunked):
    m = json.loads((chunked["binned", 7_777] / "manifest.json").read_text())
    assert m["chunk"] == 7_777
    q = m["quantiles"]
    assert q["method"] == "binned" and set(q["max_error"]) == set(trace_names())
    assert q["error_bound"]["coop_rok_jpn"] == "0.000244141 for values in [0, 1.00024)"
    assert q["error_bound"]["driver_gate"].startswith("2^-7 x |value| for 2^-20 <= |value| < 2^2")
    assert q["max_error"]["prk_tests"] == 0 and 0 < q["max_error"]["driver_baseline"] < 1e-3
    assert json.loads((chunked["exact", 1_000] / "manifest.json").read_text())["quantiles"] == {
        "method": "exact",
        "error_bound": 0.0,
    }
    auto = simulate(BASE, replications=50, months=3)
    assert auto.manifest["quantiles"]["method"] == "exact" and auto.manifest["chunk"] == 50


def test_memory_estimate_of_a_streamed_run_matches_the_traced_peak():
    scenario = load_scenario(BASE).model_copy(update={"replications": 4_000, "months": 24})
    tracemalloc.start()
    try:
        simulate(scenario, chunk=1_500, quantiles="binned")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.9 < peak / estimate_memory(scenario, chunk=1_500, quantiles="binned") < 1.1
    # a million runs of ten years: their traces alone would take 25 GB; streamed, the peak is a chunk,
    # the histograms and the runs table, well under the 2 GB the engine issue sets
    big = load_scenario(BASE).model_copy(update={"replications": 1_000_000, "months": 120})
    assert estimate_memory(big) < 2**30


def test_nan_rows_give_nan_like_numpy_and_the_ensemble_must_be_complete():
    v = np.array([[0.1, 0.2, 0.3, 0.4], [0.1, np.nan, 0.3, 0.4]])
    stats = MonthlyStats(["cohesion"], 2, 4, "binned")
    stats.add({"cohesion": v[:, :3]})
    with pytest.raises(ValueError, match="3 of 4 replications added"):
        stats.frame(range(2))
    with pytest.raises(ValueError, match="5 replications added, the ensemble has 4"):
        stats.add({"cohesion": v[:, :2]})
    stats.add({"cohesion": v[:, 3:]})
    frame = stats.frame(range(2))
    expected = np.percentile(v, QUANTILES, axis=1).T
    np.testing.assert_array_equal(frame[["p05", "p50", "p95"]].to_numpy(), expected)  # exact: few values a bin
    assert np.isnan(frame["mean"].iloc[1]) and not np.isnan(frame["mean"].iloc[0])


@pytest.mark.parametrize("unit", ["us", "ns"])  # pandas 3 dates, pandas 2 dates
@pytest.mark.parametrize("method", ["exact", "binned"])
def test_the_arrow_table_of_a_series_is_pandas_conversion_of_its_frame(ensemble, method, unit):
    # a sweep task writes the table, a single run (and a split point) the frame: the bytes merged must not
    # depend on the path, NaN included (pandas' conversion makes it null)
    scenario, trace = ensemble
    part = {name: values[:, :500].copy() for name, values in trace.items()}
    part["coop_rok_jpn"][3] = np.nan  # a month whose mean and quantiles are NaN
    stats = MonthlyStats(list(part), MONTHS, 500, method)
    stats.add(part)
    dates = list(np.asarray(month_dates(scenario)).astype(f"datetime64[{unit}]"))
    table, frame = stats.table(dates, point=7), stats.frame(dates, point=7)
    assert table.equals(pa.Table.from_pandas(frame, preserve_index=False), check_metadata=True)
    assert table.column("mean").null_count == 1
    assert table.schema.field("date").type == pa.timestamp(unit)
    assert table.column("point").to_pylist() == [7] * len(frame)
