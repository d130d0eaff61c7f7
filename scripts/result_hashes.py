"""Print the SHA-256 of runs.parquet and series.parquet for every shipped scenario and sweep.

A refactor that must change no result is checked by running this before and after:

    python scripts/result_hashes.py > before.json   # on the old commit
    python scripts/result_hashes.py > after.json    # on the new one
    diff before.json after.json

Every file runs with its own seed and size, on one worker, into a temporary folder, at the
point estimates (``--parameters defaults``: the hashes do not depend on the posterior file).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    files = sorted(ROOT.glob("scenarios/**/*.yaml")) + sorted(ROOT.glob("sweeps/*.yaml"))
    hashes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, file in enumerate(files):
            out = Path(tmp) / str(i)
            cmd = [sys.executable, "-m", "alliance_sim.cli", str(file), "--out", str(out), "--quiet"]
            cmd += ["--parameters", "defaults"]
            if file.parent.name == "sweeps":
                cmd += ["--workers", "1"]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            name = str(file.relative_to(ROOT))
            hashes[name] = {p: digest(out / p) for p in ("runs.parquet", "series.parquet")}
            print(name, hashes[name]["runs.parquet"][:16], file=sys.stderr)
    print(json.dumps(hashes, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
