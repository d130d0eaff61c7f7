"""The explorer page (Solara, Plotly): ``simulate explore`` serves it; ``solara run alliance_sim.app`` too.

Needs the viz extra (``pip install alliance-sim[viz]``). The data behind every
figure comes from :mod:`alliance_sim.explore`; this module only lays out the
controls and draws. Every change of a control reruns the whole ensemble.
"""

from __future__ import annotations

import copy
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import solara
from plotly.subplots import make_subplots

from . import analysis, explore
from .metrics import DRIVERS
from .plots import ENVELOPE_METRICS, title, unit
from .scenario import ScenarioError, load_scenario

COLOURS = {"A": "#1f77b4", "B": "#d62728"}
FILL = {"A": "rgba(31,119,180,0.2)", "B": "rgba(214,39,40,0.15)"}
NO_COMPARISON = "(none)"
DRIVER_COLOURS = dict(zip(DRIVERS, [f"hsl({int(h)},60%,50%)" for h in np.linspace(0, 330, len(DRIVERS))], strict=True))


# --------------------------------------------------------------------------- figures (plain functions)

#: Plain look with light grids. Plotly's default template is validated anew with every
#: figure and every widget update (about 0.1 s each); the empty template "none" is not.
STYLE = {
    "template": "none",
    "width": 1000,
    "plot_bgcolor": "white",
    "font": {"family": "Roboto, Arial, sans-serif", "size": 12},
}
#: Validate figures as they are built (the tests turn it on).
VALIDATE = False
AXIS = {"gridcolor": "#e5e5e5", "zeroline": False, "showline": True, "linecolor": "#999"}


def figure(traces: list[dict], layout: dict) -> go.Figure:
    """A Plotly figure from plain trace and layout dicts, in the explorer's style."""
    layout = STYLE | layout
    for key in {"xaxis", "yaxis"} | {k for k in layout if k.startswith(("xaxis", "yaxis"))}:
        layout[key] = AXIS | layout.get(key, {})
    # Plotly validates every property of a new figure (about 0.1 s for the envelopes); these
    # dicts are fixed by this module and checked once by the tests (tests/test_app.py), so skip it.
    return go.Figure({"data": traces, "layout": layout}, _validate=VALIDATE)


def _band(s: pd.DataFrame, tag: str, name: str, axis: str = "", legend: bool = True) -> list[dict]:
    """Two traces: the 5–95% band as one closed polygon, and the mean (few traces keep updates fast)."""
    dates = pd.to_datetime(s["date"]).dt.strftime("%Y-%m-%d").to_numpy()
    group = f"{tag}-{name}"
    return [
        {
            "type": "scatter",
            "x": np.concatenate([dates, dates[::-1]]),
            "y": np.concatenate([s["p95"].to_numpy(), s["p05"].to_numpy()[::-1]]),
            "fill": "toself",
            "fillcolor": FILL[tag],
            "line": {"width": 0},
            "mode": "lines",
            "name": f"{name}: 5–95% of futures",
            "legendgroup": group,
            "showlegend": legend,
            "hoverinfo": "skip",
            "xaxis": "x" + axis,
            "yaxis": "y" + axis,
        },
        {
            "type": "scatter",
            "x": dates,
            "y": s["mean"].to_numpy(),
            "mode": "lines",
            "line": {"color": COLOURS[tag]},
            "name": f"{name}: mean",
            "legendgroup": group,
            "showlegend": legend,
            "xaxis": "x" + axis,
            "yaxis": "y" + axis,
        },
    ]


def _series(ens: explore.Ensemble, metric: str) -> pd.DataFrame:
    s = ens.results.series
    return s[s.metric == metric].sort_values("month")


@lru_cache(maxsize=1)
def _grid_layout() -> dict:
    # make_subplots is slow (axes, domains, titles); its layout is the same every time.
    return make_subplots(
        rows=2, cols=2, subplot_titles=[title(m) for m in ENVELOPE_METRICS], shared_xaxes=True
    ).layout.to_plotly_json()


def _event_marks(ens: explore.Ensemble, axes: list[str]) -> tuple[list[dict], list[dict]]:
    """Dotted vertical lines at each dated event on every panel, its name on the first."""
    shapes, notes = [], []
    for ev in explore.dated_events(ens.scenario).itertuples():
        x = ev.date.strftime("%Y-%m-%d")
        for axis in axes:
            shapes.append(
                {
                    "type": "line",
                    "x0": x,
                    "x1": x,
                    "xref": "x" + axis,
                    "y0": 0,
                    "y1": 1,
                    "yref": f"y{axis} domain",
                    "line": {"dash": "dot", "color": "grey", "width": 1},
                }
            )
        notes.append(
            {
                "x": x,
                "y": 1,
                "xref": "x" + axes[0],
                "yref": f"y{axes[0]} domain",
                "text": ev.name,
                "textangle": -90,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 9, "color": "grey"},
            }
        )
    return shapes, notes


