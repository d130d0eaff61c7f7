"""Scenario loading: merge semantics, overrides, and one test per validation rule."""

import pytest
from conftest import BASE, MINIMAL
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance_sim import ScenarioError, load_scenario
from alliance_sim.cli import main
from alliance_sim.scenario import deep_merge, scenario_sources


def fails(capsys, path, *extra):
    """Run the CLI on a bad input; return its single stderr line."""
    code = main([str(path), "--quiet", *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_base_loads_with_documented_values():
    s = load_scenario(BASE)
    assert (s.name, s.start, s.months, s.replications) == ("base", "2025-01", 60, 1000)
    assert s.actors.ROK.interim is True
    assert s.actors.ROK.approval == pytest.approx(0.408)
    assert s.events["prk_tests"].rate_per_month == pytest.approx(3.4)


def test_deep_merge_semantics():
    parent = {"a": {"x": 1, "y": 2}, "l": [1, 2], "gone": 3}
    child = {"a": {"y": 5}, "l": [9], "gone": None}
    assert deep_merge(parent, child) == {"a": {"x": 1, "y": 5}, "l": [9]}
    assert parent["a"]["y"] == 2  # the parent is not modified


def test_extends_merges_and_deletes(write):
    write(MINIMAL, "parent.yaml")
    child = write(
        """\
        extends: parent.yaml
        name: child
        months: 6
        events:
          prk_tests: null
          ruling: {type: history_dispute, at: 2025-03, magnitude: 0.2}
        """,
        "child.yaml",
    )
    s = load_scenario(child)
    assert (s.name, s.months, s.replications, s.seed) == ("child", 6, 20, 7)
    assert list(s.events) == ["ruling"]
    assert s.extends is None  # resolved away, so a saved scenario reloads on its own
    assert [p.rsplit("/", 1)[-1] for p in scenario_sources(child)] == ["parent.yaml", "child.yaml"]


def test_overrides_by_dotted_path_and_kor_alias(write):
    path = write(MINIMAL.replace("events:", "actors:\n  KOR: {approval: 0.2}\nevents:"))
    s = load_scenario(path, ["actors.USA.commitment=0.6", "events.prk_tests.rate_per_month=4"])
    assert s.actors.USA.commitment == 0.6
    assert s.events["prk_tests"].rate_per_month == 4
    assert s.actors.ROK.approval == 0.2


def test_yaml_syntax_error(write, capsys):
    path = write("name: x\nstart: 2025-01\nactors: {ROK: [1, 2}\n")
    err = fails(capsys, path)
    assert f"{path}:3:" in err and "invalid YAML" in err


def test_unknown_key_suggests(write, capsys):
    path = write(MINIMAL.replace("events:", "actors:\n  USA: {comitment: 0.5}\nevents:"))
    err = fails(capsys, path)
    assert f"{path}:7: actors.USA.comitment: unknown key 'comitment' (did you mean 'commitment'?)" in err


def test_unknown_parameter_suggests(write):
    path = write(MINIMAL + "parameters:\n  cha: {grievence: 0.3}\n")
    with pytest.raises(ScenarioError, match=r":9: parameters\.cha\.grievence: unknown key .*did you mean 'grievance'"):
        load_scenario(path)


def test_wrong_type(write, capsys):
    err = fails(capsys, write(MINIMAL.replace("months: 12", "months: twelve")))
    assert ":3: months:" in err and "integer" in err


def test_out_of_range(write, capsys):
    path = write(MINIMAL.replace("events:", "actors:\n  ROK: {approval: 1.4}\nevents:"))
    err = fails(capsys, path)
    assert ":7: actors.ROK.approval:" in err and "less than or equal to 1" in err


def test_malformed_month(write, capsys):
    err = fails(capsys, write(MINIMAL.replace("from: 2025-01", "from: 2025-13")))
    assert ":7: events.prk_tests.from:" in err and "YYYY-MM" in err


def test_unknown_event_type(write, capsys):
    err = fails(capsys, write(MINIMAL.replace("missile_tests", "missile_test")))
    assert ":7: events.prk_tests.type: unknown event type 'missile_test' (did you mean 'missile_tests'?)" in err


def test_unknown_actor(write, capsys):
    err = fails(capsys, write(MINIMAL.replace("events:", "actors:\n  RUS: {capability: 0.5}\nevents:")))
    assert ":7: actors.RUS: unknown actor 'RUS'" in err


def test_unknown_actor_in_event(write):
    path = write(MINIMAL + "  vote: {type: election, actor: TWN, at: 2025-05}\n")
    with pytest.raises(ScenarioError, match=r":8: events\.vote\.actor: unknown actor 'TWN'"):
        load_scenario(path)


def test_extends_missing(write, capsys):
    err = fails(capsys, write("extends: nowhere.yaml\n" + MINIMAL))
    assert ":1: extends: parent scenario 'nowhere.yaml' not found" in err


def test_extends_cyclic(write, capsys):
    write("extends: b.yaml\n" + MINIMAL, "a.yaml")
    b = write("extends: a.yaml\nname: b\n", "b.yaml")
    err = fails(capsys, b)
    assert "extends: cyclic extends: b.yaml -> a.yaml -> b.yaml" in err


def test_python_tag_refused(write, capsys):
    err = fails(capsys, write(MINIMAL + "boom: !!python/object/apply:os.system ['echo pwned']\n"))
    assert ":8:" in err and "!!python" in err


def test_empty_file(write, capsys):
    assert "file is empty" in fails(capsys, write(""))


def test_missing_file(tmp_path, capsys):
    assert "no such file" in fails(capsys, tmp_path / "absent.yaml")


def test_directory(tmp_path, capsys):
    assert "is a directory" in fails(capsys, tmp_path)


def test_set_unknown_path(write, capsys):
    err = fails(capsys, write(MINIMAL), "--set", "actors.USA.comitment=0.6")
    assert "actors.USA.comitment: --set: no such key 'comitment' under actors.USA (did you mean 'commitment'?)" in err


def test_set_invalid_value_is_reported_against_the_override(write, capsys):
    err = fails(capsys, write(MINIMAL), "--set", "actors.USA.commitment=2")
    assert "actors.USA.commitment:" in err and "(from --set)" in err


def test_top_level_must_be_mapping(write):
    with pytest.raises(ScenarioError, match="expected a mapping"):
        load_scenario(write("- 1\n- 2\n"))


def test_missing_required_key(write):
    with pytest.raises(ScenarioError, match="start: required key is missing"):
        load_scenario(write("name: x\n"))


def test_nuclear_test_needs_one_shape(write):
    path = write(MINIMAL + "  nuke: {type: nuclear_test}\n")
    with pytest.raises(ScenarioError, match=r"events\.nuke: .*either 'at'"):
        load_scenario(path)


@settings(max_examples=150, deadline=None)
@given(line=st.integers(0, 200), junk=st.text(max_size=12))
def test_any_line_mutation_loads_or_raises_scenario_error(tmp_path_factory, line, junk):
    # Loading never crashes with anything but a ScenarioError, whatever one line becomes.
    lines = BASE.read_text(encoding="utf-8").splitlines()
    i = line % len(lines)
    head, sep, _ = lines[i].partition(":")
    lines[i] = f"{head}{sep} {junk}" if sep else junk
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert str(path) in str(exc)


def test_duplicate_key_is_an_error(write, capsys):
    path = write(MINIMAL + "  prk_tests: {type: nuclear_test, at: 2025-05}\n")
    err = fails(capsys, path)
    assert f"{path}:8: events.prk_tests: duplicate key (first given on line 7)" in err


def test_misspelt_key_is_reported_as_unknown_not_missing(write):
    path = write(MINIMAL.replace("rate_per_month", "rate_per_mnth"))
    with pytest.raises(ScenarioError, match=r"unknown key 'rate_per_mnth' \(did you mean 'rate_per_month'\?\)"):
        load_scenario(path)


@pytest.mark.parametrize(
    "event",
    [
        "{type: missile_tests, rate_per_month: 1, from: 2025-06, to: 2025-03}",
        "{type: nuclear_test, from: 2025-06, to: 2025-03}",
        "{type: impeachment, from: 2025-06, to: 2025-03}",
    ],
)
def test_window_ending_before_it_starts(write, event):
    with pytest.raises(ScenarioError, match=r":8: events\.w: .*'to' \(2025-03\) is before 'from' \(2025-06\)"):
        load_scenario(write(MINIMAL + f"  w: {event}\n"))


def test_summit_parties_must_be_distinct(write):
    with pytest.raises(ScenarioError, match=r"events\.s\.parties: .*distinct"):
        load_scenario(write(MINIMAL + "  s: {type: summit, parties: [ROK, ROK], at: 2025-02}\n"))


@pytest.mark.parametrize("name", ["..", ".hidden", "a/b", ""])
def test_scenario_name_cannot_leave_the_results_folder(write, name):
    with pytest.raises(ScenarioError, match="name:"):
        load_scenario(write(MINIMAL.replace("name: tiny", f"name: '{name}'")))


def test_extends_must_be_a_path(write):
    with pytest.raises(ScenarioError, match=r":1: extends: expected a file path"):
        load_scenario(write("extends: [a, b]\n" + MINIMAL))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("actors:\n  ROK: {position: 1.5}\n", "actors.ROK.position"),
        ("parameters:\n  positions: {spread: -0.1}\n", "parameters.positions.spread"),
        ("parameters:\n  ladder: {escalation: eleven}\n", "parameters.ladder.escalation"),
        ("events:\n  e: {type: election, actor: ROK, at: 2025-03, outcome: won}\n", "events.e.outcome"),
        ("events:\n  e: {type: election, actor: ROK, at: 2025-03, leader_changes: maybe}\n", "events.e.leader_changes"),
        (
            "events:\n  p: {type: political_transition, actor: JPN, government: progressive, position: -2, at: 2025-03}\n",
            "events.p.position",
        ),
    ],
)
def test_the_new_fields_are_validated_with_file_line_and_key(write, capsys, text, key):
    # positions, the ladder's coefficients, an election's forced outcome and leader change: a bad
    # value stops the run with status 2 and one line naming the file, the line (3: after 'extends'
    # and the section) and the key path
    path = write(f"extends: {write(MINIMAL, 'parent.yaml')}\n{text}")
    assert f"{path}:3: {key}:" in fails(capsys, path)
