"""Reviewing results: summaries, scenario comparisons, survival, sensitivity and driver attribution.

Every function takes :class:`~alliance_sim.store.Results` (from ``simulate``,
``run_sweep`` or ``load_results``) and returns a tidy :class:`pandas.DataFrame`,
so a notebook can filter, pivot and plot it without knowing how it was made.

Conventions
-----------
- Intervals are 95% unless a ``confidence`` argument says otherwise.
- Proportions (rupture probability, survival) carry Wilson score intervals
  (scipy's ``binomtest(...).proportion_ci(method="wilson")``).
- :func:`compare` reports **b minus a**: ``compare(base, alternative)`` is the
  effect of moving from the base case to the alternative.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import sobol as salib_sobol
from scipy.stats import binomtest, norm

from . import metrics
from .store import Results

#: Columns of ``runs`` that identify a replication rather than describe its outcome.
ID_COLUMNS = ("point", "replication", "seed", "spawn_key")
#: Samplers whose design can be analysed with Sobol indices.
SOBOL_SAMPLERS = ("sobol",)


# --------------------------------------------------------------------------- helpers


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k/n``.

    Raises
    ------
    ValueError : if ``n`` is not positive or ``k`` is outside ``0..n``.
    """
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"a proportion needs 0 <= k <= n and n >= 1, got k={k}, n={n}")
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def summary_columns(runs: pd.DataFrame) -> list[str]:
    """The run-summary columns present in ``runs``, in registry order."""
    return [name for name in metrics.SUMMARIES if name in runs.columns]


def parameter_columns(results: Results) -> list[str]:
    """The swept dotted paths of a sweep (empty for a single scenario run).

    Taken from ``manifest["design"]["parameters"]`` when present, otherwise from the
    ``runs`` columns named by a dotted path (the sweep contract names them so).
    """
    design = results.manifest.get("design") or {}
    if design.get("parameters"):
        return [p["path"] for p in design["parameters"]]
    drawn = set((results.manifest.get("parameter_draws") or {}).get("columns", []))  # sampled, not swept
    return [c for c in results.runs.columns if "." in c and c not in drawn]


def label(results: Results, default: str = "results") -> str:
    """A short name for legends: the scenario (or sweep) name from the manifest."""
    return str(results.manifest.get("name") or default)


def rupture_threshold(results: Results) -> float | None:
    """The rupture threshold the run used (``parameters.thresholds.rupture`` of the resolved scenario)."""
    scenario = results.manifest.get("scenario") or {}
    return ((scenario.get("parameters") or {}).get("thresholds") or {}).get("rupture")


def _quantiles(values: pd.Series) -> dict[str, float]:
    v = values.dropna().astype(float)
    if v.empty:
        return {"mean": np.nan, "p05": np.nan, "p50": np.nan, "p95": np.nan}
    q = np.percentile(v, [5, 50, 95])
    return {"mean": float(v.mean()), "p05": q[0], "p50": q[1], "p95": q[2]}


def _proportion(flags: pd.Series, confidence: float) -> dict[str, float]:
    k, n = int(flags.astype(bool).sum()), len(flags)
    lo, hi = wilson(k, n, confidence)
    return {"mean": k / n, "ci_low": lo, "ci_high": hi}


# --------------------------------------------------------------------------- summaries


