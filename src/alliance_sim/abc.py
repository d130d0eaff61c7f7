"""Approximate Bayesian computation of the hindcast coefficients (rejection with a tolerance schedule).

Candidate coefficient sets are drawn from uniform priors (a scrambled Sobol
sequence, Toni et al. 2009 use the prior the same way in their first
population) and each is run as a small ensemble of its own in
``scenarios/hindcast/2015_2021.yaml``: ``r`` consecutive replications of one
ensemble of many candidates (the coefficients are per-replication columns,
:func:`alliance_sim.ensemble.build`). A candidate's distance to the record has
seven parts: the five calibration patterns and the 2019 timing as continuous
distances (:data:`alliance_sim.patterns.DISTANCES`) and the gap between the model's public
antipathy and the Genron NPO / East Asia Institute unfavourability polls of
2015-2021 (:func:`poll_distance`). The accepted sets are the candidates within
the last tolerance of a decreasing schedule. Only 2015-2021 enters:
2022-2025 is held out.

A candidate's random numbers are addressed by (seed, point, replication), its
replications numbered ``candidate * r + j``: its distance does not depend on
the chunk or the worker that ran it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import qmc

from . import metrics, patterns
from .columns import bounds
from .ensemble import build
from .model import AllianceModel
from .names import month_index
from .scenario import Scenario, apply_overrides

ROOT = Path(__file__).resolve().parents[2]
HINDCAST = ROOT / "scenarios" / "hindcast" / "2015_2021.yaml"
POLLS = ROOT / "data" / "calibration"

#: The calibration period ends here: no poll of a later year is read.
LAST_YEAR = 2021


@dataclass(frozen=True)
class Prior:
    """A uniform prior over a plausible part of a coefficient's valid range, and why."""

    path: str
    low: float
    high: float
    basis: str


PRIORS: tuple[Prior, ...] = (
    Prior(
        "parameters.cha.baseline",
        0.35,
        0.60,
        "The intercept that holds the 2015 target at its start is 0.36 + 0.475 x stance (0.36-0.55 over the "
        "stance prior); 0.05 either side.",
    ),
    Prior(
        "parameters.cha.shared_threat",
        0.2,
        1.2,
        "The grid tried 0.4 and 0.6; a third to twice the default (Cha 1999: threat alone does not erase friction).",
    ),
    Prior(
        "parameters.cha.grievance",
        0.2,
        1.2,
        "The grid tried 0.4-0.8; a third to twice the default.",
    ),
    Prior("parameters.cha.brokerage", 0.4, 1.6, "The grid tried 0.6 and 1.0; 0.4-1.6 around the default."),
    Prior(
        "parameters.cha.stance",
        0.0,
        0.4,
        "The grid and the stance check tried 0-0.3; no pull at all to twice the default.",
    ),
    Prior(
        "parameters.axelrod.reciprocity",
        0.1,
        0.7,
        "The grid tried 0.2-0.6; the valid range stops at 0.95 (pure tit for tat never settles).",
    ),
    Prior(
        "parameters.axelrod.forgiveness",
        0.0,
        0.6,
        "The grid tried 0 and 0.3; generous tit for tat forgives about a third (Wu and Axelrod 1995).",
    ),
    Prior(
        "parameters.axelrod.misperception",
        0.02,
        0.2,
        "Wu and Axelrod (1995) study noise of 1-10% a move; 0.2 was tried and broke pattern 1.",
    ),
    Prior(
        "parameters.axelrod.adjustment_rate",
        0.03,
        0.12,
        "The grid tried 0.04-0.1: half to twice the default, a target reached in roughly 1-3 years.",
    ),
    Prior(
        "parameters.gate.winset_approval",
        0.03,
        0.12,
        "Half to twice the default: a popular government moves 0.02-0.08 a month.",
    ),
    Prior(
        "parameters.gate.antipathy_drag",
        0.3,
        0.9,
        "With 70% unfavourable (Genron NPO 2020) warming room falls by a fifth to two thirds.",
    ),
    Prior(
        "parameters.institutions.ratchet",
        0.1,
        0.9,
        "Assumption without a figure: most of the valid range, short of no ratchet or a full one.",
    ),
    Prior(
        "parameters.ladder.escalation",
        0.5,
        3.0,
        "0.75 and 1.5 were tried (a third and 70% of futures with trade measures by Dec 2019); a third to twice the default.",
    ),
    Prior(
        "parameters.domestic.grievance_reversion",
        0.002,
        0.04,
        "Half-lives of antipathy shocks from 17 months to 29 years (ROK unfavourability 63-77% in 2013-2021 "
        "except May 2019, rok_view_of_japan.csv).",
    ),
)

