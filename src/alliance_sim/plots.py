"""Figures for the CLI report and the notebooks.

Every function builds its own :class:`matplotlib.figure.Figure` (no pyplot state,
so it works under the Agg backend, in threads and without a display) and returns
it; save it with ``fig.savefig(path)``. Time axes show calendar dates; value
axes name their unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from . import analysis
from .metrics import DRIVERS
from .store import Results

#: Default metrics of an envelope figure: the three dyads and trilateral cohesion.
ENVELOPE_METRICS = ("coop_rok_jpn", "coop_rok_usa", "coop_jpn_usa", "cohesion")

TITLES = {
    "coop_rok_jpn": "ROK–JPN cooperation",
    "coop_rok_usa": "ROK–USA cooperation",
    "coop_jpn_usa": "JPN–USA cooperation",
    "cohesion": "Trilateral cohesion",
    "threat_rok": "Threat perceived by ROK",
    "threat_jpn": "Threat perceived by JPN",
    "abandonment_rok": "ROK fear of US abandonment",
    "abandonment_jpn": "JPN fear of US abandonment",
    "prk_tests": "PRK missile launches",
    "chn_pressure": "Chinese pressure on ROK",
}

UNITS = {
    "coop_rok_jpn": "cooperation index (0–1)",
    "coop_rok_usa": "cooperation index (0–1)",
    "coop_jpn_usa": "cooperation index (0–1)",
    "cohesion": "cohesion index (0–1)",
    "threat_rok": "threat index (0–1)",
    "threat_jpn": "threat index (0–1)",
    "abandonment_rok": "abandonment fear (0–1)",
    "abandonment_jpn": "abandonment fear (0–1)",
    "prk_tests": "launches per month",
    "chn_pressure": "pressure index (0–1)",
    "cohesion_mean": "cohesion index (0–1)",
    "cohesion_min": "cohesion index (0–1)",
    "cohesion_final": "cohesion index (0–1)",
    "coop_rok_jpn_final": "cooperation index (0–1)",
    "months_in_rupture": "months",
    "first_rupture_month": "month of horizon",
    "rupture": "probability",
}

#: One colour per driver, stable across figures (tab20 has enough distinct hues).
_DRIVER_CMAP = "tab20"


def title(metric: str) -> str:
    """A readable name for a metric."""
    return TITLES.get(metric, metric.replace("_", " "))


def unit(metric: str) -> str:
    """The unit label of a metric (``"value"`` if unknown)."""
    return UNITS.get(metric, "value")


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date (month)")
    ax.grid(True, alpha=0.3)


def _series(results: Results, metric: str, point: int) -> pd.DataFrame:
    s = results.series
    s = s[(s.metric == metric) & (s.point == point)].sort_values("month")
    if s.empty:
        raise ValueError(f"no series for metric {metric!r} at point {point}")
    return s


def _band(ax, s: pd.DataFrame, colour, name: str | None) -> None:
    dates = pd.to_datetime(s["date"])
    ax.fill_between(dates, s["p05"], s["p95"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(dates, s["mean"], color=colour, label=name)


def dated_events(results: Results) -> list[tuple[pd.Timestamp, str]]:
    """The scenario's dated events inside the run's horizon, as (month, label), in date order.

    Events with an ``at`` month, and the ruling month (``to``) of an impeachment.
    """
    events = ((results.manifest.get("scenario") or {}).get("events")) or {}
    dates = pd.to_datetime(results.series["date"])
    if dates.empty:
        return []
    first, last = dates.min(), dates.max()
    out = []
    for name, spec in events.items():
        if not isinstance(spec, dict):
            continue
        when = spec.get("at") or (spec.get("to") if spec.get("type") == "impeachment" else None)
        if not when:
            continue
        month = pd.Timestamp(str(when) + "-01") if len(str(when)) == 7 else pd.Timestamp(str(when))
        if first <= month <= last:
            out.append((month, name))
    return sorted(out)


def _mark_events(ax, events: list[tuple[pd.Timestamp, str]], labels: bool = True) -> None:
    """Dotted vertical lines at the dated events, named along the top of the panel."""
    for k, (month, name) in enumerate(events):
        ax.axvline(month, color="0.45", linestyle=":", linewidth=1, zorder=1)
        if labels:
            ax.text(
                month,
                0.99 - 0.09 * (k % 3),
                f" {name}",
                transform=ax.get_xaxis_transform(),
                fontsize=7,
                color="0.35",
                va="top",
                ha="left",
            )


def envelopes(results: Results, metrics: Sequence[str] = ENVELOPE_METRICS, point: int = 0, ncols: int = 2) -> Figure:
    """Ensemble mean and 5–95% band of each metric over time, one panel per metric.

    Panels in the same unit share one y-range, so a move of 0.1 looks the same size in
    each; the latent threshold (``thresholds.rupture``) is drawn on the ROK–JPN panel and the scenario's dated
    events are marked on every panel.
    """
    metrics = list(metrics)
    nrows = int(np.ceil(len(metrics) / ncols))
    fig = Figure(figsize=(5.5 * ncols, 3.6 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    events = dated_events(results)
    threshold = analysis.rupture_threshold(results)
    ranges: dict[str, list[float]] = {}
    for ax, metric in zip(axes, metrics, strict=False):
        s = _series(results, metric, point)
        _band(ax, s, "C0", "ensemble mean")
        if metric == "coop_rok_jpn" and threshold is not None:
            ax.axhline(threshold, color="C3", linestyle="--", linewidth=1, label=f"latent threshold {threshold:g}")
        _mark_events(ax, events)
        ax.set_title(title(metric))
        ax.set_ylabel(unit(metric))
        _date_axis(ax)
        lo, hi = float(s["p05"].min()), float(s["p95"].max())
        if metric == "coop_rok_jpn" and threshold is not None:
            lo = min(lo, threshold)
        shared = "index" if unit(metric).endswith("(0–1)") else metric
        r = ranges.setdefault(shared, [lo, hi])
        r[0], r[1] = min(r[0], lo), max(r[1], hi)
    for ax, metric in zip(axes, metrics, strict=False):
        shared = "index" if unit(metric).endswith("(0–1)") else metric
        lo, hi = ranges[shared]
        pad = 0.05 * (hi - lo or 1.0)
        ax.set_ylim(lo - pad, hi + 3 * pad)  # room at the top for the event names
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    handles = [axes[0].get_lines()[0], axes[0].collections[0]]
    names = ["ensemble mean", "5–95% of futures"]
    if threshold is not None and "coop_rok_jpn" in metrics:
        handles.append(axes[metrics.index("coop_rok_jpn")].get_lines()[1])
        names.append(f"latent threshold {threshold:g}")
    axes[0].legend(handles=handles, labels=names, loc="lower left", fontsize=8)
    same = " (same y-range for every 0–1 index)" if "index" in ranges else ""
    fig.suptitle(f"{analysis.label(results)}: {len(results.runs[results.runs.point == point])} futures{same}")
    return fig


def compare_scenarios(
    a: Results,
    b: Results,
    metric: str = "coop_rok_jpn",
    labels: tuple[str, str] | None = None,
    paired: bool | None = None,
) -> Figure:
    """Two scenarios side by side: ``metric`` over time (mean and 5–95% band, the rupture
    threshold and the dated events of B) and, on separate axes, the differences b − a of the
    index summaries and of the rupture probability with their 95% intervals (see
    :func:`analysis.compare`)."""
    name_a, name_b = labels or (analysis.label(a, "a"), analysis.label(b, "b"))
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    left, right = np.asarray(fig.subfigures(1, 2, width_ratios=[1.3, 1])).ravel()
    left = left.subplots()
    for res, name, colour in ((a, name_a, "C0"), (b, name_b, "C3")):
        _band(left, _series(res, metric, int(res.runs.point.min())), colour, name)
    threshold = analysis.rupture_threshold(a)
    if metric == "coop_rok_jpn" and threshold is not None:
        left.axhline(threshold, color="grey", linestyle="--", linewidth=1, label=f"latent threshold {threshold:g}")
    _mark_events(left, dated_events(b))
    left.set_title(f"{title(metric)}: mean and 5–95% of futures")
    left.set_ylabel(unit(metric))
    left.legend(loc="lower left", fontsize=8)
    _date_axis(left)

    table = analysis.compare(a, b, paired=paired)
    indices = table[table.metric.isin(["cohesion_mean", "cohesion_min", "cohesion_final", "coop_rok_jpn_final"])]
    indices = indices.dropna(subset=["diff"]).iloc[::-1]
    share = table[table.metric == "rupture"]
    top, bottom = right.subplots(2, 1, height_ratios=[max(len(indices), 1), 1.3])
    for ax, rows, scale, xlabel in (
        (top, indices, 1.0, "difference in index (0–1 scale)"),
        (bottom, share, 100.0, "difference in rupture probability (percentage points)"),
    ):
        y = np.arange(len(rows))
        d = rows["diff"].to_numpy() * scale
        err = np.vstack([d - rows["ci_low"].to_numpy() * scale, rows["ci_high"].to_numpy() * scale - d])
        ax.errorbar(d, y, xerr=np.nan_to_num(err), fmt="o", color="C3", capsize=4)
        ax.axvline(0, color="grey", linewidth=1)
        ax.set_yticks(y, list(rows["metric"]))
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.grid(True, axis="x", alpha=0.3)
    methods = ", ".join(sorted(set(indices["method"])))
    top.set_title(f"{name_b} − {name_a}\n95% intervals ({methods})")
    fig.suptitle(f"{name_b} vs {name_a}")
    return fig


def _short(path: str) -> str:
    """A dotted path without its section: ``actors.ROK.us_trust`` -> ``ROK.us_trust``."""
    head, _, rest = path.partition(".")
    return rest if head in ("actors", "parameters", "events") and rest else path


def sweep_response(
    results: Results,
    outcome: str = "rupture",
    x: str | None = None,
    y: str | None = None,
    confidence: float = 0.95,
    facet: str | None = None,
) -> Figure:
    """Response of an outcome to the swept parameters.

    Line (only ``x``): the outcome against ``x`` with a band (Wilson interval for the
    rupture share, 5–95% of futures for a numeric outcome), one line per value of the
    next swept parameter and one panel per value of the one after; with more, the
    futures of the rest are pooled and the title says so.

    Heatmap (``x`` and ``y``): the outcome per (``x``, ``y``) cell, ticks at the grid
    values. With a third swept parameter, one panel per value of ``facet`` (default: that
    parameter), so no cell pools different designs; with more, the others are pooled
    and the title says so.

    With neither ``x`` nor ``y`` given, a one-parameter sweep gives the line and a
    grid of two or more parameters the heatmap of the first two.
    """
    params = analysis.parameter_columns(results)
    if x is None:
        x = params[0]
        if len(params) >= 2:
            y = params[1]
    what = "rupture probability" if outcome == "rupture" else f"{outcome}, {unit(outcome)}"
    if y is None:
        return _response_lines(results, outcome, x, params, what, confidence)
    others = [p for p in params if p not in (x, y)]
    if facet is None and len(others) == 1:
        facet = others[0]
    levels = sorted(results.runs[facet].unique()) if facet else [None]
    pooled = [p for p in others if p != facet]
    fig = Figure(figsize=(1.0 + 4.6 * len(levels), 4.8), layout="constrained")
    axes = fig.subplots(1, len(levels), squeeze=False).ravel()
    keys = [x, y] + ([facet] if facet else [])
    table = analysis.response(results, outcome, confidence, by=keys)
    if outcome == "rupture":
        limits = {"vmin": 0.0, "vmax": 1.0}
    else:
        limits = {"vmin": float(table["estimate"].min()), "vmax": float(table["estimate"].max())}
    for ax, level in zip(axes, levels, strict=True):
        part = table if level is None else table[table[facet] == level]
        grid = part.pivot_table(index=y, columns=x, values="estimate", aggfunc="mean").sort_index()
        mesh = ax.pcolormesh(_edges(grid.columns), _edges(grid.index), grid.to_numpy(), cmap="viridis", **limits)
        middle = 0.5 * (limits["vmin"] + limits["vmax"])
        for (j, i), value in np.ndenumerate(grid.to_numpy()):
            if np.isfinite(value):
                colour = "white" if value < middle else "black"
                ax.text(
                    grid.columns[i], grid.index[j], f"{value:.2f}", ha="center", va="center", fontsize=8, color=colour
                )
        ax.set_xticks(grid.columns, [f"{v:.3g}" for v in grid.columns])
        ax.set_yticks(grid.index, [f"{v:.3g}" for v in grid.index])
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if facet is not None and level is not None:
            ax.set_title(f"{_short(facet)} = {level:.3g}")
    fig.colorbar(mesh, ax=list(axes), label=what)
    note = f"\n(pooled over {', '.join(pooled)})" if pooled else ""
    fig.suptitle(f"{what} over the grid: each cell one design point{note}")
    return fig


def _response_lines(results: Results, outcome: str, x: str, params: list[str], what: str, confidence: float) -> Figure:
    others = [p for p in params if p != x]
    band = "95% Wilson interval" if outcome == "rupture" else "5–95% of futures"
    by, facet, *_ = [*others, None, None]
    pooled = others[2:]
    levels = sorted(results.runs[facet].unique()) if facet else [None]
    fig = Figure(figsize=(1.5 + 5.0 * len(levels), 4.8), layout="constrained")
    axes = fig.subplots(1, len(levels), squeeze=False, sharey=True).ravel()
    keys = [x] + [k for k in (by, facet) if k]
    table = analysis.response(results, outcome, confidence, by=keys)
    for ax, level in zip(axes, levels, strict=True):
        part = table if level is None else table[table[facet] == level]
        groups = part.groupby(by, sort=True) if by else [(None, part)]
        for k, (value, line) in enumerate(groups):
            name = f"{_short(by)} = {value:.3g}" if by else ("share of futures" if outcome == "rupture" else "mean")
            ax.fill_between(line[x], line["low"], line["high"], alpha=0.15, linewidth=0, color=f"C{k}")
            ax.plot(line[x], line["estimate"], marker="o", color=f"C{k}", label=name)
        ax.set_xlabel(x)
        ax.set_xticks(sorted(part[x].unique()), [f"{v:.3g}" for v in sorted(part[x].unique())])
        if facet is not None and level is not None:
            ax.set_title(f"{_short(facet)} = {level:.3g}")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel(what)
    axes[-1].legend(loc="best", fontsize=8)
    note = f"\n(POOLED over {', '.join(pooled)})" if pooled else ""
    fig.suptitle(f"{what} vs {x}" + (f", one line per {by}" if by else "") + f"; bands: {band}{note}")
    return fig


def _edges(centres) -> np.ndarray:
    """Cell edges around sorted cell centres (half-way between neighbours)."""
    c = np.asarray(centres, dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[1:] + c[:-1]) / 2
    return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])


def sobol_indices(indices: pd.DataFrame | Results, outcome: str = "rupture") -> Figure:
    """First-order (S1) and total (ST) Sobol indices per parameter with their intervals.

    Pass the table from :func:`analysis.sobol`, or sweep results (then ``outcome`` is
    analysed here).
    """
    if isinstance(indices, Results):
        indices = analysis.sobol(indices, outcome)
    wide = indices.pivot(index="parameter", columns="index", values=["estimate", "conf"])
    names = [p for p in dict.fromkeys(indices["parameter"])]
    wide = wide.loc[names]
    fig = Figure(figsize=(7, 1.2 + 0.7 * len(names)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(names))
    h = 0.38
    for k, (key, name) in enumerate((("S1", "first order S1"), ("ST", "total ST"))):
        ax.barh(
            y + (k - 0.5) * h,
            wide[("estimate", key)],
            height=h,
            xerr=wide[("conf", key)],
            capsize=3,
            label=name,
            color=f"C{k}",
        )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=1)
    ax.set_xlabel("Sobol index (share of outcome variance, 95% interval)")
    ax.set_ylabel("parameter")
    ax.legend(loc="best")
    ax.grid(True, axis="x", alpha=0.3)
    ax.set_title(f"Sensitivity of {outcome}")
    return fig


def _merge_small_terms(monthly: pd.DataFrame, groups: int) -> pd.DataFrame:
    """Keep the ``groups - 1`` terms with the largest total absolute contribution; sum the rest as "other"."""
    if monthly.shape[1] <= groups:
        return monthly
    size = monthly.abs().sum()
    keep = [d for d in monthly.columns if d in set(size.nlargest(groups - 1).index)]
    rest = [d for d in monthly.columns if d not in keep]
    merged = monthly[keep].copy()
    merged[f"other ({len(rest)} terms)"] = monthly[rest].sum(axis=1)
    return merged


def attribution(results: Results, point: int = 0, groups: int = 6) -> Figure:
    """Why ROK–JPN cooperation moved: each doctrine term's contribution to the monthly
    change (stacked bars, positive terms above zero and negative below, with the net
    change), above the mean level of ROK–JPN cooperation it produced.

    At most ``groups`` colours: the terms with the smallest total contribution are
    summed as "other (n terms)", so the bars stay readable; dated events are marked.
    """
    table = analysis.attribution(results, point)
    monthly = table.pivot(index="date", columns="driver", values="contribution")
    drivers = [d for d in DRIVERS if d in monthly.columns] + [d for d in monthly.columns if d not in DRIVERS]
    monthly = _merge_small_terms(monthly[drivers], groups)
    drivers = list(monthly.columns)
    dates = pd.to_datetime(monthly.index)
    colours = _driver_colours(drivers)
    fig = Figure(figsize=(12, 7.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1.6, 1])
    pos, neg = np.zeros(len(monthly)), np.zeros(len(monthly))
    for d in drivers:
        v = monthly[d].to_numpy()
        top.bar(dates, v, width=25, bottom=np.where(v >= 0, pos, neg), color=colours[d], label=d, linewidth=0)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    top.plot(dates, monthly.sum(axis=1), color="black", linewidth=1.8, label="net change")
    top.axhline(0, color="grey", linewidth=0.8)
    events = dated_events(results)
    _mark_events(top, events)
    _mark_events(bottom, events, labels=False)
    top.set_ylabel("change per month\n(cooperation index)")
    top.set_title("Contribution of each doctrine term to the monthly change in ROK–JPN cooperation (ensemble mean)")
    top.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    _date_axis(top)
    top.set_xlabel("")  # shares the dated axis of the panel below

    _band(bottom, _series(results, "coop_rok_jpn", point), "C0", "ensemble mean")
    threshold = analysis.rupture_threshold(results)
    if threshold is not None:
        bottom.axhline(threshold, color="C3", linestyle="--", linewidth=1, label=f"latent threshold {threshold:g}")
    bottom.set_ylabel(unit("coop_rok_jpn"))
    bottom.set_title("Resulting ROK–JPN cooperation: mean and 5–95% of futures")
    bottom.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    _date_axis(bottom)
    fig.suptitle(analysis.label(results))
    return fig


def _driver_colours(drivers: Sequence[str]) -> dict[str, tuple]:
    from matplotlib import colormaps

    cmap = colormaps[_DRIVER_CMAP]
    index = {d: i for i, d in enumerate(DRIVERS)}
    # Dark hues first (even slots), then their light partners, so neighbours differ.
    slot = {d: index.get(d, len(DRIVERS) + i) for i, d in enumerate(drivers)}
    colours = {d: cmap((2 * k) % 20 + (k // 10) % 2) for d, k in slot.items()}
    colours |= {d: (0.7, 0.7, 0.7, 1.0) for d in drivers if d.startswith("other")}
    return colours


#: What each ``event`` of :func:`survival` is, for its title and labels: (what happened, title).
SURVIVAL_EVENTS = {
    "rupture": (
        "ruptured",
        "Futures without a rupture yet (two of trade measures, security linkage, a year without a meeting)",
    ),
    "below_threshold": (
        "below {threshold:g}",
        "Futures in which latent ROK–JPN cooperation has not yet fallen below {threshold:g}",
    ),
    "trade_measures": ("trade measures", "Futures without trade measures yet"),
    "security_linkage": ("security linkage", "Futures without a security linkage yet"),
    "agreement_repudiated": ("repudiated", "Futures in which no agreement has been repudiated yet"),
}


def survival(results: Results | Mapping[str, Results], point: int = 0, event: str = "rupture") -> Figure:
    """Share of futures without a rupture (or another ``event``, as in :func:`analysis.survival`) by month,
    with 95% Wilson bands; pass a mapping ``{label: results}`` to overlay scenarios."""
    runs = results if isinstance(results, Mapping) else {analysis.label(results): results}
    threshold = analysis.rupture_threshold(next(iter(runs.values())))
    happened, title = (
        text.format(threshold=threshold if threshold is not None else float("nan"))
        for text in SURVIVAL_EVENTS.get(event, (event, f"Futures without {event} yet"))
    )
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.subplots()
    styles = ("-", "--", ":", "-.")
    for k, (name, res) in enumerate(runs.items()):
        s = analysis.survival(res, event=event)
        s = s[s.point == point]
        dates = pd.to_datetime(s["date"])
        ax.fill_between(dates, s["ci_low"], s["ci_high"], step="post", color=f"C{k}", alpha=0.2, linewidth=0)
        ax.step(
            dates,
            s["survival"],
            where="post",
            color=f"C{k}",
            linestyle=styles[k % len(styles)],
            linewidth=2,
            label=f"{name}: {s['survival'].iloc[-1]:.1%} never {happened} (n = {int(s['n'].iloc[0])})",
        )
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("share of futures")
    ax.set_title(f"{title}\nband: 95% Wilson interval")
    ax.legend(loc="lower left")
    _date_axis(ax)
    return fig


def discovery(found: analysis.Discovery, box: int = 0) -> Figure:
    """Scenario discovery at a glance: PRIM's coverage–density trade-off and the chosen box's limits.

    Left: every box on the peeling trajectory (coverage against density, coloured by the
    number of restricted inputs), the chosen box ringed and the base rate dashed.
    Right: for each restricted input, its full range (grey) and the box's range (colour),
    on a scale from the input's lowest to its highest sampled value, with the limits
    and their quasi-p-values written beside them.
    """
    fig = Figure(figsize=(12, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.25])
    t = found.trajectory[found.trajectory.box == box]
    points = left.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=22, zorder=3)
    fig.colorbar(points, ax=left, label="restricted inputs", ticks=sorted(set(t["res_dim"].astype(int))))
    chosen = found.stats[found.stats.box == box]
    if not chosen.empty:
        c = chosen.iloc[0]
        step = t[t.step == c["step"]]
        left.scatter(step["coverage"], step["density"], s=160, facecolors="none", edgecolors="C3", linewidths=2)
        left.annotate(
            f"chosen: coverage {c['coverage']:.2f}, density {c['density']:.2f}",
            (float(step["coverage"].iloc[0]), float(step["density"].iloc[0])),
            xytext=(-10, -24),
            textcoords="offset points",
            ha="right",
            color="C3",
        )
    left.axhline(found.base_rate, color="grey", linestyle="--", linewidth=1, label=f"base rate {found.base_rate:.2f}")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(0, 1.02)
    left.set_xlabel("coverage")
    left.set_ylabel("density")
    left.set_title(f"{found.method.upper()} trade-off for {found.outcome}")
    left.legend(loc="lower left")
    left.grid(True, alpha=0.3)

    limits = found.boxes[found.boxes.box == box]
    names = list(limits["parameter"])
    y = np.arange(len(names))
    for j, (_, r) in enumerate(limits.iterrows()):
        lo, hi = found.ranges[r["parameter"]]
        span = (hi - lo) or 1.0
        a, b = (r["low"] - lo) / span, (r["high"] - lo) / span
        right.barh(j, 1.0, left=0.0, color="0.88", height=0.5)
        right.barh(j, b - a, left=a, color="C3", alpha=0.75, height=0.5)
        qp = [q for q in (r["qp_low"], r["qp_high"]) if np.isfinite(q)]
        note = f"  qp {max(qp):.1g}" if qp else ""
        right.text(1.02, j, f"{r['low']:.3g} – {r['high']:.3g}{note}", va="center", fontsize=9)
        right.text(-0.02, j - 0.33, f"{lo:.3g}", ha="left", va="top", fontsize=7, color="grey")
        right.text(1.0, j - 0.33, f"{hi:.3g}", ha="right", va="top", fontsize=7, color="grey")
    right.set_yticks(y, names)
    right.invert_yaxis()
    right.set_xlim(-0.02, 1.45)
    right.set_xticks([0, 0.5, 1], ["lowest", "middle", "highest"])
    right.set_xlabel("position within the sampled range of each input")
    right.set_title("Box limits (red) within each input's range (grey)")
    if not names:
        right.text(0.5, 0.5, "no input restricted", ha="center", va="center", transform=right.transAxes)
    fig.suptitle(
        f"Scenario discovery: {found.outcome} in {found.base_rate:.0%} of {found.n} futures", fontweight="bold"
    )
    return fig
