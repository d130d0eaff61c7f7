"""Design sizes and bounds of every sampler, checked against their definitions."""

import numpy as np
import pytest
from SALib.analyze import sobol as sobol_analyze

from alliance_sim import samplers
from alliance_sim.samplers import Param

A = Param("a", low=0.0, high=1.0)
B = Param("b", low=2.0, high=5.0)
C = Param("c", low=-1.0, high=1.0)


def test_grid_is_the_full_product_first_parameter_slowest():
    params = [Param("x", values=(1, 2)), Param("y", low=0.0, high=1.0, steps=3)]
    table = samplers.design("grid", params)
    assert len(table) == samplers.design_size("grid", params, None) == 6
    assert table["point"].tolist() == list(range(6))
    assert table["x"].tolist() == [1, 1, 1, 2, 2, 2]
    assert table["y"].tolist() == [0.0, 0.5, 1.0] * 2


def test_grid_mixed_ints_and_floats_become_one_float_column():
    table = samplers.design("grid", [Param("x", values=(1, 2.5))])
    assert table["x"].dtype == np.float64
    assert table["x"].tolist() == [1.0, 2.5]


def test_grid_keeps_non_numeric_values():
    table = samplers.design("grid", [Param("g", values=("conservative", "progressive")), Param("i", values=(True,))])
    assert table["g"].tolist() == ["conservative", "progressive"]
    assert table["i"].tolist() == [True, True]


def test_grid_loguniform_steps_are_evenly_spaced_in_log_space():
    table = samplers.design("grid", [Param("r", low=1.0, high=100.0, steps=3, distribution="loguniform")])
    np.testing.assert_allclose(table["r"], [1.0, 10.0, 100.0])


@pytest.mark.parametrize("n", [1, 7, 50])
def test_lhs_size_bounds_and_one_point_per_stratum(n):
    params = [A, B, C]
    table = samplers.design("lhs", params, samples=n, seed=3)
    assert len(table) == samplers.design_size("lhs", params, n) == n
    for p in params:
        col = table[p.path].to_numpy()
        assert ((col >= p.low) & (col <= p.high)).all()
        strata = np.floor((col - p.low) / (p.high - p.low) * n).astype(int)
        assert sorted(strata) == list(range(n))  # the Latin property: each of n strata hit once


def test_lhs_is_reproducible_and_seeded():
    one = samplers.design("lhs", [A, B], samples=10, seed=1)
    assert one.equals(samplers.design("lhs", [A, B], samples=10, seed=1))
    assert not one.equals(samplers.design("lhs", [A, B], samples=10, seed=2))


def test_lhs_loguniform_stays_in_bounds_and_is_uniform_in_log_space():
    p = Param("r", low=0.01, high=100.0, distribution="loguniform")
    col = samplers.design("lhs", [p], samples=100, seed=0)["r"].to_numpy()
    assert ((col >= 0.01) & (col <= 100.0)).all()
    strata = np.floor((np.log10(col) + 2) / 4 * 100).astype(int)
    assert sorted(strata) == list(range(100))


@pytest.mark.parametrize(("second", "per_n"), [(True, 2 * 3 + 2), (False, 3 + 2)])
def test_sobol_design_size_is_n_times_2d_plus_2_or_d_plus_2(second, per_n):
    params = [A, B, C]
    table = samplers.design("sobol", params, samples=16, seed=5, calc_second_order=second)
    assert len(table) == 16 * per_n == samplers.design_size("sobol", params, 16, calc_second_order=second)
    for p in params:
        assert table[p.path].between(p.low, p.high).all()


def test_sobol_point_order_is_salibs_so_analyze_recovers_known_indices():
    # Y = x_a + 2 x_b with x ~ U(0, 1): Var = 1/12 + 4/12, so S1 = (0.2, 0.8) exactly, ST = S1.
    params = [Param("a", low=0.0, high=1.0), Param("b", low=0.0, high=1.0)]
    table = samplers.design("sobol", params, samples=1024, seed=11)
    y = table["a"].to_numpy() + 2 * table["b"].to_numpy()
    si = sobol_analyze.analyze(samplers.problem(params), y, seed=11)
    np.testing.assert_allclose(si["S1"], [0.2, 0.8], atol=0.03)
    np.testing.assert_allclose(si["ST"], [0.2, 0.8], atol=0.03)


def test_morris_size_bounds_and_levels():
    params = [A, B, C]
    table = samplers.design("morris", params, samples=5, seed=2, levels=4)
    assert len(table) == 5 * (3 + 1) == samplers.design_size("morris", params, 5)
    for p in params:
        unit = (table[p.path].to_numpy() - p.low) / (p.high - p.low)
        np.testing.assert_allclose(unit * 3, np.rint(unit * 3), atol=1e-9)  # on the 4-level grid 0, 1/3, 2/3, 1
    # Each trajectory moves one parameter at a time.
    x = table[[p.path for p in params]].to_numpy().reshape(5, 4, 3)
    assert (np.count_nonzero(np.diff(x, axis=1), axis=2) == 1).all()


def test_integer_paths_are_rounded():
    p = Param("months", low=12, high=60, integer=True)
    col = samplers.design("lhs", [p], samples=20, seed=0)["months"]
    assert col.dtype == np.int64
    assert col.between(12, 60).all()


def test_problem_lists_names_bounds_and_non_uniform_distributions():
    params = [Param("a", low=0.0, high=1.0), Param("r", low=1.0, high=10.0, distribution="loguniform")]
    assert samplers.problem(params) == {
        "num_vars": 2,
        "names": ["a", "r"],
        "bounds": [[0.0, 1.0], [1.0, 10.0]],
        "dists": ["unif", "logunif"],
    }
    assert samplers.problem([Param("g", values=("x", "y"))])["bounds"] == [None]


def test_unknown_sampler_size_is_an_error():
    with pytest.raises(ValueError, match="unknown sampler"):
        samplers.design_size("halton", [A], 4)
