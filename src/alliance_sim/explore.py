"""The browser explorer's engine: sliders from the schema, one ensemble per change, the views' data.

Nothing here imports Solara or Plotly, so the data behind every view is tested
without a browser; :mod:`alliance_sim.app` draws it (``pip install alliance-sim[viz]``)
and ``simulate explore`` serves it.

Why Solara directly and not Mesa's ``SolaraViz``: SolaraViz holds one model
instance and steps it with play/step buttons, drawing one trajectory. The
explorer reruns a whole ensemble (R = 1,000 futures) on every change and draws
distributions: envelopes, event probabilities, attribution and a paired
comparison. ``AllianceModel`` still works with SolaraViz and ``mesa.batch_run``
for one run at a time (see ``docs/explore.md``).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from . import analysis, metrics
from .names import month_index, month_label
from .run import manifest, run_ensemble, series_table
from .scenario import Scenario, ScenarioError, apply_overrides, load_scenario
from .schema import field_bounds, is_float
from .store import Results

#: Environment variable through which ``simulate explore`` tells the app its first scenario.
SCENARIO_ENV = "ALLIANCE_SIM_EXPLORE_SCENARIO"
#: Limits of the size controls (the ensemble reruns on every change).
MAX_REPLICATIONS = 10_000
MAX_MONTHS = 120
#: Slider steps: about 100 positions over a range.
SLIDER_POSITIONS = 100


# --------------------------------------------------------------------------- sliders


@dataclass(frozen=True)
class SliderSpec:
    """One slider: a numeric scenario field with its schema range and the scenario's value."""

    path: str
    low: float
    high: float
    value: float
    step: float
    group: str
    description: str = ""

    @property
    def label(self) -> str:
        """The path without its group prefix (the group heads the slider's panel)."""
        return self.path.removeprefix(self.group + ".")


def _step(low: float, high: float, value: float) -> float:
    """About :data:`SLIDER_POSITIONS` positions a range, a power of ten, refined (up to a thousandfold)
    until the scenario's value is one of the positions: loading a scenario must not move a slider."""
    raw = (high - low) / SLIDER_POSITIONS
    step = float(10 ** np.floor(np.log10(raw))) if raw > 0 else 0.01
    for _ in range(3):
        positions = (value - low) / step
        if abs(positions - round(positions)) < 1e-6:
            break
        step /= 10
    return step


def _walk(model: BaseModel, prefix: str, group: str, out: list[SliderSpec]) -> None:
    for name, info in type(model).model_fields.items():
        key = info.alias or name
        value = getattr(model, name)
        path = f"{prefix}.{key}"
        if isinstance(value, BaseModel):
            _walk(value, path, group, out)
            continue
        low, high = field_bounds(info)
        if low is None or high is None or not is_float(info.annotation) or value is None:
            continue
        out.append(
            SliderSpec(
                path, float(low), float(high), float(value), _step(low, high, value), group, info.description or ""
            )
        )


def slider_specs(scenario: Scenario) -> list[SliderSpec]:
    """A slider for every bounded float of the scenario: actors, events, then coefficients.

    Generated from the pydantic schema (each field's ``ge``/``le`` and description), never
    listed by hand, so a new coefficient or event field gets its slider by itself.
    Groups: ``actors.<CODE>``, ``events.<name>`` and ``parameters.<doctrine>``.
    """
    out: list[SliderSpec] = []
    for code, actor in scenario.actors:
        _walk(actor, f"actors.{code}", f"actors.{code}", out)
    for name, event in scenario.events.items():
        _walk(event, f"events.{name}", f"events.{name}", out)
    for group, coefficients in scenario.parameters:
        _walk(coefficients, f"parameters.{group}", f"parameters.{group}", out)
    return out