#: Survey months of the Genron NPO / EAI joint polls (fieldwork): May in 2015 and 2019 (the
#: reports of June 2015 and June 2019), September in 2020 and 2021 (assumed: reports of
#: 19 Oct 2020 and 30 Nov 2021).
SURVEY_MONTH = {2013: "05", 2014: "05", 2015: "05", 2019: "05", 2020: "09", 2021: "09"}


#: Names of the seven distance parts, in order.
PARTS = (*(p.__name__ for p in patterns.PATTERNS), "polls")


@dataclass(frozen=True)
class Poll:
    """One reading of public unfavourability toward the partner: the target of the actor's antipathy."""

    actor: str
    month: str
    share: float


def poll_targets(folder: Path = POLLS, start: str = "2015-01") -> list[Poll]:
    """The Genron NPO / EAI readings from ``start`` to :data:`LAST_YEAR` (unfavourable share, 0..1).

    Mapping: an actor's antipathy toward the partner is the share of its public that views
    the partner unfavourably, as the hindcast's initial values are set (ROK 0.725 = 72.5%).
    Readings after 2021 are never read.
    """
    out = []
    for actor, name in (("ROK", "rok_view_of_japan.csv"), ("JPN", "jpn_view_of_rok.csv")):
        with open(folder / name, newline="") as f:
            for row in csv.DictReader(f):
                year = int(row["year"])
                if year > LAST_YEAR:
                    continue
                month = f"{year}-{SURVEY_MONTH[year]}"
                if month >= start:
                    out.append(Poll(actor, month, float(row["unfavourable_pct"]) / 100))
    return out


def poll_scale(folder: Path = POLLS) -> float:
    """The unit of the poll distance: the pooled standard deviation of the two poll series to
    :data:`LAST_YEAR` around their own means (about 8 points; ROK 9.6, JPN 6.7), how far the
    polls themselves move from year to year."""
    squares, dof = 0.0, 0
    for name in ("rok_view_of_japan.csv", "jpn_view_of_rok.csv"):
        with open(folder / name, newline="") as f:
            shares = np.array(
                [float(r["unfavourable_pct"]) / 100 for r in csv.DictReader(f) if int(r["year"]) <= LAST_YEAR]
            )
        squares += float(np.sum((shares - shares.mean()) ** 2))
        dof += len(shares) - 1
    return float(np.sqrt(squares / dof))


def _antipathy_of(code: str):
    def antipathy(model) -> np.ndarray:
        return model.actor(code).antipathy.copy()

    antipathy.__doc__ = f"Public antipathy of {code} toward the partner ally, 0..1."
    return antipathy


#: Traces of the actors' antipathy: the model records none, so they are computed month by month
#: as user step metrics (:func:`alliance_sim.metrics.extra_metrics`) while a calibration runs.
ANTIPATHY = {"antipathy_rok": _antipathy_of("ROK"), "antipathy_jpn": _antipathy_of("JPN")}


@contextmanager
def antipathy_traces() -> Iterator[None]:
    """Record :data:`ANTIPATHY` in the runs inside this block, then unregister them."""
    added = [name for name in ANTIPATHY if name not in metrics.STEP_METRICS]
    metrics.STEP_METRICS.update({name: ANTIPATHY[name] for name in added})
    try:
        yield
    finally:
        for name in added:
            metrics.STEP_METRICS.pop(name, None)


