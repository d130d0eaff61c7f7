"""Every plot function returns a Figure whose axes carry the expected labels, and saves to a non-empty PNG."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pytest
from matplotlib.figure import Figure
from SALib.sample import sobol as sobol_sample

from alliance_sim import analysis, plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(fig: Figure, path) -> None:
    fig.savefig(path)
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 10_000  # a drawn figure, not an empty canvas


def visible_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def assert_date_axis(ax) -> None:
    assert ax.get_xlabel() == "date (month)"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
    # the x data are dates of the run's horizon (Matplotlib date numbers)
    lo, hi = (mdates.num2date(v).year for v in ax.get_xlim())
    assert 2024 <= lo <= hi <= 2028


def test_envelopes(base_results, tmp_path):
    fig = plots.envelopes(base_results)
    assert isinstance(fig, Figure)
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == [plots.title(m) for m in plots.ENVELOPE_METRICS]
    assert [ax.get_ylabel() for ax in axes] == [
        "cooperation index (0–1)",
        "cooperation index (0–1)",
        "cooperation index (0–1)",
        "cohesion index (0–1)",
    ]
    for ax in axes:
        assert_date_axis(ax)
    # the drawn line is the series' ensemble mean
    line = axes[0].get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), base_results.metric("coop_rok_jpn")["mean"].to_numpy())
    assert_png(fig, tmp_path / "envelopes.png")


def test_envelopes_hides_unused_panels_and_rejects_unknown_metrics(base_results):
    fig = plots.envelopes(base_results, metrics=["prk_tests"])
    axes = visible_axes(fig)
    assert len(axes) == 1 and axes[0].get_ylabel() == "launches per month"
    with pytest.raises(ValueError, match="no series for metric 'nope'"):
        plots.envelopes(base_results, metrics=["nope"])


def test_compare_scenarios(base_results, transition_results, tmp_path):
    fig = plots.compare_scenarios(base_results, transition_results)
    left, top, bottom = visible_axes(fig)
    assert left.get_ylabel() == "cooperation index (0–1)"
    assert_date_axis(left)
    assert [t.get_text() for t in left.get_legend().get_texts()][:2] == ["base", "political_transition"]
    assert top.get_title().startswith("political_transition − base\n95% intervals")
    labels = [t.get_text() for t in top.get_yticklabels()] + [t.get_text() for t in bottom.get_yticklabels()]
    assert "cohesion_mean" in labels and "rupture" in labels
    assert_png(fig, tmp_path / "compare.png")


def test_sweep_response_heatmap(grid_sweep, tmp_path):
    fig = plots.sweep_response(grid_sweep, "rupture")
    ax = visible_axes(fig)[0]
    assert ax.get_xlabel() == "parameters.cha.grievance"
    assert ax.get_ylabel() == "actors.ROK.antipathy"
    colorbar = next(a for a in fig.axes if a.get_label() == "<colorbar>")
    assert colorbar.get_ylabel() == "rupture probability"
    # the cell values are the known shares x * y
    mesh = ax.collections[0]
    np.testing.assert_allclose(
        np.sort(mesh.get_array().ravel()), np.sort([x * y for x in (0, 0.5, 1) for y in (0, 0.25, 0.5, 1)])
    )
    assert_png(fig, tmp_path / "heatmap.png")


def test_heatmap_of_a_single_value_axis(make_sweep):
    X = np.array([[0.2, 0.1], [0.2, 0.3]])
    sweep = make_sweep(X, ["a.x", "a.y"], [[0, 1], [0, 1]], {"rupture": np.array([[True, False], [True, True]])})
    mesh = plots.sweep_response(sweep).axes[0].collections[0]
    np.testing.assert_allclose(np.sort(mesh.get_array().ravel()), [0.5, 1.0])


def test_sweep_response_line(grid_sweep, make_sweep, tmp_path):
    X = np.linspace(0, 1, 5)[:, None]
    R = 20  # shares in quarters are whole counts
    rupture = np.arange(R)[None, :] < np.round(X[:, 0] * R)[:, None]
    line_sweep = make_sweep(X, ["parameters.cha.grievance"], [[0, 1]], {"rupture": rupture}, sampler="grid")
    fig = plots.sweep_response(line_sweep, "rupture")
    ax = visible_axes(fig)[0]
    assert ax.get_xlabel() == "parameters.cha.grievance"
    assert ax.get_ylabel() == "rupture probability"
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), X[:, 0])
    assert_png(fig, tmp_path / "line.png")
    # a numeric outcome against one axis of a 2-D grid: pooled over the other axis
    fig = plots.sweep_response(grid_sweep, "cohesion_mean", x="actors.ROK.antipathy", y=None)
    ax = visible_axes(fig)[0]
    assert ax.get_ylabel() == "cohesion_mean, cohesion index (0–1)"


def test_sobol_indices(make_sweep, tmp_path):
    names = ["parameters.cha.grievance", "actors.ROK.antipathy"]
    problem = {"num_vars": 2, "names": names, "bounds": [[0, 1], [0, 1]]}
    X = sobol_sample.sample(problem, 256, calc_second_order=False, seed=1)
    sweep = make_sweep(X, names, problem["bounds"], {"cohesion_mean": (2 * X[:, 0] + X[:, 1])[:, None]})
    fig = plots.sobol_indices(sweep, "cohesion_mean")
    ax = visible_axes(fig)[0]
    assert ax.get_xlabel() == "Sobol index (share of outcome variance, 95% interval)"
    assert ax.get_ylabel() == "parameter"
    assert [t.get_text() for t in ax.get_yticklabels()] == names
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1", "total ST"]
    assert_png(fig, tmp_path / "sobol.png")
    # the table form gives the same bars
    table = analysis.sobol(sweep, "cohesion_mean")
    again = visible_axes(plots.sobol_indices(table, "cohesion_mean"))[0]
    np.testing.assert_allclose([p.get_width() for p in again.patches], [p.get_width() for p in ax.patches])


def test_attribution(base_results, tmp_path):
    fig = plots.attribution(base_results)
    top, bottom = visible_axes(fig)
    assert top.get_ylabel() == "change per month\n(cooperation index)"
    assert bottom.get_ylabel() == "cooperation index (0–1)"
    assert top.get_shared_x_axes().joined(top, bottom)
    assert_date_axis(bottom)
    legend = [t.get_text() for t in top.get_legend().get_texts()]
    # at most six colours: the largest terms, the rest summed as "other (n terms)"
    drivers = set(analysis.attribution(base_results)["driver"])
    assert legend[0] == "net change" and len(legend[1:]) == 6
    other = next(t for t in legend if t.startswith("other"))
    assert set(legend[1:]) - {other} <= drivers and other == f"other ({len(drivers) - 5} terms)"
    # the net-change line is the month-to-month change in mean ROK-JPN cooperation
    net = top.get_lines()[0].get_ydata()
    level = base_results.metric("coop_rok_jpn")["mean"].to_numpy()
    np.testing.assert_allclose(net[1:], np.diff(level), atol=1e-12)
    threshold = analysis.rupture_threshold(base_results)
    assert f"latent threshold {threshold:g}" in [t.get_text() for t in bottom.get_legend().get_texts()]
    assert_png(fig, tmp_path / "attribution.png")


def test_survival(base_results, transition_results, tmp_path):
    fig = plots.survival({"base": base_results, "political_transition": transition_results})
    ax = visible_axes(fig)[0]
    assert ax.get_ylabel() == "share of futures" and ax.get_title().startswith("Futures without a rupture yet")
    assert_date_axis(ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[0].startswith("base: ") and texts[1].startswith("political_transition: ")
    assert_png(fig, tmp_path / "survival.png")
    single = visible_axes(plots.survival(base_results))[0]
    assert single.get_legend().get_texts()[0].get_text().startswith("base: ")
    # the latent index's curve says which threshold, and ends at the share never below it
    latent = visible_axes(plots.survival(base_results, event="below_threshold"))[0]
    assert "below 0.3" in latent.get_title()
    never = 1 - base_results.runs["below_threshold_ever"].mean()
    assert f"{never:.1%} never below 0.3" in latent.get_legend().get_texts()[0].get_text()


def test_heatmap_ticks_are_the_grid_values_and_a_third_parameter_gets_panels(asymmetric_grid, tmp_path):
    fig = plots.sweep_response(asymmetric_grid, "rupture")
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == [f"prk_tests.rate_per_month = {v:g}" for v in (1.0, 3.4, 6.0)]
    for ax in axes:
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0.6", "0.733", "0.867", "1"]
        assert [t.get_text() for t in ax.get_yticklabels()] == ["0.6", "0.733", "0.867", "1"]
        # each panel holds 16 cells, each one design point: the corners are the asymmetric ones
        cells = ax.collections[0].get_array().reshape(4, 4)
        assert cells[0, 3] == cells[3, 0] == pytest.approx(0.4) and cells[0, 0] == cells[3, 3] == 0
    assert "pooled" not in fig._suptitle.get_text()
    assert_png(fig, tmp_path / "facets.png")


def test_response_line_is_conditioned_on_the_other_parameter(grid_sweep, asymmetric_grid):
    fig = plots.sweep_response(grid_sweep, "rupture", x="parameters.cha.grievance", y=None)
    ax = visible_axes(fig)[0]
    assert "POOLED" not in fig._suptitle.get_text()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"ROK.antipathy = {v:g}" for v in (0, 0.25, 0.5, 1)]
    # with two other parameters: one line per value of the first, one panel per value of the second
    fig = plots.sweep_response(asymmetric_grid, "rupture", x="actors.ROK.us_trust", y=None)
    axes = visible_axes(fig)
    assert [ax.get_title() for ax in axes] == [f"prk_tests.rate_per_month = {v:g}" for v in (1.0, 3.4, 6.0)]
    assert len(axes[0].get_lines()) == 4 and "POOLED" not in fig._suptitle.get_text()
    # the U-shape of the pooled curve is gone: at equal trust no line ruptures
    low_trust_line = axes[0].get_lines()[0]  # JPN trust 0.6
    assert low_trust_line.get_ydata()[0] == 0 and low_trust_line.get_ydata()[-1] == pytest.approx(0.4)


def test_envelopes_share_one_y_range_and_mark_events_and_the_rupture_level(transition_results):
    fig = plots.envelopes(transition_results)
    axes = visible_axes(fig)
    assert len({ax.get_ylim() for ax in axes}) == 1  # all four are 0–1 indices
    threshold = analysis.rupture_threshold(transition_results)
    rok_jpn = axes[0]
    assert any(np.allclose(line.get_ydata(), threshold) for line in rok_jpn.get_lines())
    events = plots.dated_events(transition_results)
    assert ("snap_election" in [name for _, name in events]) and events == sorted(events)
    names = {t.get_text().strip() for t in rok_jpn.texts}
    assert {name for _, name in events} <= names


def test_compare_puts_probabilities_and_index_differences_on_separate_axes(base_results, transition_results):
    fig = plots.compare_scenarios(base_results, transition_results)
    axes = [ax for sub in fig.subfigs for ax in sub.axes]
    xlabels = [ax.get_xlabel() for ax in axes]
    assert "difference in index (0–1 scale)" in xlabels
    assert "difference in rupture probability (percentage points)" in xlabels
    share_ax = axes[xlabels.index("difference in rupture probability (percentage points)")]
    assert [t.get_text() for t in share_ax.get_yticklabels()] == ["rupture"]