def envelope_figure(a: explore.Ensemble, b: explore.Ensemble | None = None) -> go.Figure:
    """Mean and 5–95% band of the three dyads and cohesion, dated events marked; B overlaid."""
    layout = copy.deepcopy(_grid_layout())
    axes = ["", "2", "3", "4"]
    traces = []
    for k, metric in enumerate(ENVELOPE_METRICS):
        for tag, ens in (("A", a), ("B", b)):
            if ens is not None:
                traces += _band(_series(ens, metric), tag, ens.scenario.name, axes[k], legend=k == 0)
        layout[f"yaxis{axes[k]}"]["title"] = {"text": unit(metric)}
    shapes, notes = _event_marks(a, axes)
    threshold = a.scenario.parameters.thresholds.rupture
    shapes.append(
        {
            "type": "line",
            "xref": "x domain",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": threshold,
            "y1": threshold,
            "line": {"dash": "dash", "color": COLOURS["B"], "width": 1},
        }
    )
    layout |= {
        "shapes": shapes,
        "annotations": layout["annotations"] + notes,
        "height": 560,
        "margin": {"t": 40, "b": 30, "l": 50, "r": 10},
        "legend": {"orientation": "h", "y": -0.08},
    }
    return figure(traces, layout)


def probability_figure(a: explore.Ensemble, b: explore.Ensemble | None = None) -> go.Figure:
    """Probability of each event over time with 95% Wilson bands (B dashed).

    Every event in :func:`explore.event_probabilities` gets a line, so observable-event
    indicators added to the model later appear here without a change to this page.
    """
    palette = ["#9467bd", "#ff7f0e", "#2ca02c", "#8c564b", "#e377c2", "#17becf"]
    traces = []
    for tag, ens in (("A", a), ("B", b)):
        if ens is None:
            continue
        for k, (event, p) in enumerate(ens.probabilities.groupby("event", sort=False)):
            colour = palette[k % len(palette)]
            dates = pd.to_datetime(p["date"]).dt.strftime("%Y-%m-%d").to_numpy()
            traces.append(
                {
                    "type": "scatter",
                    "x": np.concatenate([dates, dates[::-1]]),
                    "y": np.concatenate([p["ci_high"].to_numpy(), p["ci_low"].to_numpy()[::-1]]),
                    "fill": "toself",
                    "fillcolor": "rgba(128,128,128,0.15)",
                    "line": {"width": 0},
                    "mode": "lines",
                    "showlegend": False,
                    "hoverinfo": "skip",
                }
            )
            traces.append(
                {
                    "type": "scatter",
                    "x": dates,
                    "y": p["probability"].to_numpy(),
                    "mode": "lines",
                    "name": f"{ens.scenario.name}: {event}",
                    "line": {"color": colour, "dash": "solid" if tag == "A" else "dash"},
                }
            )
    layout = {
        "title": {"text": "Probability of each event (share of futures, 95% Wilson band)"},
        "yaxis": {"title": {"text": "probability"}, "range": [0, 1]},
        "height": 380,
        "margin": {"t": 50, "b": 30, "l": 50, "r": 10},
        "legend": {"orientation": "h", "y": -0.15},
    }
    return figure(traces, layout)


def attribution_figure(ens: explore.Ensemble) -> go.Figure:
    """Each doctrine term's mean contribution to the monthly ROK–JPN change, stacked, with the net change."""
    table = analysis.attribution(ens.results)
    monthly = table.pivot(index="date", columns="driver", values="contribution")
    dates = pd.to_datetime(monthly.index).strftime("%Y-%m-%d").to_numpy()
    traces = [
        {"type": "bar", "x": dates, "y": monthly[d].to_numpy(), "name": d, "marker": {"color": DRIVER_COLOURS[d]}}
        for d in DRIVERS
        if d in monthly.columns
    ]
    traces.append(
        {
            "type": "scatter",
            "x": dates,
            "y": monthly.sum(axis=1).to_numpy(),
            "name": "net change",
            "line": {"color": "black", "width": 2},
        }
    )
    layout = {
        "barmode": "relative",
        "title": {"text": f"Why ROK–JPN cooperation moved ({ens.scenario.name}, ensemble mean)"},
        "yaxis": {"title": {"text": "change per month"}},
        "height": 380,
        "margin": {"t": 50, "b": 30, "l": 50, "r": 10},
    }
    return figure(traces, layout)


