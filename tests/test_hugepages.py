"""Importing the engine turns numpy's huge-page advice off, unless the user set numpy's own switch."""

import os
import subprocess
import sys

PROBE = (
    "import numpy as np; from alliance_sim import hugepages; import alliance_sim.model; "
    "print(hugepages._multiarray()._get_madvise_hugepage())"
)


def advice_after_import(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip()


def test_the_engine_turns_the_advice_off():
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert advice_after_import(env) == "False"


def test_numpys_switch_wins():
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert advice_after_import({**env, "NUMPY_MADVISE_HUGEPAGE": "1"}) == "True"
    assert advice_after_import({**env, "NUMPY_MADVISE_HUGEPAGE": "0"}) == "False"