def summarize(results: Results, confidence: float = 0.95) -> pd.DataFrame:
    """Scenario summaries per design point and metric, in tidy form.

    Rows come from two sources, told apart by ``scope``:

    - ``"run"``: each run summary (``cohesion_mean``, ``months_in_rupture``, ...) across
      replications: mean, p05, p50, p95 and ``n`` (the replications with a value;
      ``first_rupture_month`` counts only futures that ruptured). A boolean summary
      (``rupture``, ``trade_measures_ever``, ...) is a probability: ``mean`` is the share of
      futures in which the event happened and ``ci_low``/``ci_high`` its Wilson interval.
    - ``"final_month"``: each step metric in the last month, taken from ``series``
      (ensemble mean and percentiles of that month).

    Returns
    -------
    DataFrame with columns point, scope, metric, mean, p05, p50, p95, ci_low, ci_high, n.
    """
    rows = []
    for point, runs in results.runs.groupby("point", sort=True):
        for name in summary_columns(runs):
            if runs[name].dtype == bool:  # an observable event (rupture, trade measures, ...): a probability
                row = {"p05": np.nan, "p50": np.nan, "p95": np.nan, **_proportion(runs[name], confidence)}
                n = len(runs)
            else:
                row = {**_quantiles(runs[name]), "ci_low": np.nan, "ci_high": np.nan}
                n = int(runs[name].notna().sum())
            rows.append({"point": int(point), "scope": "run", "metric": name, **row, "n": n})
    series = results.series[~results.series.metric.str.startswith("driver_")]
    for point, s in series.groupby("point", sort=True):
        last = s[s.month == s.month.max()]
        n = len(results.runs[results.runs.point == point])
        for _, r in last.iterrows():
            rows.append(
                {
                    "point": int(point),
                    "scope": "final_month",
                    "metric": r["metric"],
                    "mean": r["mean"],
                    "p05": r["p05"],
                    "p50": r["p50"],
                    "p95": r["p95"],
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "n": n,
                }
            )
    columns = ["point", "scope", "metric", "mean", "p05", "p50", "p95", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- comparison


def newcombe(k_a: int, n_a: int, k_b: int, n_b: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference ``p_b - p_a`` of two independent proportions with Newcombe's hybrid score interval.

    Newcombe (1998), "Interval estimation for the difference between independent
    proportions", Statistics in Medicine 17:873-890, method 10: the interval is built
    from the two Wilson intervals, so it stays inside [-1, 1] and behaves at 0 and n.

    Returns
    -------
    (difference, low, high)
    """
    p_a, p_b = k_a / n_a, k_b / n_b
    lo_a, hi_a = wilson(k_a, n_a, confidence)
    lo_b, hi_b = wilson(k_b, n_b, confidence)
    d = p_b - p_a
    low = d - np.sqrt((p_b - lo_b) ** 2 + (hi_a - p_a) ** 2)
    high = d + np.sqrt((hi_b - p_b) ** 2 + (p_a - lo_a) ** 2)
    return d, float(low), float(high)


def _paired(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame | None:
    """Rows of a and b aligned by seed and spawn key, or None if the two do not share them all."""
    if len(a) != len(b):
        return None
    keys = ["seed", "spawn_key"]
    if a.duplicated(keys).any() or b.duplicated(keys).any():
        return None
    merged = a.merge(b, on=keys, suffixes=("_a", "_b"))
    return merged if len(merged) == len(a) else None


def shares_seed_keys(a: Results, b: Results) -> bool:
    """True when the first design points of ``a`` and ``b`` hold the same seed keys (common random numbers).

    Library scenarios share the seed, so two runs of them with the same replications
    draw the same random numbers per replication and can be compared pair by pair.
    """
    ra = a.runs[a.runs.point == a.runs.point.min()]
    rb = b.runs[b.runs.point == b.runs.point.min()]
    return _paired(ra, rb) is not None


def compare(a: Results, b: Results, confidence: float = 0.95, paired: bool | None = None) -> pd.DataFrame:
    """Differences **b minus a** in the run summaries, with intervals.

    Each numeric run summary gives one row: the means under a and under b, the
    difference ``mean_b - mean_a`` and its interval:

    - paired (``method = "paired"``): the replications are matched by ``seed`` and
      ``spawn_key`` and the interval is ``mean(d) ± z * sd(d)/sqrt(n)`` of the
      per-replication differences. With common random numbers this is far narrower
      than treating the runs as independent, and it is the right interval for them.
    - unpaired (``method = "welch"``): Welch's normal approximation,
      ``diff ± z * sqrt(var_a/n_a + var_b/n_b)``, treating the two ensembles as
      independent samples.

    ``paired=None`` (default) pairs when both runs share every seed key
    (:func:`shares_seed_keys`) and falls back to Welch otherwise; ``paired=True``
    insists (``ValueError`` if they do not share them); ``paired=False`` never pairs.

    Summaries that are undefined in some futures (``first_rupture_month``: only
    futures that ruptured; ``recovery_months``: only futures that recovered) are
    compared as conditional means over the futures that have a value, with Welch's
    interval whatever ``paired`` says (``n_a``, ``n_b`` say how many): pairing them
    would silently restrict both sides to the futures where both have a value.

    The rupture probability row (``rupture``) is a difference of proportions with
    Newcombe's hybrid score interval (method 10, built from the two Wilson intervals).

    Only the first design point of each is compared; pass single-scenario results.

    Returns
    -------
    DataFrame with columns metric, mean_a, mean_b, diff, ci_low, ci_high, n_a, n_b, method.
    """
    ra = a.runs[a.runs.point == a.runs.point.min()]
    rb = b.runs[b.runs.point == b.runs.point.min()]
    z = norm.ppf(0.5 + confidence / 2)
    matched = None
    if paired is None or paired:
        matched = _paired(ra, rb)
        if matched is None and paired:
            raise ValueError("paired comparison needs both runs to share every seed and spawn_key")
    rows = []
    for name in [c for c in summary_columns(ra) if c in rb.columns]:
        if ra[name].dtype == bool:  # a probability: Newcombe's interval
            ka, kb = int(ra[name].sum()), int(rb[name].sum())
            d, lo, hi = newcombe(ka, len(ra), kb, len(rb), confidence)
            rows.append(
                {
                    "metric": name,
                    "mean_a": ka / len(ra),
                    "mean_b": kb / len(rb),
                    "diff": d,
                    "ci_low": lo,
                    "ci_high": hi,
                    "n_a": len(ra),
                    "n_b": len(rb),
                    "method": "newcombe",
                }
            )
            continue
        xa, xb = ra[name].dropna().astype(float), rb[name].dropna().astype(float)
        mean_a, mean_b = xa.mean() if len(xa) else np.nan, xb.mean() if len(xb) else np.nan
        complete = len(xa) == len(ra) and len(xb) == len(rb)
        if matched is not None and complete:
            d = (matched[f"{name}_b"].astype(float) - matched[f"{name}_a"].astype(float)).to_numpy()
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
            method = "paired"
        else:
            se = np.sqrt(xa.var(ddof=1) / len(xa) + xb.var(ddof=1) / len(xb)) if min(len(xa), len(xb)) > 1 else np.nan
            method = "welch"
        diff = mean_b - mean_a
        rows.append(
            {
                "metric": name,
                "mean_a": mean_a,
                "mean_b": mean_b,
                "diff": diff,
                "ci_low": diff - z * se,
                "ci_high": diff + z * se,
                "n_a": len(xa),
                "n_b": len(xb),
                "method": method,
            }
        )
    columns = ["metric", "mean_a", "mean_b", "diff", "ci_low", "ci_high", "n_a", "n_b", "method"]
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- survival


def _dates(results: Results, point: int) -> pd.Series:
    s = results.series
    s = s[s.point == point].drop_duplicates("month").set_index("month")["date"]
    return s.sort_index()


def survival(results: Results, confidence: float = 0.95, event: str = "rupture") -> pd.DataFrame:
    """Share of futures without a rupture (or another ``event``) by the end of each month, per design point.

    ``survival`` at month m is the share of replications whose ``first_<event>_month`` is
    null (never happened) or later than m; ``ci_low``/``ci_high`` is its Wilson interval.
    Every replication runs the full horizon, so there is no censoring and this is the
    empirical survival function itself. ``event`` is ``"rupture"`` (two of the three tracks
    broken), ``"below_threshold"`` (the latent ROK-JPN index below ``thresholds.rupture``),
    ``"trade_measures"``, ``"security_linkage"`` or ``"agreement_repudiated"``.

    Returns
    -------
    DataFrame with columns point, month, date, survival, ci_low, ci_high, ruptured (how many
    futures the event has reached), n.

    Raises
    ------
    ValueError : an ``event`` without a first-month summary in the runs table.
    """
    column = f"first_{event}_month"
    if column not in results.runs:
        known = sorted(c[len("first_") : -len("_month")] for c in results.runs if re.fullmatch(r"first_.+_month", c))
        raise ValueError(f"no run summary {column!r} for event {event!r}; events: {', '.join(known)}")
    frames = []
    for point, runs in results.runs.groupby("point", sort=True):
        dates = _dates(results, point)
        months = dates.index.to_numpy()
        first = runs[column].astype("Float64").to_numpy(dtype=float, na_value=np.inf)
        n = len(first)
        ruptured = (first[None, :] <= months[:, None]).sum(axis=1)
        intervals = [wilson(n - k, n, confidence) for k in ruptured]
        frames.append(
            pd.DataFrame(
                {
                    "point": int(point),
                    "month": months,
                    "date": dates.to_numpy(),
                    "survival": (n - ruptured) / n,
                    "ci_low": [lo for lo, _ in intervals],
                    "ci_high": [hi for _, hi in intervals],
                    "ruptured": ruptured,
                    "n": n,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- sweeps


def design(results: Results) -> pd.DataFrame:
    """One row per design point with its swept parameter values, in point order."""
    params = parameter_columns(results)
    if not params:
        raise ValueError("these results are not a sweep: no swept parameter columns")
    return results.runs.groupby("point", sort=True)[params].first().reset_index()


def _is_share(runs: pd.DataFrame, outcome: str) -> bool:
    return runs[outcome].dtype == bool or outcome == "rupture"


def response(
    results: Results, outcome: str = "rupture", confidence: float = 0.95, by: list[str] | None = None
) -> pd.DataFrame:
    """The outcome per design point of a sweep, with the swept parameter values.

    For a yes/no outcome (``rupture``) ``estimate`` is the share of replications and
    ``low``/``high`` its Wilson interval; for a numeric outcome ``estimate`` is the mean
    over replications and ``low``/``high`` the 5th and 95th percentiles across them.

    ``by`` (a list of swept parameter paths) pools instead all replications that share
    those values, whatever the other parameters: the marginal response over the design.

    Returns
    -------
    DataFrame with columns point (not when pooled ``by``), <parameter paths>, estimate, low, high, n.
    """
    runs = results.runs
    if outcome not in runs.columns:
        raise ValueError(f"no outcome {outcome!r} in runs; choose one of {summary_columns(runs)}")
    share = _is_share(runs, outcome)
    keys = list(by) if by else ["point"]
    rows = []
    for key, r in runs.groupby(keys, sort=True):
        row = dict(zip(keys, key, strict=True))
        if share:
            p = _proportion(r[outcome], confidence)
            row |= {"estimate": p["mean"], "low": p["ci_low"], "high": p["ci_high"], "n": len(r)}
        else:
            q = _quantiles(r[outcome])
            row |= {"estimate": q["mean"], "low": q["p05"], "high": q["p95"], "n": int(r[outcome].notna().sum())}
        rows.append(row)
    table = pd.DataFrame(rows)
    return table if by else design(results).merge(table, on="point")


def aggregate(results: Results, outcome: str) -> np.ndarray:
    """The outcome per design point in point order: share for ``rupture``/booleans, mean otherwise."""
    runs = results.runs
    if outcome not in runs.columns:
        raise ValueError(f"no outcome {outcome!r} in runs; choose one of {summary_columns(runs)}")
    values = runs[outcome].astype(float) if _is_share(runs, outcome) else runs[outcome].astype("Float64")
    per_point = values.groupby(runs["point"]).mean().sort_index()
    expected = np.arange(len(per_point))
    if not np.array_equal(per_point.index.to_numpy(), expected):
        raise ValueError("design points must be numbered 0..P-1 (SALib sample order)")
    return per_point.to_numpy(dtype=float, na_value=np.nan)


def sobol(
    results: Results,
    outcome: str = "rupture",
    confidence: float = 0.95,
    num_resamples: int = 1000,
    seed: int | None = 0,
    warn: bool = True,
) -> pd.DataFrame:
    """First-order and total Sobol indices of an outcome over a Sobol (Saltelli) sweep.

    The outcome is first reduced to one number per design point (the rupture share, or
    the mean over replications of a numeric summary), in point order, which is SALib's
    sample order; then ``SALib.analyze.sobol.analyze`` estimates the indices, with
    bootstrap confidence intervals (``num_resamples`` resamples, seeded by ``seed``).

    Replication noise inflates the outcome's variance without any parameter explaining
    it; with few replications per point the total indices absorb part of that noise.

    The table is checked with :func:`sobol_check`; the verdict is in ``.attrs["check"]``
    and, unless ``warn=False``, a failed check issues a :class:`SobolConvergenceWarning`
    that names the sample size that would be needed.

    Returns
    -------
    DataFrame with columns parameter, index ("S1" or "ST"), estimate, conf (half-width),
    low, high. Second-order indices, when the design has them, are in ``.attrs["S2"]``.

    Raises
    ------
    ValueError : if the results are not a Sobol sweep, the outcome is missing, or the
        number of points does not match the design.
    """
    manifest = results.manifest
    design_ = manifest.get("design") or {}
    if manifest.get("kind") != "sweep" or design_.get("sampler") not in SOBOL_SAMPLERS:
        raise ValueError("Sobol indices need a sweep with a Sobol design (manifest design sampler 'sobol')")
    problem = dict(design_["problem"])
    y = aggregate(results, outcome)
    if np.isnan(y).any():
        raise ValueError(f"outcome {outcome!r} has no value at some design points (e.g. no rupture to time)")
    second = bool(design_.get("calc_second_order", False))
    d = int(problem["num_vars"])
    per_base = 2 * d + 2 if second else d + 2
    if len(y) % per_base:
        raise ValueError(
            f"{len(y)} design points is not a multiple of {per_base} (a Saltelli design over {d} parameters)"
        )
    indices = salib_sobol.analyze(
        problem,
        y,
        calc_second_order=second,
        num_resamples=num_resamples,
        conf_level=confidence,
        seed=seed,
    )
    rows = []
    for i, name in enumerate(problem["names"]):
        for key in ("S1", "ST"):
            est, conf = float(indices[key][i]), float(indices[f"{key}_conf"][i])
            rows.append(
                {"parameter": name, "index": key, "estimate": est, "conf": conf, "low": est - conf, "high": est + conf}
            )
    table = pd.DataFrame(rows, columns=["parameter", "index", "estimate", "conf", "low", "high"])
    samples = len(y) // per_base
    verdict = sobol_check(table, samples)
    table.attrs["check"] = verdict
    if warn and not verdict.passed:
        warnings.warn(verdict.message(outcome), SobolConvergenceWarning, stacklevel=2)
    if second:
        names = list(problem["names"])
        table.attrs["S2"] = pd.DataFrame(indices["S2"], index=names, columns=names)
    return table


class SobolConvergenceWarning(UserWarning):
    """Sobol indices whose intervals are too wide, or whose values are impossible, to be read."""


@dataclass
class SobolCheck:
    """The verdict of :func:`sobol_check` on one table of Sobol indices.

    Attributes
    ----------
    passed : True when every check passed.
    problems : one sentence per failed check.
    samples : N, the base sample size of the design.
    needed : the N (a power of 2) at which the widest interval would shrink to the
        target half-width, from the 1/sqrt(N) rate of the bootstrap intervals; equal to
        ``samples`` when passed.
    max_conf : the widest half-width of any S1 or ST interval.
    """

    passed: bool
    problems: list[str]
    samples: int
    needed: int
    max_conf: float

    def message(self, outcome: str = "outcome") -> str:
        if self.passed:
            return (
                f"Sobol indices of {outcome} pass the convergence check "
                f"(N = {self.samples}, widest 95% half-width {self.max_conf:.3f})."
            )
        return (
            f"Sobol indices of {outcome} are not converged at N = {self.samples}: "
            + "; ".join(self.problems)
            + f". About N = {self.needed} base samples would be needed."
        )


def sobol_check(table: pd.DataFrame, samples: int, target: float = 0.1, tolerance: float = 0.05) -> SobolCheck:
    """Is a table of Sobol indices (from :func:`sobol`) precise enough to read?

    Three checks, after the advice of Saltelli et al. (2010) and SALib's documentation:

    - every 95% bootstrap half-width (``conf``) is at most ``target``;
    - every index lies in [-``tolerance``, 1 + ``tolerance``] (indices are shares of variance);
    - no total index is below its first-order index by more than the two half-widths
      together (ST >= S1 holds exactly; a larger gap is estimation noise).

    The bootstrap intervals shrink like 1/sqrt(N), so the sample size that would bring
    the widest half-width to ``target`` is ``N * (max_conf / target) ** 2``, rounded up
    to a power of 2 (Sobol' sequences are balanced at powers of 2).
    """
    problems = []
    max_conf = float(table["conf"].max())
    if not max_conf <= target:
        problems.append(f"95% half-widths up to {max_conf:.2f} (target {target:g})")
    outside = table[(table["estimate"] < -tolerance) | (table["estimate"] > 1 + tolerance)]
    if not outside.empty:
        worst = outside.loc[(outside["estimate"] - 0.5).abs().idxmax()]
        problems.append(
            f"{len(outside)} indices outside [{-tolerance:g}, {1 + tolerance:g}] "
            f"(e.g. {worst['index']} of {worst['parameter']} = {worst['estimate']:.2f})"
        )
    wide = table.pivot(index="parameter", columns="index", values=["estimate", "conf"])
    gap = wide[("estimate", "S1")] - wide[("estimate", "ST")]
    noise = wide[("conf", "S1")] + wide[("conf", "ST")]
    below = gap[gap > noise]
    if not below.empty:
        problems.append(f"ST below S1 beyond noise for {', '.join(below.index)}")
    needed = samples
    if problems:
        ratio = max(max_conf / target, 1.0) ** 2
        needed = int(2 ** np.ceil(np.log2(max(samples * ratio, samples * 2))))
    return SobolCheck(passed=not problems, problems=problems, samples=int(samples), needed=needed, max_conf=max_conf)


# --------------------------------------------------------------------------- attribution


def attribution(results: Results, point: int | None = None) -> pd.DataFrame:
    """Each doctrine term's contribution to the monthly change in ROK-JPN cooperation.

    The model records, per month, the ensemble-mean contribution of every term in
    :data:`alliance_sim.metrics.DRIVERS`; the contributions of a month sum to that
    month's change in mean ROK-JPN cooperation. ``cumulative`` is the running sum per
    driver since the start, so summed over drivers it is the change since the start.

    Returns
    -------
    DataFrame with columns point, month, date, driver, contribution, cumulative.
    """
    s = results.series
    s = s[s.metric.str.startswith("driver_")]
    if point is not None:
        s = s[s.point == point]
    if s.empty:
        raise ValueError("no driver attribution rows (driver_<term>) in these results")
    table = pd.DataFrame(
        {
            "point": s["point"].to_numpy(),
            "month": s["month"].to_numpy(),
            "date": s["date"].to_numpy(),
            "driver": s["metric"].str.removeprefix("driver_").to_numpy(),
            "contribution": s["mean"].to_numpy(),
        }
    )
    order = {name: i for i, name in enumerate(metrics.DRIVERS)}
    table["_order"] = table["driver"].map(order).fillna(len(order))
    table = table.sort_values(["point", "_order", "month"]).drop(columns="_order").reset_index(drop=True)
    table["cumulative"] = table.groupby(["point", "driver"], sort=False)["contribution"].cumsum()
    return table.sort_values(["point", "month"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- exploratory analysis (EMA Workbench)

#: Columns of an EMA ``experiments`` frame that name a run rather than describe it.
EMA_ID_COLUMNS = ("scenario", "policy", "model")


class MissingExtra(ImportError):
    """An optional extra (``pip install alliance-sim[explore]``) is not installed."""


def _ema(module: str):
    """Import ``ema_workbench.analysis.<module>`` or say how to install it."""
    import importlib
    import logging

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed", irrelevant to analysis
            mod = importlib.import_module(f"ema_workbench.analysis.{module}")
    except ImportError as exc:
        raise MissingExtra(
            f"scenario discovery and feature scoring use EMA Workbench: pip install 'alliance-sim[explore]' ({exc})"
        ) from exc
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return mod


def inputs(results: Results, derived: dict | None = None) -> pd.DataFrame:
    """The inputs of each replication, one row per replication of ``runs``.

    The swept dotted paths of a sweep, and every other ``runs`` column named by a
    dotted path (for example a replication's sampled coefficients, when the run
    records them), as floats. Columns that do not vary are dropped: they cannot
    explain anything.

    ``derived`` adds inputs computed from these, ``{name: function(inputs) -> values}``,
    for example the gap between two allies' trust in the US: PRIM's boxes are aligned
    with the axes, so a driver that is a difference of two inputs shows up only if it is
    given as an input of its own.
    """
    runs = results.runs
    names = list(dict.fromkeys([*parameter_columns(results), *(c for c in runs.columns if "." in c)]))
    if not names:
        raise ValueError("these results have no inputs that vary (not a sweep, and no sampled coefficients)")
    x = runs[names].astype(float).reset_index(drop=True)
    for name, fn in (derived or {}).items():
        x[name] = np.asarray(fn(x), dtype=float)
    return x.loc[:, x.nunique() > 1]


def outcome_flags(results: Results, outcome, threshold: float | None = None, below: bool = True) -> np.ndarray:
    """A yes/no outcome per replication: the cases of interest of scenario discovery.

    ``outcome`` is a boolean run summary (``"rupture"``), a numeric run summary with a
    ``threshold`` (``below=True``: the value is under the threshold, for example
    ``cohesion_min`` below 0.55), or a boolean array with one value per row of ``runs``.
    """
    runs = results.runs
    if not isinstance(outcome, str):
        flags = np.asarray(outcome, dtype=bool)
        if flags.shape != (len(runs),):
            raise ValueError(f"an outcome array needs one value per replication ({len(runs)}), got {flags.shape}")
        return flags
    if outcome not in runs.columns:
        raise ValueError(f"no outcome {outcome!r} in runs; choose one of {summary_columns(runs)}")
    values = runs[outcome]
    if threshold is None:
        if not _is_share(runs, outcome):
            raise ValueError(f"{outcome!r} is numeric: give a threshold (cases of interest: below or above it)")
        return values.astype(bool).to_numpy()
    v = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return (v < threshold) if below else (v > threshold)


def describe_outcome(outcome, threshold: float | None = None, below: bool = True) -> str:
    """Words for a yes/no outcome, for titles and tables."""
    if not isinstance(outcome, str):
        return "case of interest"
    if threshold is None:
        return outcome
    return f"{outcome} {'<' if below else '>'} {threshold:g}"


def to_ema(results: Results, level: str = "replication") -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """The ``(experiments, outcomes)`` pair EMA Workbench users pass to its analysis tools.

    ``level="replication"``: one experiment per replication. ``experiments`` holds the
    inputs (:func:`inputs`; empty for a single scenario run) and EMA's ``scenario``
    (the design point), ``policy`` (the scenario or sweep name) and ``model`` columns;
    ``outcomes`` maps every run summary to a 1-D array. Per-replication trajectories are
    not stored by this version of the model, so there are no time-series outcomes at
    this level.

    ``level="point"``: one experiment per design point, with the swept values; the
    outcomes are the per-point mean (share for yes/no summaries) of each run summary,
    and, as time series (points × months arrays, as EMA's ``lines``/``envelopes`` plots
    expect), the ensemble mean of every step metric; ``outcomes["TIME"]`` holds the
    month numbers.
    """
    runs = results.runs
    name = label(results)
    if level == "replication":
        try:
            experiments = inputs(results)
        except ValueError:
            experiments = pd.DataFrame(index=range(len(runs)))
        experiments["scenario"] = runs["point"].to_numpy()
        experiments["policy"] = name
        experiments["model"] = "alliance_sim"
        outcomes = {
            c: runs[c].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
            if not _is_share(runs, c)
            else runs[c].to_numpy(dtype=bool)
            for c in summary_columns(runs)
        }
        return experiments, outcomes
    if level != "point":
        raise ValueError(f"level must be 'replication' or 'point', not {level!r}")
    params = parameter_columns(results)
    experiments = design(results) if params else pd.DataFrame({"point": sorted(runs.point.unique())})
    experiments = experiments.rename(columns={"point": "scenario"})
    experiments["policy"] = name
    experiments["model"] = "alliance_sim"
    outcomes = {}
    for c in summary_columns(runs):
        values = runs[c].astype(float) if _is_share(runs, c) else runs[c].astype("Float64")
        outcomes[c] = values.groupby(runs["point"]).mean().sort_index().to_numpy(dtype=float, na_value=np.nan)
    s = results.series
    s = s[~s.metric.str.startswith("driver_")]
    for metric, rows in s.groupby("metric", sort=False):
        wide = rows.pivot(index="point", columns="month", values="mean").sort_index()
        outcomes[metric] = wide.to_numpy()
        outcomes.setdefault("TIME", np.tile(wide.columns.to_numpy(), (len(wide), 1)))
    return experiments.reset_index(drop=True), outcomes


def _limits(box: pd.DataFrame, initial: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The restricted dimensions of a box: {name: (low, high)}."""
    return {
        c: (float(box.loc[0, c]), float(box.loc[1, c]))
        for c in box.columns
        if box.loc[0, c] != initial.loc[0, c] or box.loc[1, c] != initial.loc[1, c]
    }


@dataclass
class Discovery:
    """What scenario discovery found: the boxes, their statistics and the peeling trajectory.

    Attributes
    ----------
    method : "prim" or "cart".
    outcome : words for the cases of interest (e.g. ``"coop_rok_jpn_final < 0.45"``).
    base_rate : share of cases of interest among all replications.
    n : number of replications (experiments).
    boxes : one row per restricted dimension of each chosen box: box, parameter, low,
        high, qp_low, qp_high (quasi-p-values of the lower and upper limit, Bryant and
        Lempert 2010; NaN where that side is not restricted, and for CART).
    stats : one row per chosen box: box, coverage, density, mass, res_dim, n, k, step
        (the box's index on its peeling trajectory; for CART the leaf).
    trajectory : PRIM's peeling trajectory of every box found (box, step, coverage,
        density, mass, res_dim, n, k); for CART every leaf of the tree.
    ranges : the full range of every input (the box before peeling), name -> (low, high).
    """

    method: str
    outcome: str
    base_rate: float
    n: int
    boxes: pd.DataFrame
    stats: pd.DataFrame
    trajectory: pd.DataFrame
    ranges: dict[str, tuple[float, float]]


def _choose(trajectory: pd.DataFrame, min_density: float) -> int:
    """The box with the largest coverage among those with density >= min_density (else the densest)."""
    restricted = trajectory[trajectory.res_dim > 0]
    if restricted.empty:
        return int(trajectory.index[-1])
    dense = restricted[restricted.density >= min_density]
    if dense.empty:
        return int(restricted.density.idxmax())
    return int(dense.sort_values(["coverage", "density"], ascending=False).index[0])


def discover(
    results: Results,
    outcome="rupture",
    threshold: float | None = None,
    below: bool = True,
    method: str = "prim",
    min_density: float = 0.8,
    max_boxes: int = 1,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    max_qp: float | None = 0.05,
    derived: dict | None = None,
) -> Discovery:
    """Scenario discovery: which combinations of inputs lead to the cases of interest?

    Runs EMA Workbench's PRIM (Friedman and Fisher 1999, as used for scenario discovery
    by Bryant and Lempert 2010) or CART over the replications of a sweep: inputs are
    the swept values (and any per-replication coefficients, :func:`inputs`), the cases
    of interest are :func:`outcome_flags` (``outcome``, ``threshold``, ``below``).

    PRIM peels the input space and records a trajectory of ever smaller, denser boxes;
    from it the box with the largest coverage whose density is at least
    ``min_density`` is chosen (if none is that dense, the densest box). Up to
    ``max_boxes`` boxes are found one after another, each over the replications the
    previous boxes left, stopping early when a box's density does not exceed the base
    rate. Limits whose quasi-p-value exceeds ``max_qp`` (both sides, where restricted)
    are then dropped, as Bryant and Lempert (2010) advise, so a box restricts only the
    inputs the data support (``max_qp=None`` keeps them). CART (``method="cart"``) grows a classification tree with leaves of at least
    ``mass_min`` of the data; its leaves with density >= ``min_density`` (else the
    densest leaf) are the chosen boxes.

    ``derived`` adds computed inputs (see :func:`inputs`).

    Needs the ``explore`` extra (``pip install 'alliance-sim[explore]'``).

    Raises
    ------
    ValueError : if the results have no varying inputs or the outcome has only one class.
    MissingExtra : if EMA Workbench is not installed.
    """
    x = inputs(results, derived)
    y = outcome_flags(results, outcome, threshold, below)
    what = describe_outcome(outcome, threshold, below)
    k = int(y.sum())
    if k == 0 or k == len(y):
        raise ValueError(
            f"{what}: {'no' if k == 0 else 'every'} replication is a case of interest; scenario discovery needs "
            "both classes (choose another outcome or threshold)"
        )
    initial = pd.DataFrame({c: [x[c].min(), x[c].max()] for c in x.columns})
    ranges = {c: (float(initial.loc[0, c]), float(initial.loc[1, c])) for c in x.columns}
    box_rows, stat_rows, traj = [], [], []
    if method == "prim":
        prim = _ema("prim")
        alg = prim.Prim(x, y.astype(int), peel_alpha=peel_alpha, mass_min=mass_min)
        for b in range(max_boxes):
            found = alg.find_box()
            if found is None:
                break
            t = found.peeling_trajectory.astype(float).reset_index(drop=True)
            traj.append(
                t.assign(box=b, step=t.index)[["box", "step", "coverage", "density", "mass", "res_dim", "n", "k"]]
            )
            i = _choose(t, min_density)
            if b > 0 and t.loc[i, "density"] <= y.mean():
                break
            if i != len(t) - 1:
                found.select(i)
            if max_qp is not None:
                # Bryant and Lempert (2010): a limit whose quasi-p-value exceeds max_qp is not
                # supported by the data; EMA's drop_restriction adds the box without it to the trajectory.
                for name in _limits(found.box_lims[i], found.box_lims[0]):
                    q = [v for v in found.p_values[i].get(name, []) if v != -1]
                    if q and min(q) > max_qp:
                        found.drop_restriction(name, i)
                        i = len(found.peeling_trajectory) - 1
                t = found.peeling_trajectory.astype(float).reset_index(drop=True)
                traj[-1] = t.assign(box=b, step=t.index)[
                    ["box", "step", "coverage", "density", "mass", "res_dim", "n", "k"]
                ]
            row = t.loc[i]
            stat_rows.append({"box": b, **{c: row[c] for c in ("coverage", "density", "mass", "res_dim", "n", "k")}})
            stat_rows[-1]["step"] = i
            # coverage is relative to the cases left for this box; restate it over all cases
            stat_rows[-1]["coverage"] = row["k"] / k
            qp = found.p_values[i]
            for name, (lo, hi) in _limits(found.box_lims[i], found.box_lims[0]).items():
                q = [np.nan if v == -1 else float(v) for v in qp.get(name, [np.nan, np.nan])]
                box_rows.append({"box": b, "parameter": name, "low": lo, "high": hi, "qp_low": q[0], "qp_high": q[1]})
    elif method == "cart":
        cart = _ema("cart")
        alg = cart.CART(x, y.astype(int), mass_min=mass_min)
        alg.build_tree()
        leaves = [
            {"box": j, "step": j, **{("res_dim" if key == "res dim" else key): v for key, v in st.items()}}
            for j, st in enumerate(alg.stats)
        ]
        for leaf, lims in zip(leaves, alg.boxes, strict=True):
            inside = np.ones(len(x), dtype=bool)
            for c in x.columns:
                inside &= (x[c] >= lims.loc[0, c]) & (x[c] <= lims.loc[1, c])
            leaf["n"], leaf["k"] = int(inside.sum()), int(y[inside].sum())
        trajectory = pd.DataFrame(leaves)[["box", "step", "coverage", "density", "mass", "res_dim", "n", "k"]]
        traj.append(trajectory)
        dense = trajectory[trajectory.density >= min_density]
        chosen = dense if not dense.empty else trajectory.loc[[trajectory.density.idxmax()]]
        for rank, (_, row) in enumerate(chosen.sort_values("coverage", ascending=False).head(max_boxes).iterrows()):
            stat_rows.append({"box": rank, **{c: row[c] for c in ("coverage", "density", "mass", "res_dim", "n", "k")}})
            stat_rows[-1]["step"] = int(row["step"])
            for name, (lo, hi) in _limits(alg.boxes[int(row["step"])], initial).items():
                box_rows.append(
                    {"box": rank, "parameter": name, "low": lo, "high": hi, "qp_low": np.nan, "qp_high": np.nan}
                )
    else:
        raise ValueError(f"method must be 'prim' or 'cart', not {method!r}")
    stats = pd.DataFrame(stat_rows, columns=["box", "coverage", "density", "mass", "res_dim", "n", "k", "step"])
    for c in ("res_dim", "n", "k", "step", "box"):
        stats[c] = stats[c].astype(int)
    return Discovery(
        method=method,
        outcome=what,
        base_rate=k / len(y),
        n=len(y),
        boxes=pd.DataFrame(box_rows, columns=["box", "parameter", "low", "high", "qp_low", "qp_high"]),
        stats=stats,
        trajectory=pd.concat(traj, ignore_index=True),
        ranges=ranges,
    )


def feature_scores(
    results: Results,
    outcome="rupture",
    threshold: float | None = None,
    below: bool = True,
    level: str = "point",
    seed: int = 0,
    trees: int = 500,
    derived: dict | None = None,
) -> pd.DataFrame:
    """How much each input matters to an outcome: extra-trees feature scores, as EMA Workbench computes them.

    EMA's ``get_ex_feature_scores`` (Jaxa-Rozen and Kwakkel 2018) fits an ensemble of
    extremely randomised trees and reports each input's share of the impurity
    decrease (the scores sum to one). Unlike a pooled response curve it sees
    interactions: an input that matters only jointly with another still scores.

    ``level="point"`` (default) fits one value per design point: the mean of a numeric
    summary, the share of replications for a yes/no outcome or below/above a
    ``threshold`` (regression trees; replication noise averaged out first).
    ``level="replication"`` fits every replication (classification trees for yes/no).

    Returns
    -------
    DataFrame with columns parameter, score, sorted by score (largest first).
    """
    fs = _ema("feature_scoring")
    from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

    x = inputs(results, derived)
    runs = results.runs
    if isinstance(outcome, str) and threshold is None and not _is_share(runs, outcome):
        y = runs[outcome].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        binary = False
    else:
        y = outcome_flags(results, outcome, threshold, below).astype(float)
        binary = True
    if level == "point":
        frame = x.assign(_y=y, _point=runs["point"].to_numpy())
        grouped = frame.groupby("_point", sort=True).mean()
        x, y = grouped[x.columns], grouped["_y"].to_numpy()
        mode = RuleInductionType.REGRESSION
    elif level == "replication":
        mode = RuleInductionType.CLASSIFICATION if binary else RuleInductionType.REGRESSION
        if binary:
            y = y.astype(int)
    else:
        raise ValueError(f"level must be 'point' or 'replication', not {level!r}")
    keep = ~np.isnan(y.astype(float))
    if keep.sum() < 2 or np.nanstd(y) == 0:
        raise ValueError(f"{describe_outcome(outcome, threshold, below)} does not vary over the design")
    scores, _ = fs.get_ex_feature_scores(
        x[keep].reset_index(drop=True), y[keep], mode=mode, nr_trees=trees, random_state=seed
    )
    table = scores.reset_index()
    table.columns = ["parameter", "score"]
    return table.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def morris(
    results: Results,
    outcome: str = "rupture",
    confidence: float = 0.95,
    num_resamples: int = 1000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Morris elementary effects of an outcome over a Morris sweep (``SALib.analyze.morris``).

    The outcome is reduced to one number per design point (as for :func:`sobol`), and
    the design values are read back from ``runs`` in point order, which is the order
    of SALib's trajectories. ``mu_star`` (mean absolute elementary effect) ranks the
    inputs; ``sigma`` large against ``mu_star`` means non-linear effects or
    interactions; ``mu_star_conf`` is the bootstrap half-width of ``mu_star``.

    Returns
    -------
    DataFrame with columns parameter, mu, mu_star, sigma, mu_star_conf, sorted by mu_star.

    Raises
    ------
    ValueError : if the results are not a Morris sweep or the outcome is missing.
    """
    from SALib.analyze import morris as salib_morris

    manifest = results.manifest
    design_ = manifest.get("design") or {}
    if manifest.get("kind") != "sweep" or design_.get("sampler") != "morris":
        raise ValueError("Morris analysis needs a sweep with a Morris design (manifest design sampler 'morris')")
    problem = dict(design_["problem"])
    y = aggregate(results, outcome)
    if np.isnan(y).any():
        raise ValueError(f"outcome {outcome!r} has no value at some design points")
    X = design(results)[list(problem["names"])].to_numpy(dtype=float)
    if len(X) % (problem["num_vars"] + 1):
        raise ValueError(f"{len(X)} design points is not a whole number of Morris trajectories")
    out = salib_morris.analyze(
        problem,
        X,
        y,
        num_resamples=num_resamples,
        conf_level=confidence,
        num_levels=int(design_.get("levels") or 4),
        seed=seed,
    )
    table = pd.DataFrame(
        {
            "parameter": list(problem["names"]),
            "mu": np.asarray(out["mu"], dtype=float),
            "mu_star": np.asarray(out["mu_star"], dtype=float),
            "sigma": np.asarray(out["sigma"], dtype=float),
            "mu_star_conf": np.asarray(out["mu_star_conf"], dtype=float),
        }
    )
    return table.sort_values("mu_star", ascending=False, kind="stable").reset_index(drop=True)


def grid_effects(results: Results, outcome: str = "rupture") -> pd.DataFrame:
    """Total-effect shares of a full-factorial grid, from the per-point outcome (no extra needed).

    For each parameter, the mean over the cells of the other parameters of the
    variance of the outcome along this parameter, over the total variance across
    design points: the total-effect Sobol index of the grid taken as a discrete
    uniform design (Saltelli et al. 2008, ch. 4). It sees interactions: a parameter
    whose effect reverses with another's value scores high although its pooled curve is
    flat. Replication noise is averaged out first (one value per point, :func:`aggregate`).

    Returns
    -------
    DataFrame with columns parameter, score, sorted by score (largest first).

    Raises
    ------
    ValueError : if the results are not a full grid, or the outcome does not vary.
    """
    table = design(results)
    params = parameter_columns(results)
    table["_y"] = aggregate(results, outcome)
    expected = int(np.prod([table[p].nunique() for p in params]))
    if len(table) != expected or table.duplicated(params).any():
        raise ValueError("grid effects need a full-factorial grid (every combination once)")
    total = table["_y"].var(ddof=0)
    if not total > 0:
        raise ValueError(f"{outcome} does not vary over the grid")
    rows = []
    for p in params:
        others = [q for q in params if q != p]
        within = table.groupby(others)["_y"].var(ddof=0).mean() if others else table["_y"].var(ddof=0)
        rows.append({"parameter": p, "score": float(within / total)})
    return pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def influence(results: Results, outcome: str = "rupture") -> tuple[pd.DataFrame, str]:
    """A ranking of the swept parameters by how much the outcome depends on them, and how it was made.

    Extra-trees feature scores (:func:`feature_scores`) when the ``explore`` extra is
    installed; otherwise, for a full grid, :func:`grid_effects`. Returns the table
    (parameter, score) and a phrase naming the method.
    """
    try:
        return feature_scores(results, outcome), "extra-trees feature scores (EMA Workbench), per design point"
    except MissingExtra:
        return grid_effects(results, outcome), "total-effect shares over the grid (variance within cells of the others)"


def gap_inputs(results: Results) -> dict:
    """Derived inputs for scenario discovery: the gap between two actors' values of the same swept field.

    For every pair of swept paths ``actors.A.f`` and ``actors.B.f`` (the same field of two
    actors, such as Seoul's and Tokyo's trust in the US), ``{"f gap A−B": |A - B|}``. Cha's
    quasi-alliance model makes the *asymmetry* between the two allies a driver of its own,
    and PRIM's axis-aligned boxes can only find it when it is an input.
    """
    params = [p for p in parameter_columns(results) if p.startswith("actors.") and p.count(".") == 2]
    out = {}
    for i, a in enumerate(params):
        for b in params[i + 1 :]:
            _, actor_a, field_a = a.split(".")
            _, actor_b, field_b = b.split(".")
            if field_a == field_b:
                out[f"{field_a} gap {actor_a}−{actor_b}"] = lambda x, a=a, b=b: (x[a] - x[b]).abs()
    return out
