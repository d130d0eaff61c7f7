"""Draw the 2015-2021 hindcast figure for docs/calibration.md.

Monthly ensemble means of ROK-JPN, ROK-US and JPN-US cooperation with 5-95% bands,
the calibration patterns marked, and the rupture threshold.

    python scripts/hindcast_figure.py [--replications 1000] [--out docs/figures/hindcast.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from alliance_sim import simulate

ROOT = Path(__file__).resolve().parents[1]
DYADS = {"coop_rok_jpn": "ROK-JPN", "coop_rok_usa": "ROK-US", "coop_jpn_usa": "JPN-US"}
MARKS = [
    ("2017-09", "1. threat spike"),
    ("2018-04", "2. detente"),
    ("2018-10", "ruling"),
    ("2019-08", "3. 2019 dispute"),
    ("2020-06", "4. freeze"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replications", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "hindcast.png")
    args = ap.parse_args()
    # the point estimates, whose patterns docs/calibration.md describes (not posterior draws)
    res = simulate(
        ROOT / "scenarios" / "hindcast" / "2015_2021.yaml", replications=args.replications, parameters="defaults"
    )
    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    for metric, label in DYADS.items():
        s = res.metric(metric)
        line = ax.plot(s.index, s["mean"], label=f"{label} (mean)")[0]
        ax.fill_between(s.index, s["p05"], s["p95"], color=line.get_color(), alpha=0.2, label=f"{label} 5-95%")
    threshold = res.manifest["scenario"]["parameters"]["thresholds"]["rupture"]
    ax.axhline(threshold, color="black", linestyle=":", label=f"latent threshold ({threshold})")
    for month, text in MARKS:
        x = pd.Timestamp(month)
        ax.axvline(x, color="grey", linewidth=0.8)
        ax.text(x, 0.97, text, rotation=90, va="top", ha="right", fontsize=8, transform=ax.get_xaxis_transform())
    ax.set_ylim(0, 1)
    ax.set_xlabel("month")
    ax.set_ylabel("cooperation (0-1 index)")
    ax.set_title(f"Hindcast 2015-2021: {res.manifest['replications']} replications, calibration patterns marked")
    ax.legend(loc="lower left", ncols=3, fontsize=8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
