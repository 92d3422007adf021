"""evaluate(): runs every rule; urgent, warning, info, then session; stable, unique keys."""

from __future__ import annotations

import dataclasses

from alliance.alerts import (
    RULES,
    AlertConfig,
    Expectations,
    Finding,
    GoalRecord,
    History,
    SessionRecord,
    TaskRecord,
    default_config,
    evaluate,
)


def busy_history() -> History:
    """A history that fires risk, low alliance, disagreement, deterioration, goals, tasks
    and both expectation rules."""
    sessions = [
        SessionRecord(1, client={"phq9_total": 10.0, "wai_sr_bond_mean": 4.0}),
        SessionRecord(
            2,
            client={"phq9_total": 12.0, "wai_sr_bond_mean": 2.5},
            therapist={"wai_sr_t_bond_mean": 4.0},
        ),
        SessionRecord(
            3,
            client={"phq9_total": 13.0, "wai_sr_bond_mean": 2.25},
            therapist={"wai_sr_t_bond_mean": 4.0},
        ),
        SessionRecord(4, client={"phq9_total": 16.0}),
        SessionRecord(5, client={"phq9_total": 17.0}, flags={"phq9_flag_risk": True}),
    ]
    tasks = [
        TaskRecord(f"t{i}", f"Task {i}", set_session=i, due_session=i + 1, done=i == 2)
        for i in (1, 2, 3)
    ]
    goals = [GoalRecord("g1", "Sleep", created_session=1)]
    return History(sessions=sessions, goals=goals, tasks=tasks, expectations=Expectations(3))


def test_every_rule_is_registered_with_its_id() -> None:
    assert all(fn.__name__ == f"rule_{rule}" for rule, fn in RULES.items())


def test_findings_are_sorted_by_severity_then_session() -> None:
    found = evaluate(busy_history())
    assert [(f.severity, f.session, f.rule) for f in found] == [
        ("urgent", 5, "risk"),
        ("warning", 2, "low_alliance"),
        ("warning", 2, "disagreement"),
        ("warning", 4, "deterioration"),
        ("warning", 4, "tasks_not_done"),
        ("warning", 4, "expectations_passed"),
        ("info", 1, "expectations_short"),
        ("info", 5, "goals_not_revisited"),
    ]


def test_each_finding_carries_its_rule_and_next_steps() -> None:
    for f in evaluate(busy_history()):
        assert isinstance(f, Finding) and f.rule in RULES and f.next_steps


def test_keys_are_unique_and_the_same_on_every_run() -> None:
    first = [f.key for f in evaluate(busy_history())]
    assert len(first) == len(set(first))
    assert [f.key for f in evaluate(busy_history())] == first
    assert first[:3] == [
        "risk:5:phq9_flag_risk",
        "low_alliance:2:wai_sr_bond",
        "disagreement:2:wai_sr_bond",
    ]


def test_findings_are_equal_across_runs() -> None:
    assert evaluate(busy_history()) == evaluate(busy_history(), AlertConfig())


def test_a_later_session_keeps_earlier_keys_of_lasting_conditions() -> None:
    h = busy_history()
    longer = dataclasses.replace(h, sessions=[*h.sessions, SessionRecord(6)])
    keys = {f.key for f in evaluate(longer)}
    assert {"goals_not_revisited:5:-", "expectations_passed:4:-", "tasks_not_done:4:-"} <= keys


def test_empty_history_gives_no_findings() -> None:
    assert evaluate(History()) == []


def test_default_config_is_built_once() -> None:
    assert default_config() is default_config()
