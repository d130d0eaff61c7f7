"""Calibrate the hindcast coefficients on 2015-2021: the ABC posterior, or the earlier grid search.

The default regenerates the posterior of approximate Bayesian computation
(:mod:`alliance_sim.abc`): 65,536 candidate sets from the priors, each run as 16
replications of scenarios/hindcast/2015_2021.yaml, distances to the five
calibration patterns and to the Genron NPO / EAI polls up to 2021, rejection
along a tolerance schedule. It writes data/posterior/v1.csv (the accepted
sets) and v1.json (seed, schedule, acceptance rates, priors, marginals,
correlations, the checks of the posterior, the csv's sha256). The same seed
gives the same files, whatever the number of workers. Only 2015-2021 is used;
2022-2025 is held out.

    python scripts/calibrate.py [--workers 2] [--out data/posterior]
    python scripts/calibrate.py --grid [--replications 300] [--top 20]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from pathlib import Path

import numpy as np

from alliance_sim import abc, load_scenario, patterns
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import apply_overrides

ROOT = Path(__file__).resolve().parents[1]
HINDCAST = ROOT / "scenarios" / "hindcast" / "2015_2021.yaml"
OUT = ROOT / "data" / "posterior"
VERSION = "v1"

SEED = 20152021
CANDIDATES = 2**16
REPLICATIONS = 16  # per candidate: a small ensemble, so that shares of futures are defined
RATES = (1, 1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64)  # the tolerance schedule: 1,024 sets at the end
CHECK_REPLICATIONS = 64  # per accepted set, when checking the posterior
PREDICTIVE_REPLICATIONS = 8  # per accepted set, in the pooled posterior-predictive ensemble
DEFAULT_SETS = 64  # ensembles of the defaults, CHECK_REPLICATIONS futures each
# Points (random-number addresses) of the runs after the calibration: fresh futures for each check.
CHECK_POINT, DEFAULTS_POINT, PRIOR_POINT, PREDICTIVE_POINT = 1, 2, 3, 4

GRID = {
    "parameters.axelrod.reciprocity": [0.2, 0.4, 0.6],
    "parameters.axelrod.forgiveness": [0.0, 0.3],
    "parameters.axelrod.adjustment_rate": [0.04, 0.06, 0.1],
    "parameters.cha.stance": [0.1, 0.2],
    "parameters.cha.grievance": [0.4, 0.6, 0.8],
    "parameters.cha.shared_threat": [0.4, 0.6],
    "parameters.cha.brokerage": [0.6, 1.0],
}


def sig(x, digits: int = 6):
    """Floats (also inside lists and dicts) to ``digits`` significant digits: a stable JSON file."""
    if isinstance(x, dict):
        return {k: sig(v, digits) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [sig(v, digits) for v in x]
    if isinstance(x, float | np.floating):
        return float(f"{float(x):.{digits}g}")
    if isinstance(x, np.integer):
        return int(x)
    return x


def pass_shares(parts: np.ndarray) -> dict:
    """Share of ensembles whose pattern distance is 0 (the check holds), each pattern and all of them;
    the median poll distance (the last part)."""
    every = len(patterns.PATTERNS)
    held = parts[:every] == 0
    shares = {name: float(held[k].mean()) for k, name in enumerate(abc.PARTS[:every])}
    return shares | {"all": float(held.all(axis=0).mean()), "poll_distance_median": float(np.median(parts[-1]))}


def defaults(scenario, paths) -> np.ndarray:
    p = scenario.parameters
    return np.array([abc.round_value(getattr(getattr(p, path.split(".")[1]), path.split(".")[2])) for path in paths])


def pooled_checks(scenario, values, paths, workers: int) -> dict:
    """The checks on one ensemble of every accepted set x PREDICTIVE_REPLICATIONS (parameter x stochastic uncertainty)."""
    trace = abc.simulate(scenario, values, paths, 0, PREDICTIVE_REPLICATIONS, PREDICTIVE_POINT)
    flat = {k: v.reshape(v.shape[0], -1) for k, v in trace.items()}
    h = patterns.Hindcast(scenario, flat)
    out = {}
    for check in patterns.check_all(scenario, flat):
        out[check.name] = {"holds": check.holds, "figures": check.figures}
    polls = abc.poll_targets(start=scenario.start)
    out["polls"] = {
        f"{p.actor} {p.month}": {
            "poll": p.share,
            "model": float(h.mean[f"antipathy_{p.actor.lower()}"][h.month(p.month)]),
        }
        for p in polls
    }
    return out


def posterior(args) -> None:
    started = time.perf_counter()
    base = load_scenario(HINDCAST)
    cal = abc.calibrate(base, CANDIDATES, REPLICATIONS, SEED, RATES, workers=args.workers)
    scenario = abc.with_seed(base, SEED)
    paths, post = cal.paths, cal.posterior
    data = abc.posterior_csv(paths, post)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{VERSION}.csv").write_bytes(data)
    print(f"{len(post)} accepted sets of {CANDIDATES} -> {out / f'{VERSION}.csv'} sha256 {abc.sha256(data)}")

    # Checks of the posterior on fresh futures: each set as an ensemble of CHECK_REPLICATIONS, the
    # defaults and a prior sample of the same size alike; then all sets pooled.
    n = len(post)
    checks = {
        "posterior": pass_shares(
            abc.evaluate(scenario, post, paths, CHECK_REPLICATIONS, CHECK_POINT, workers=args.workers)
        ),
        "defaults": pass_shares(
            abc.evaluate(
                scenario,
                np.tile(defaults(scenario, paths), (DEFAULT_SETS, 1)),
                paths,
                CHECK_REPLICATIONS,
                DEFAULTS_POINT,
            )
        ),
        "prior": pass_shares(
            abc.evaluate(scenario, cal.values[:n], paths, CHECK_REPLICATIONS, PRIOR_POINT, workers=args.workers)
        ),
    }
    pooled = pooled_checks(scenario, post, paths, args.workers)
    accepted_parts = cal.parts[:, cal.accepted]
    corr = abc.correlations(post)
    meta = {
        "script": "scripts/calibrate.py",
        "file": f"{VERSION}.csv",
        "sha256": abc.sha256(data),
        "scenario": "scenarios/hindcast/2015_2021.yaml",
        "period": "2015-01..2021-12 (no 2022+ data)",
        "method": "rejection ABC over a scrambled Sobol sample of the uniform priors, decreasing tolerance schedule",
        "seed": SEED,
        "candidates": CANDIDATES,
        "replications_per_candidate": REPLICATIONS,
        "distance": {
            "parts": list(abc.PARTS),
            "total": "sum of the seven parts",
            "poll_scale": abc.poll_scale(),
            "polls": [{"actor": p.actor, "month": p.month, "share": p.share} for p in abc.poll_targets()],
        },
        "schedule": [
            {"rate": rate, "tolerance": eps, "accepted": k, "acceptance_rate": k / CANDIDATES}
            for rate, eps, k in zip(cal.schedule.rates, cal.schedule.eps, cal.schedule.accepted, strict=True)
        ],
        "accepted": n,
        "priors": [{"path": p.path, "low": p.low, "high": p.high, "basis": p.basis} for p in cal.priors],
        "marginals": abc.marginals(cal.priors, post),
        "correlations": {"paths": paths, "matrix": corr.tolist()},
        "accepted_parts_median": dict(zip(abc.PARTS, np.median(accepted_parts, axis=1).tolist(), strict=True)),
        "checks": {
            "replications_per_set": CHECK_REPLICATIONS,
            "sets": n,
            "pass_shares": checks,
            "pooled": {"replications_per_set": PREDICTIVE_REPLICATIONS, **pooled},
        },
    }
    (out / f"{VERSION}.json").write_text(json.dumps(sig(meta), indent=1, sort_keys=False) + "\n")
    print_report(cal, meta)
    print(f"wall {time.perf_counter() - started:.1f} s on {args.workers} worker(s)")


def print_report(cal, meta) -> None:
    print("\ntolerance schedule:")
    for row in meta["schedule"]:
        print(f"  eps {row['tolerance']:8.4f}  accepted {row['accepted']:6d}  rate {row['acceptance_rate']:.4f}")
    print("\nmarginals (prior range, posterior median [5%, 95%], sd / prior sd):")
    for m in meta["marginals"]:
        lo, hi = m["prior"]
        print(
            f"  {m['path']:<42} [{lo:g}, {hi:g}]  {m['median']:.4g} [{m['q05']:.4g}, {m['q95']:.4g}]  {m['sd_ratio']:.2f}"
        )
    paths, corr = meta["correlations"]["paths"], np.array(meta["correlations"]["matrix"])
    print("\ncorrelations |r| >= 0.15:")
    for i, j in itertools.combinations(range(len(paths)), 2):
        if abs(corr[i, j]) >= 0.15:
            print(f"  {paths[i].split('.', 1)[1]:<30} {paths[j].split('.', 1)[1]:<30} {corr[i, j]:+.2f}")
    print("\npass shares (each set an ensemble of", meta["checks"]["replications_per_set"], "futures):")
    for who, shares in meta["checks"]["pass_shares"].items():
        print(f"  {who:<10}", "  ".join(f"{k}={v:.2f}" for k, v in shares.items()))
    print("\npooled posterior-predictive ensemble:")
    for name, c in meta["checks"]["pooled"].items():
        if name == "polls":
            print("  polls:", ", ".join(f"{k} {v['poll']:.3f}/{v['model']:.3f}" for k, v in c.items()))
        elif name != "replications_per_set":
            print(f"  {'holds ' if c['holds'] else 'FAILS '} {name}: {c['figures']}")


def evaluate(scenario, replications: int) -> list[patterns.Check]:
    _, trace = run_ensemble(scenario, 0, range(replications))
    return patterns.check_all(scenario, trace)


def grid(args) -> None:
    """The grid search that chose the earlier hindcast defaults (see docs/calibration.md)."""
    base = load_scenario(HINDCAST)
    rows = []
    for values in itertools.product(*GRID.values()):
        checks = evaluate(apply_overrides(base, dict(zip(GRID, values, strict=True))), args.replications)
        rows.append((sum(c.holds for c in checks), values, "".join("x" if c.holds else "." for c in checks)))
    rows.sort(key=lambda r: -r[0])
    names = [k.split(".", 1)[1] for k in GRID]
    every = len(patterns.PATTERNS)
    print(f"{len(rows)} combinations; all {every} patterns hold in {sum(r[0] == every for r in rows)}")
    print("held  patterns  " + "  ".join(names))
    for held, values, marks in rows[: args.top]:
        print(f"{held:>4}  {marks:>8}  " + "  ".join(f"{v:>{len(n)}g}" for v, n in zip(values, names, strict=True)))
    for key in GRID:
        share = {v: sum(r[0] == every for r in rows if r[1][list(GRID).index(key)] == v) for v in GRID[key]}
        print(f"all-pass count by {key}: {share}")
    print("\ncurrent defaults:")
    for c in evaluate(base, args.replications):
        figures = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in c.figures.items())
        print(f"  {'holds ' if c.holds else 'FAILS '} {c.name}: {figures}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", action="store_true", help="run the earlier grid search instead of ABC")
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="processes (ABC)")
    ap.add_argument("--out", default=str(OUT), help="folder of the posterior files (ABC)")
    ap.add_argument("--replications", type=int, default=300, help="replications per combination (grid)")
    ap.add_argument("--top", type=int, default=20, help="combinations listed (grid)")
    args = ap.parse_args(argv)
    grid(args) if args.grid else posterior(args)


if __name__ == "__main__":
    main()