def comparison_figure(a: explore.Ensemble, b: explore.Ensemble) -> go.Figure:
    """Run summaries B − A, paired by seed key, with 95% intervals."""
    table = explore.comparison(a, b)
    table = table[
        table.metric.isin(["cohesion_mean", "cohesion_min", "cohesion_final", "coop_rok_jpn_final", "rupture"])
    ]
    table = table.dropna(subset=["diff"])
    trace = {
        "type": "scatter",
        "x": table["diff"].to_numpy(),
        "y": table["metric"].to_numpy(),
        "mode": "markers",
        "marker": {"color": COLOURS["B"], "size": 9},
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": (table["ci_high"] - table["diff"]).to_numpy(),
            "arrayminus": (table["diff"] - table["ci_low"]).to_numpy(),
        },
    }
    layout = {
        "title": {"text": f"{b.scenario.name} − {a.scenario.name}: run summaries, paired by seed key (95% intervals)"},
        "xaxis": {"title": {"text": "difference B − A"}, "type": "linear", "zeroline": True, "zerolinecolor": "grey"},
        "yaxis": {"type": "category"},
        "height": 300,
        "margin": {"t": 50, "b": 40, "l": 140, "r": 10},
    }
    return figure([trace], layout)


# --------------------------------------------------------------------------- the page


class Shown:
    """A figure handed to :func:`Plot`, compared by identity.

    Reacton compares a component's arguments on every render; comparing two Plotly
    figures serialises both (over a second for the envelopes), so the page passes
    this holder instead and a new figure is sent exactly when one was built.
    """

    def __init__(self, figure: go.Figure):
        self.figure = figure


@solara.component
def Plot(shown: Shown):
    """A Plotly figure widget whose traces and layout are replaced when ``shown`` changes."""
    element = go.FigureWidget.element()

    def update():
        widget, fresh = solara.get_widget(element), shown.figure
        if [t.type for t in widget.data] == [t.type for t in fresh.data]:
            # Same traces, new numbers: one batched restyle and relayout, so the browser redraws once.
            with widget.batch_update():
                for trace, new in zip(widget.data, fresh.data, strict=True):
                    trace.update(new.to_plotly_json(), overwrite=True)
                widget.layout.update(fresh.layout.to_plotly_json(), overwrite=True)
            return
        with widget.batch_update():
            widget.layout = fresh.layout
            old = len(widget.data)
            widget.add_traces(fresh.data)
            widget.data = widget.data[old:]

    solara.use_effect(update, [shown])
    return element


def _start_path() -> Path:
    return Path(os.environ.get(explore.SCENARIO_ENV, "scenarios/base.yaml"))


START = _start_path()
LIBRARY = explore.library(START.parent) if START.parent.is_dir() else {}
try:
    _first = load_scenario(START)
    LIBRARY.setdefault(_first.name, START)
    FIRST: str | None = _first.name
except ScenarioError:
    FIRST = next(iter(LIBRARY), None)

scenario_name = solara.reactive(FIRST)
compare_name = solara.reactive(NO_COMPARISON)
replications = solara.reactive(1000)
months = solara.reactive(60)
seed = solara.reactive(20250113)
values: solara.Reactive[dict[str, Any]] = solara.reactive({})  # slider path -> value, for the current scenario
generation = solara.reactive(0)  # bumped to rebuild the sliders (reset, another scenario)


def reset() -> None:
    values.set({})
    generation.set(generation.value + 1)


def _load(name: str):
    return load_scenario(LIBRARY[name])


def _select_scenario(name: str) -> None:
    s = _load(name)
    scenario_name.set(name)
    months.set(s.months)
    seed.set(s.seed)
    reset()


def slider_class(path: str) -> str:
    """The CSS class of a slider's box, for tests and styling: ``slider-parameters-cha-grievance``."""
    return "slider-" + path.replace(".", "-")


