"""AllianceModel the Mesa way: constructor, stepping, DataCollector, mesa.batch_run."""

import mesa
import numpy as np
import pandas as pd
import pytest
from conftest import BASE

from alliance_sim import load_scenario
from alliance_sim.metrics import STEP_METRICS
from alliance_sim.model import AGENT_VARIABLES, AllianceModel
from alliance_sim.run import run_ensemble
from alliance_sim.scenario import ScenarioError


def engine(seed=3, months=24, replications=8, **overrides):
    """The ensemble engine's traces, and its ROK/JPN agent vectors after every month."""
    s = load_scenario(BASE, {"seed": seed, "months": months, "replications": replications, **overrides})
    _, trace = run_ensemble(s)
    model = AllianceModel(s, replications=replications, collect=False)
    agents = []
    for _ in range(months):
        model.step()
        agents.append({code: model.states[code].approval.copy() for code in ("ROK", "JPN")})
    return trace, agents


def test_mesa_way_steps_to_the_horizon_and_matches_the_engine():
    model = AllianceModel(BASE, replications=5, seed=3, months=24)
    assert model.R == 5 and model.running
    while model.running:
        model.step()
    assert model.steps == 24
    trace, agents = engine()
    table = model.model_table()
    assert len(table) == 24 * 5 and list(table.replication[:5]) == [0, 1, 2, 3, 4]
    for name in STEP_METRICS:
        np.testing.assert_array_equal(table[name].to_numpy().reshape(24, 5), trace[name][:, :5])
    people = model.agent_table()
    assert len(people) == 24 * 5 * 5 and set(people.columns) >= {"month", "date", "replication", "actor"}
    assert set(AGENT_VARIABLES) <= set(people.columns)
    rok = people[people.actor == "ROK"].sort_values(["month", "replication"])
    np.testing.assert_array_equal(
        rok.approval.to_numpy(dtype=float).reshape(24, 5), np.array([a["ROK"][:5] for a in agents])
    )
    assert people[people.actor == "USA"].approval.isna().all()
    with pytest.raises(RuntimeError, match="horizon is 24 months"):
        model.step()


def test_a_single_replication_is_that_column_of_the_ensemble():
    trace, _ = engine()
    model = AllianceModel(BASE, replication=6, seed=3, months=24)
    model.run()
    table = model.model_table()
    assert (table.replication == 6).all()
    np.testing.assert_array_equal(table.coop_rok_jpn.to_numpy(), trace["coop_rok_jpn"][:, 6])
    # one replication: the DataCollector holds plain floats, as Mesa users expect
    frame = model.datacollector.get_model_vars_dataframe()
    assert isinstance(frame.coop_rok_jpn.iloc[0], float)


def test_election_winners_are_recorded_in_the_election_month():
    model = AllianceModel(BASE, replications=20, seed=1, months=30)
    model.run()
    people = model.agent_table()
    rok = people[people.actor == "ROK"]
    held = rok[rok.elected.notna()]
    assert set(held.date) == {"2027-03"}  # rok_presidential_2027 in base.yaml
    assert (held.elected == held.government).all()
    assert set(held.elected) <= {"conservative", "progressive"}
    after = rok[rok.date == "2027-03"].set_index("replication")
    before = rok[rok.date == "2027-02"].set_index("replication")
    # a presidential election seats a new president, whose position is drawn anew in every future
    assert (after.position != before.position).all() and after.position.between(-1, 1).all()
    assert len(before) == 20


def test_overrides_by_dotted_path_or_double_underscore_and_rng_as_seed():
    a = AllianceModel(BASE, months=6, rng=11, **{"actors.USA.commitment": 0.5})
    b = AllianceModel(BASE, months=6, seed=11, actors__USA__commitment=0.5)
    assert a.spec == b.spec and a.spec.seed == 11 and a.spec.actors.USA.commitment == 0.5
    a.run()
    b.run()
    pd.testing.assert_frame_equal(a.model_table(), b.model_table())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"seed": 1, "rng": 2}, ValueError, "either seed or rng"),
        ({"rng": np.random.default_rng(1)}, TypeError, "int root seed"),
        ({"replications": 3, "replication": 1}, ValueError, "either replications or replication"),
        ({"replications": 0}, ValueError, "positive count"),
        ({"actors.USA.comitment": 0.5}, ScenarioError, "did you mean 'commitment'"),
        ({"actors.USA.commitment": 2.0}, ScenarioError, "less than or equal to 1"),
    ],
)
def test_bad_arguments_say_what_to_do(kwargs, error, match):
    with pytest.raises(error, match=match):
        AllianceModel(BASE, **kwargs)


def test_large_ensembles_keep_no_collector_unless_asked():
    s = load_scenario(BASE, {"months": 3, "replications": 4})
    model = AllianceModel(s, replications=4, collect=False)
    assert not hasattr(model, "datacollector")
    with pytest.raises(AttributeError, match="collect=True"):
        model.agent_table()
    assert hasattr(AllianceModel(s, replications=4), "datacollector")
    assert not hasattr(AllianceModel(BASE, replications=101, months=2), "datacollector")


def test_batch_run_over_a_small_grid_matches_the_engine():
    results = mesa.batch_run(
        AllianceModel,
        parameters={
            "scenario": str(BASE),
            "months": 12,
            "actors.USA.commitment": [0.6, 0.9],
            "replication": [0, 1],
        },
        rng=[5],
        display_progress=False,
    )
    frame = pd.DataFrame(results)
    assert len(frame) == 2 * 2 * 5  # grid points x agents (one row per agent, the last month)
    assert set(frame.actor) == {"ROK", "JPN", "USA", "PRK", "CHN"}
    assert (frame.Step == 12).all() and (frame.seed == 5).all()
    for commitment in (0.6, 0.9):
        s = load_scenario(BASE, {"seed": 5, "months": 12, "replications": 2, "actors.USA.commitment": commitment})
        _, trace = run_ensemble(s)
        for r in (0, 1):
            row = frame[(frame["actors.USA.commitment"] == commitment) & (frame.replication == r)].iloc[0]
            assert row.coop_rok_jpn == trace["coop_rok_jpn"][-1, r]
    low = frame[frame["actors.USA.commitment"] == 0.6]
    high = frame[frame["actors.USA.commitment"] == 0.9]
    assert low.coop_rok_jpn.mean() != high.coop_rok_jpn.mean()


def test_readme_mesa_example_runs(monkeypatch):
    from conftest import ROOT

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Explore in the browser") :]
    block = section[
        section.index("```python") + len("```python") : section.index("```", section.index("```python") + 9)
    ]
    monkeypatch.chdir(ROOT)
    namespace = {}
    exec(compile(block, "README.md (Explore in the browser)", "exec"), namespace)
    assert namespace["model"].steps == 60