def library(folder: str | Path) -> dict[str, Path]:
    """The scenario files of a library folder by scenario name (``hindcast/`` included), sorted."""
    folder = Path(folder)
    found = {}
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*/*.yaml")):
        try:
            found[load_scenario(path).name] = path
        except ScenarioError:  # not a scenario (a sweep file, a broken draft): not offered
            continue
    return found


# --------------------------------------------------------------------------- one run of the views


@dataclass(eq=False)  # compared by identity: the page re-renders when a new ensemble is computed
class Ensemble:
    """One ensemble run for the explorer: results in the library's shapes, plus event probabilities."""

    scenario: Scenario
    results: Results
    probabilities: pd.DataFrame
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def prepare(
    scenario: Scenario, overrides: dict[str, Any] | None = None, replications=None, months=None, seed=None
) -> Scenario:
    """``scenario`` with the slider overrides and the size controls applied (validated)."""
    changes = dict(overrides or {})
    for key, value in {"replications": replications, "months": months, "seed": seed}.items():
        if value is not None:
            changes[key] = int(value)
    return apply_overrides(scenario, changes, origin=" (explorer control)")


def run(scenario: Scenario) -> Ensemble:
    """Run ``scenario``'s ensemble in one chunk and compute every view's data.

    Numbers are those of ``simulate(scenario, parameters="defaults")`` (same seed keys; tested):
    the explorer runs the point estimates, which its sliders move.
    """
    started = time.perf_counter()
    runs, trace = run_ensemble(scenario)
    series = series_table(scenario, trace)
    probabilities = event_probabilities(scenario, trace)
    seconds = time.perf_counter() - started
    results = Results(runs, series, manifest(scenario, seconds))
    return Ensemble(scenario, results, probabilities, seconds)


def indicator_metrics() -> list[str]:
    """Step metrics that are 0/1 indicators of an observable event (``fn.indicator = True``).

    Their ensemble mean each month is the probability of the event; the probability
    view shows every one of them without being told.
    """
    return [name for name, fn in metrics.STEP_METRICS.items() if getattr(fn, "indicator", False)]


def _wilson(k: np.ndarray, n: int, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    # The Wilson score interval in closed form (as analysis.wilson gives through scipy), vectorised
    # over months: 60 months x several events on every slider move.
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0, 1))  # exact ends, as scipy gives them
    high = np.where(k == n, 1.0, np.clip(centre + half, 0, 1))
    return low, high


def event_probabilities(scenario: Scenario, trace: dict[str, np.ndarray]) -> pd.DataFrame:
    """Probability over time of each event the model knows, with 95% Wilson intervals.

    - ``rupture this month``: the step metric ``rupture`` (two of the three tracks broken);
    - ``ruptured by this month``: at least one month of rupture so far (1 - survival);
    - every other step metric flagged as an indicator (:func:`indicator_metrics`).

    Returns
    -------
    DataFrame with columns month, date, event, probability, ci_low, ci_high, n.
    """
    now = trace["rupture"] > 0.5
    flags = {"rupture this month": now, "ruptured by this month": np.logical_or.accumulate(now, axis=0)}
    for name in indicator_metrics():
        if name in trace and name != "rupture":
            flags[name] = trace[name] > 0.5
    months, n = now.shape
    dates = pd.to_datetime([month_label(scenario.start, t) for t in range(months)], format="%Y-%m")
    frames = []
    for event, flag in flags.items():
        k = flag.sum(axis=1)
        lo, hi = _wilson(k, n)
        frames.append(
            pd.DataFrame(
                {
                    "month": np.arange(1, months + 1),
                    "date": dates,
                    "event": event,
                    "probability": k / n,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n": n,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def dated_events(scenario: Scenario) -> pd.DataFrame:
    """The scenario's dated events inside the horizon: name, type, month index and date."""
    rows = []
    for name, event in scenario.events.items():
        at = getattr(event, "at", None)  # dated events, and a nuclear test given a month
        if at is None:
            continue
        t = month_index(scenario.start, at)
        if 0 <= t < scenario.months:
            rows.append({"name": name, "type": event.type, "month": t + 1, "date": pd.Timestamp(at + "-01")})
    return pd.DataFrame(rows, columns=["name", "type", "month", "date"])


def changed(specs: list[SliderSpec], values: dict[str, float]) -> dict[str, float]:
    """The slider values that differ from the scenario's own (these are the overrides)."""
    own = {s.path: s.value for s in specs}
    return {p: v for p, v in values.items() if p in own and not np.isclose(v, own[p], rtol=0, atol=1e-12)}


def applicable(scenario: Scenario, overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides whose path exists in ``scenario`` (event sliders of A may not exist in B)."""
    data = scenario.to_dict()
    out = {}
    for path, value in overrides.items():
        node: Any = data
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is not None:
            out[path] = value
    return out


def comparison(a: Ensemble, b: Ensemble) -> pd.DataFrame:
    """Run summaries B minus A, paired by seed key (both ensembles share seed and size)."""
    return analysis.compare(a.results, b.results, paired=True)


# --------------------------------------------------------------------------- the command


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="simulate explore",
        description="Explore scenarios in the browser: sliders for every input and coefficient, "
        "ensemble envelopes, event probabilities, driver attribution and a paired comparison, "
        "rerun on every change. Needs the viz extra: pip install 'alliance-sim[viz]'.",
    )
    p.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        default=Path("scenarios/base.yaml"),
        help="first scenario shown; its folder is the library offered (default: scenarios/base.yaml)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    return p


def free_port(host: str) -> int:
    """A port that is free on ``host`` now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    """``simulate explore [SCENARIO]``: serve the explorer app and print its URL."""
    args = parser().parse_args(argv)
    try:
        load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        import solara  # noqa: F401
    except ImportError:
        print(
            "error: the explorer needs the viz extra: pip install 'alliance-sim[viz]' (or -e '.[viz]' in a clone)",
            file=sys.stderr,
        )
        return 2
    port = free_port(args.host) if args.port == 0 else args.port
    env = dict(os.environ, **{SCENARIO_ENV: str(args.scenario.resolve())})
    command = [sys.executable, "-m", "solara", "run", "alliance_sim.app", "--host", args.host, "--port", str(port)]
    command += ["--production", "--no-open", "--no-check-version", "--log-level", "warning"]
    print(f"alliance-sim explorer: http://{args.host}:{port}  (Ctrl-C to stop)", flush=True)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
