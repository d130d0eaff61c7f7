"""Make docs/figures/explore.png (and explore_latency.json) with the explorer's browser test.

Runs tests/test_browser.py with ALLIANCE_SIM_SCREENSHOTS=docs/figures, so the README's
screenshot is exactly what that test saw after moving a slider. Needs the viz extra,
selenium and Debian's chromium + chromium-driver.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    env = dict(os.environ, ALLIANCE_SIM_SCREENSHOTS=str(ROOT / "docs" / "figures"))
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/test_browser.py",
        "-q",
        "-s",
        "--no-cov",
        "-p",
        "no:cacheprovider",
    ]
    sys.exit(subprocess.call(command, cwd=ROOT, env=env))
