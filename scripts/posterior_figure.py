"""Draw the posterior-predictive 2015-2021 figure for docs/calibration.md.

Every accepted set of data/posterior/v1.csv runs a few futures of the hindcast; the bands
are quantiles over all of them (parameter x stochastic uncertainty), against the windows
of the five calibration patterns and the Genron NPO / EAI polls up to 2021. A prior
sample of the same size is drawn for contrast, and the defaults' mean.

    python scripts/posterior_figure.py [--replications 4] [--out docs/figures/posterior_predictive.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from alliance_sim import abc, load_scenario
from alliance_sim.run import month_dates, run_ensemble

ROOT = Path(__file__).resolve().parents[1]
POSTERIOR = ROOT / "data" / "posterior" / "v1.csv"
# Random-number points of the figure's runs: fresh futures, none of the calibration's.
POSTERIOR_POINT, PRIOR_POINT, DEFAULTS_POINT = 5, 6, 7
WINDOWS = [  # (first, last, label) of each pattern
    ("2017-06", "2017-12", "1"),
    ("2018-01", "2018-12", "2"),
    ("2019-01", "2019-12", "3, T"),  # T: the 2019 timing (pattern 5, THAAD, has no panel: ROK-China series)
    ("2020-01", "2021-12", "4"),
]
POST, PRIOR, DEFAULT = "tab:blue", "0.6", "black"


def flat(trace: dict) -> dict:
    return {k: v.reshape(v.shape[0], -1) for k, v in trace.items()}


def band(ax, x, v, colour, label, inner=True):
    q = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    ax.fill_between(x, q[0], q[4], color=colour, alpha=0.18, linewidth=0, label=f"{label} 5-95%")
    if inner:
        ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, linewidth=0, label=f"{label} 25-75%")
        ax.plot(x, q[2], color=colour, linewidth=1.2, label=f"{label} median")


def windows(ax):
    for k, (first, last, label) in enumerate(WINDOWS):
        a, b = pd.Timestamp(first), pd.Timestamp(last) + pd.offsets.MonthEnd(0)
        ax.axvspan(a, b, color="0.5", alpha=0.12 if k % 2 == 0 else 0.04, linewidth=0)
        ax.text(a, 0.99, f" P{label}", va="top", fontsize=7, color="0.35", transform=ax.get_xaxis_transform())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=4, help="futures per posterior set")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "posterior_predictive.png")
    args = ap.parse_args()
    meta = json.loads(POSTERIOR.with_suffix(".json").read_text())
    scenario = abc.with_seed(load_scenario(abc.HINDCAST), meta["seed"])
    paths, post = abc.read_posterior(POSTERIOR)
    n, r = len(post), args.replications
    prior_values = abc.sample_prior(n, meta["seed"])  # the calibration's first n candidates
    post_t = flat(abc.simulate(scenario, post, paths, 0, r, POSTERIOR_POINT))
    prior_t = flat(abc.simulate(scenario, prior_values, paths, 0, r, PRIOR_POINT))
    with abc.antipathy_traces():
        default_t = run_ensemble(scenario, DEFAULTS_POINT, range(n * r))[1]
    x = month_dates(scenario)
    threshold = scenario.parameters.thresholds.rupture

    fig, axes = plt.subplots(3, 2, figsize=(12, 12), layout="constrained")
    (a, b), (c, d), (e, f) = axes

    band(a, x, prior_t["coop_rok_jpn"], PRIOR, "prior", inner=False)
    band(a, x, post_t["coop_rok_jpn"], POST, "posterior")
    a.plot(
        x, default_t["coop_rok_jpn"].mean(axis=1), color=DEFAULT, linestyle="--", linewidth=1, label="defaults, mean"
    )
    a.axhline(threshold, color="black", linestyle=":", linewidth=0.8, label=f"latent threshold {threshold}")
    a.set_title("ROK-JPN cooperation (patterns 2, 3, 4)")

    band(b, x, post_t["coop_rok_usa"], "tab:orange", "ROK-US")
    band(b, x, post_t["coop_jpn_usa"], "tab:green", "JPN-US")
    b.hlines([0.75, 0.8], pd.Timestamp("2017-01"), pd.Timestamp("2017-12"), colors=["tab:orange", "tab:green"])
    b.set_title("US dyads (P1: 2017 above 0.75 and 0.8; P3: small 2019 dip)")

    band(c, x, prior_t["cohesion"], PRIOR, "prior", inner=False)
    band(c, x, post_t["cohesion"], POST, "posterior")
    c.plot(x, default_t["cohesion"].mean(axis=1), color=DEFAULT, linestyle="--", linewidth=1, label="defaults, mean")
    c.set_title("Trilateral cohesion (pattern 1: rises 0-0.05 after Sep 2017)")

    band(d, x, prior_t["threat_rok"], PRIOR, "prior", inner=False)
    band(d, x, post_t["threat_rok"], POST, "posterior")
    d.set_title("ROK threat (pattern 1: rises > 0.1 after Sep 2017)")

    for trace, colour, label in ((prior_t, PRIOR, "prior"), (post_t, POST, "posterior")):
        on = trace["trade_measures"] > 0
        e.plot(x, on.mean(axis=1), color=colour, label=f"{label}: trade measures in force")
        e.plot(x, np.maximum.accumulate(on, axis=0).mean(axis=1), color=colour, linestyle="--", label=f"{label}: ever")
    years = range(2015, 2022)
    below = post_t["coop_rok_jpn"] < threshold
    shares = [below[(y - 2015) * 12 : (y - 2014) * 12].any(axis=0).mean() for y in years]
    e.bar(
        [pd.Timestamp(f"{y}-07") for y in years],
        shares,
        width=300,
        color=POST,
        alpha=0.35,
        label="posterior: share below the latent threshold",
    )
    e.axvline(pd.Timestamp("2019-07"), color="crimson", linewidth=1, label="export controls (record, 2019-07)")
    e.set_title("Trade measures; share below the latent threshold (P3, timing T)")

    polls = pd.concat(
        [
            pd.read_csv(abc.POLLS / "rok_view_of_japan.csv").assign(actor="ROK"),
            pd.read_csv(abc.POLLS / "jpn_view_of_rok.csv").assign(actor="JPN"),
        ]
    )
    polls = polls[polls.year <= abc.LAST_YEAR]  # 2022+ is held out
    for actor, colour in (("ROK", "tab:purple"), ("JPN", "tab:brown")):
        band(f, x, post_t[f"antipathy_{actor.lower()}"], colour, f"{actor} antipathy")
        f.plot(x, default_t[f"antipathy_{actor.lower()}"].mean(axis=1), color=colour, linestyle="--", linewidth=1)
        rows = polls[polls.actor == actor]
        when = [pd.Timestamp(f"{y}-{abc.SURVEY_MONTH[y]}") for y in rows.year]
        inside = [t >= x[0] for t in when]
        f.scatter(
            when,
            rows.unfavourable_pct / 100,
            color=[colour if i else "white" for i in inside],
            edgecolors=colour,
            zorder=3,
            label=f"{actor} unfavourable (Genron NPO/EAI; hollow: before 2015)",
        )
    f.set_title("Public antipathy vs polls (dashed: defaults)")
    f.set_xlim(pd.Timestamp("2013-01"), x[-1])

    for ax in axes.flat:
        windows(ax)
        ax.legend(fontsize=7, loc="lower right" if ax is f else "lower left", ncols=1 if ax is f else 2)
    for ax in (a, b, c, d, f):
        ax.set_ylim(0, 1)
    fig.suptitle(
        f"Posterior predictive, 2015-2021: {n} accepted sets x {r} futures (data/posterior/v1.csv); "
        f"prior: {n} candidates x {r}",
        fontsize=11,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