def poll_distance(
    scenario: Scenario, mean: Mapping[str, np.ndarray], polls: Sequence[Poll], scale: float
) -> np.ndarray:
    """Root-mean-square gap between mean antipathy in the survey months and the polls, in units of ``scale``.

    ``mean`` holds the ensemble-mean antipathy traces (months, ...) of :data:`ANTIPATHY`.
    """
    gaps = [mean[f"antipathy_{p.actor.lower()}"][month_index(scenario.start, p.month)] - p.share for p in polls]
    return np.sqrt(np.mean(np.square(gaps), axis=0)) / scale


def distance_parts(scenario: Scenario, h: patterns.Hindcast, polls: Sequence[Poll], scale: float) -> np.ndarray:
    """The seven distance parts (:data:`PARTS`) of each ensemble in ``h``: (7, ...)."""
    return np.concatenate([patterns.distances(h), poll_distance(scenario, h.mean, polls, scale)[None]])


def check_priors(priors: Sequence[Prior]) -> None:
    """Raise ValueError for a prior outside its coefficient's valid range, or an empty one."""
    for p in priors:
        lo, hi = bounds(p.path)
        if not lo <= p.low < p.high <= hi:
            raise ValueError(f"{p.path}: prior [{p.low}, {p.high}] must be non-empty and inside [{lo}, {hi}]")


def round_value(x: float) -> float:
    """A coefficient as stored: 6 significant digits (the value run is the value written)."""
    return float(f"{x:.6g}")


def sample_prior(n: int, seed: int, priors: Sequence[Prior] = PRIORS) -> np.ndarray:
    """``n`` candidate sets (n, K) from the uniform priors: a scrambled Sobol sequence seeded by ``seed``.

    Values are rounded as stored (:func:`round_value`) and stay within the priors.
    """
    check_priors(priors)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    unit = qmc.Sobol(len(priors), scramble=True, seed=rng).random(n)
    low, high = np.array([p.low for p in priors]), np.array([p.high for p in priors])
    values = np.vectorize(round_value)(qmc.scale(unit, low, high))
    return np.clip(values, low, high)


def simulate(
    scenario: Scenario, values: np.ndarray, paths: Sequence[str], first: int, r: int, point: int = 0
) -> dict[str, np.ndarray]:
    """Run candidates ``first..first+len(values)-1`` as one ensemble, ``r`` replications each.

    Returns every trace as (months, candidates, r), with the antipathy traces.
    """
    n = len(values)
    reps = np.arange(first * r, (first + n) * r)
    columns = {path: np.repeat(values[:, k], r) for k, path in enumerate(paths)}
    with antipathy_traces():
        model = AllianceModel(scenario, ensemble=build([(scenario, point, reps)], columns), collect=False)
        model.run()
    return {k: v.reshape(v.shape[0], n, r) for k, v in model.trace.items()}


def _chunk_parts(task) -> np.ndarray:
    scenario, values, paths, first, r, point, polls, scale = task
    trace = simulate(scenario, values, paths, first, r, point)
    return distance_parts(scenario, patterns.Candidates(scenario, trace), polls, scale)


def evaluate(
    scenario: Scenario,
    values: np.ndarray,
    paths: Sequence[str],
    r: int,
    point: int = 0,
    chunk: int = 1024,
    workers: int = 1,
    polls: Sequence[Poll] | None = None,
) -> np.ndarray:
    """The distance parts (7, n) of ``n`` candidate sets, ``r`` replications each.

    Candidates run in chunks of ``chunk``, on ``workers`` processes; the result does not depend on either.
    """
    polls = poll_targets(start=scenario.start) if polls is None else polls
    scale = poll_scale()
    tasks = [
        (scenario, values[i : i + chunk], tuple(paths), i, r, point, tuple(polls), scale)
        for i in range(0, len(values), chunk)
    ]
    if workers > 1 and len(tasks) > 1:
        # spawned, not forked: the caller may run threads (a fork would copy their locks)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            parts = list(pool.map(_chunk_parts, tasks))
    else:
        parts = [_chunk_parts(t) for t in tasks]
    return np.concatenate(parts, axis=1)


def total(parts: np.ndarray) -> np.ndarray:
    """The distance of a candidate: the sum of its seven parts."""
    return parts.sum(axis=0)


