from pathlib import Path
from textwrap import dedent

import pytest

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "base.yaml"

MINIMAL = """\
name: tiny
start: 2025-01
months: 12
replications: 20
seed: 7
events:
  prk_tests: {type: missile_tests, rate_per_month: 3, from: 2025-01}
"""


@pytest.fixture
def write(tmp_path):
    """Write a dedented YAML text to tmp_path/name and return its path."""

    def _write(text: str, name: str = "s.yaml") -> Path:
        path = tmp_path / name
        path.write_text(dedent(text), encoding="utf-8")
        return path

    return _write