@solara.component
def Slider(spec: explore.SliderSpec):
    """One slider with its own state: a move re-renders this slider, not the 80 others."""
    value = solara.use_reactive(values.peek().get(spec.path, spec.value))  # peek: no subscription to every move

    def set_value(v):
        value.set(float(v))
        values.set({**values.value, spec.path: float(v)})

    with solara.Div(classes=[slider_class(spec.path)]):
        solara.SliderFloat(
            f"{spec.label} {value.value:g}",
            value=value.value,
            min=spec.low,
            max=spec.high,
            step=spec.step,
            on_value=set_value,
        )


@solara.component
def Sliders(specs: list[explore.SliderSpec], generation: int):
    """The sliders by group; ``generation`` changes on a reset, which rebuilds them at the scenario's values."""
    groups: dict[str, list[explore.SliderSpec]] = {}
    for spec in specs:
        groups.setdefault(spec.group, []).append(spec)
    for group, members in groups.items():
        with solara.Details(group, expand=group == "parameters.cha"):
            for spec in members:
                Slider(spec).key(f"{generation}:{spec.path}")


@solara.component
def Page():
    solara.Title("alliance-sim explorer")
    if scenario_name.value is None:
        solara.Error(f"no scenario found at {START}")
        return
    Explorer()


@solara.component
def Explorer():
    base = solara.use_memo(lambda: _load(scenario_name.value), dependencies=[scenario_name.value])
    specs = solara.use_memo(lambda: explore.slider_specs(base), dependencies=[base])
    overrides = explore.changed(specs, values.value)
    key = (
        scenario_name.value,
        compare_name.value,
        replications.value,
        months.value,
        seed.value,
        tuple(sorted(overrides.items())),
    )

    def compute():
        try:
            a = explore.run(explore.prepare(base, overrides, replications.value, months.value, seed.value))
            b = None
            if compare_name.value not in (NO_COMPARISON, None):
                other = _load(compare_name.value)
                b = explore.run(
                    explore.prepare(
                        other, explore.applicable(other, overrides), replications.value, months.value, seed.value
                    )
                )
            return a, b, None
        except (ScenarioError, ValueError) as exc:
            return None, None, str(exc)

    a, b, error = solara.use_memo(compute, dependencies=[key])

    with solara.Columns([1, 3], style={"padding": "8px"}):
        with solara.Column(classes=["explore-controls"], style={"max-height": "96vh", "overflow-y": "auto"}):
            solara.HTML(tag="h3", unsafe_innerHTML="alliance-sim explorer")
            solara.Select("scenario", values=list(LIBRARY), value=scenario_name.value, on_value=_select_scenario)
            solara.Select("compare with (paired)", values=[NO_COMPARISON, *LIBRARY], value=compare_name)
            solara.SliderInt(
                f"replications {replications.value:,}",
                value=replications,
                min=100,
                max=explore.MAX_REPLICATIONS,
                step=100,
            )
            solara.SliderInt(f"horizon {months.value} months", value=months, min=6, max=explore.MAX_MONTHS)
            solara.InputInt("seed", value=seed)
            solara.Button("reset sliders", on_click=reset, text=True, disabled=not values.value)
            solara.HTML(tag="div", unsafe_innerHTML="<b>Scenario inputs and coefficients</b> (ranges from the schema)")
            Sliders(specs, generation.value)
        with solara.Column(classes=["explore-views"]):
            Views(a, b, error, overrides)


@solara.component
def Views(a, b, error, overrides):
    if error:
        solara.Error(error)
        return
    seconds = a.seconds + (b.seconds if b else 0)
    changed = ", ".join(f"{p}={v:g}" for p, v in overrides.items()) or "none"
    versus = f" vs <b>{b.scenario.name}</b> (paired: same seed keys)" if b else ""
    # Plain HTML, not Markdown: Markdown loads KaTeX from a CDN, which a closed network lacks.
    solara.HTML(
        tag="div",
        classes=["explore-status"],
        unsafe_innerHTML=f"<b>{a.scenario.name}</b>{versus}: {a.scenario.replications:,} futures × "
        f"{a.scenario.months} months, seed {a.scenario.seed}; computed in {seconds:.2f} s. Changed: {changed}",
    )
    solara.Text(a.scenario.description, style={"font-size": "0.85em", "color": "grey"})
    views = {"envelopes": envelope_figure(a, b)}
    if b is not None:
        views["comparison"] = comparison_figure(a, b)
    views |= {"probabilities": probability_figure(a, b), "attribution": attribution_figure(a)}
    # Keyed, so that a figure widget is never reused for another view when the comparison comes or goes.
    for name, fig in views.items():
        with solara.Div(classes=[f"explore-{name}"]).key(name):
            Plot(Shown(fig)).key(name)
