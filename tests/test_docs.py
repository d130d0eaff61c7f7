"""The generated tables in docs/ equal what the registries produce now."""

import re
import subprocess
import sys

import pytest
from conftest import ROOT

from alliance_sim.calibration import SOURCES
from alliance_sim.coefficients import coefficient_registry
from alliance_sim.events import EVENT_TYPES
from alliance_sim.reference import BLOCK, render, update

DOCS = sorted((ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_generated_blocks_are_current(path):
    text = path.read_text(encoding="utf-8")
    assert render(text) == text, f"run: python -m alliance_sim.reference  ({path.name} is stale)"


def test_odd_has_every_section_and_table():
    text = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    for section in (
        "Purpose and patterns",
        "Entities, state variables and scales",
        "Process overview and scheduling",
        "Design concepts",
        "Initialisation",
        "Input data",
        "Submodels",
    ):
        assert section in text
    assert {m.group(2) for m in BLOCK.finditer(text)} == {"coefficients", "events", "metrics"}
    for row in coefficient_registry():
        assert f"`{row['path']}`" in text
    for name in EVENT_TYPES:
        assert re.search(rf"\| `{name}` \|", text)


def test_update_rewrites_stale_blocks(tmp_path):
    doc = tmp_path / "x.md"
    doc.write_text("a\n<!-- BEGIN generated:events -->\nSTALE-TEXT\n<!-- END generated:events -->\n")
    assert update(tmp_path) == [doc]
    assert "missile_tests" in doc.read_text() and "STALE-TEXT" not in doc.read_text()
    assert update(tmp_path) == []


def test_every_coefficient_has_a_documented_basis():
    paths = {r["path"] for r in coefficient_registry()}
    assert set(SOURCES) == paths
    assert all(kind in {"hindcast", "data", "assumption"} and why for kind, why in SOURCES.values())
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    assert "<!-- BEGIN generated:calibration -->" in text and "figures/hindcast.png" in text


def test_scenario_tables_are_current():
    # docs/scenarios.md holds tables computed from real runs; they must match the current code.
    script = ROOT / "scripts" / "scenario_tables.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"stale: run python scripts/scenario_tables.py\n{done.stderr}"
