"""The scenario library: every scenario runs through simulate, and its headline
effect against base has the direction its storyline implies."""

import pytest
from conftest import ROOT

from alliance_sim.cli import main
from alliance_sim.run import simulate

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "scenarios" / "hindcast").glob("*.yaml"))
R = 500


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_smoke(path, tmp_path):
    assert main([str(path), "-n", "20", "--months", "12", "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert (tmp_path / "r" / "manifest.json").is_file()


_cache = {}


def mean_of(name, metric, month=None):
    """Ensemble mean of ``metric`` over the horizon (or at ``month``) for a scenario."""
    if name not in _cache:
        _cache[name] = simulate(ROOT / "scenarios" / f"{name}.yaml", replications=R).series
    s = _cache[name]
    s = s[s.metric == metric]
    return (s[s.month == month] if month else s)["mean"].mean()


@pytest.mark.parametrize(
    ("name", "metric", "sign", "month"),
    [
        ("missile_tests", "threat_rok", +1, None),  # more launches, more threat (Walt)
        ("missile_tests", "coop_jpn_usa", +1, None),  # and closer to the patron (Snyder)
        ("missile_tests", "coop_rok_jpn", +1, None),  # and to each other (Cha)
        ("dprk_russia", "prk_tests", +1, None),  # Russian backing emboldens PRK
        ("dprk_russia", "threat_jpn", +1, None),
        ("china_maritime", "chn_pressure", +1, None),  # the wedge
        ("china_maritime", "threat_jpn", +1, None),
        ("us_burden_sharing", "abandonment_rok", +1, None),  # Snyder
        ("us_burden_sharing", "coop_rok_jpn", -1, None),  # asymmetric abandonment (Cha)
        ("history_flareup", "coop_rok_jpn", -1, None),  # grievance
        ("political_transition", "coop_rok_jpn", -1, 24),  # a longer interim, then a likely progressive win
        ("compound", "abandonment_rok", +1, None),
        ("compound", "threat_rok", +1, None),
    ],
)
def test_headline_direction_against_base(name, metric, sign, month):
    diff = mean_of(name, metric, month) - mean_of("base", metric, month)
    assert sign * diff > 0.005, f"{name}: {metric} differs from base by {diff:+.4f}"