@dataclass(frozen=True)
class Schedule:
    """A decreasing tolerance schedule: tolerance t accepts the candidates with distance <= eps[t]."""

    rates: tuple[float, ...]
    eps: tuple[float, ...]
    accepted: tuple[int, ...]


def schedule(distance: np.ndarray, rates: Sequence[float]) -> Schedule:
    """Tolerances at which the best ``rates`` shares of the candidates are accepted.

    Each tolerance is the distance of the ceil(rate x n)-th best candidate (ties broken by
    candidate number); candidates tied with it are accepted too.
    """
    order = np.lexsort((np.arange(len(distance)), distance))
    eps, accepted = [], []
    for rate in rates:
        k = max(int(np.ceil(rate * len(distance))), 1)
        e = float(distance[order[k - 1]])
        eps.append(e)
        accepted.append(int((distance <= e).sum()))
    return Schedule(tuple(rates), tuple(eps), tuple(accepted))


def posterior_csv(paths: Sequence[str], values: np.ndarray) -> bytes:
    """The posterior file: a header of dotted paths, one accepted set per row, 6 significant digits."""
    out = io.StringIO()
    out.write(",".join(paths) + "\n")
    for row in values:
        out.write(",".join(f"{v:.6g}" for v in row) + "\n")
    return out.getvalue().encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_posterior(path: str | Path) -> tuple[list[str], np.ndarray]:
    """The dotted paths and the accepted sets (n, K) of a posterior file."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array(rows[1:], dtype=float)


def with_seed(scenario: Scenario, seed: int) -> Scenario:
    """The hindcast with the calibration's root seed."""
    return apply_overrides(scenario, {"seed": seed}, origin=" (calibration seed)")


@dataclass(frozen=True)
class Calibration:
    """The candidates of one calibration, their distance parts and the tolerance schedule."""

    priors: tuple[Prior, ...]
    values: np.ndarray
    parts: np.ndarray
    schedule: Schedule

    @property
    def paths(self) -> list[str]:
        return [p.path for p in self.priors]

    @property
    def distance(self) -> np.ndarray:
        return total(self.parts)

    @property
    def accepted(self) -> np.ndarray:
        """Whether each candidate is within the last tolerance."""
        return self.distance <= self.schedule.eps[-1]

    @property
    def posterior(self) -> np.ndarray:
        """The accepted sets (n, K), in candidate order."""
        return self.values[self.accepted]


def calibrate(
    scenario: Scenario,
    n: int,
    r: int,
    seed: int,
    rates: Sequence[float],
    workers: int = 1,
    chunk: int = 1024,
    priors: Sequence[Prior] = PRIORS,
) -> Calibration:
    """Rejection ABC: ``n`` prior candidates, ``r`` replications each, the tolerances of ``rates``.

    ``scenario`` runs with root seed ``seed`` (:func:`with_seed`); the same seed gives the same
    accepted sets whatever ``workers`` and ``chunk``.
    """
    scenario = with_seed(scenario, seed)
    values = sample_prior(n, seed, priors)
    parts = evaluate(scenario, values, [p.path for p in priors], r, 0, chunk, workers)
    return Calibration(tuple(priors), values, parts, schedule(total(parts), rates))


def marginals(priors: Sequence[Prior], values: np.ndarray) -> list[dict]:
    """Per coefficient: prior range, posterior median, 5% and 95% quantiles, and the posterior's
    standard deviation as a share of the prior's (below 1: the data narrowed it)."""
    out = []
    for k, p in enumerate(priors):
        v = values[:, k]
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95])
        prior_sd = (p.high - p.low) / np.sqrt(12)
        out.append(
            {
                "path": p.path,
                "prior": [p.low, p.high],
                "median": float(q50),
                "q05": float(q05),
                "q95": float(q95),
                "sd_ratio": float(v.std() / prior_sd),
            }
        )
    return out


def correlations(values: np.ndarray) -> np.ndarray:
    """Pairwise Pearson correlations (K, K) of the accepted sets."""
    return np.corrcoef(values, rowvar=False)
