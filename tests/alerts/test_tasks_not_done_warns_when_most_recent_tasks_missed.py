"""rule_tasks_not_done: >= 2 of the last 3 answered tasks due were not done.

Boundary: exactly 2 of 3 FIRES. Tasks the client has not answered (done None)
and tasks not yet due are left out.
"""

from __future__ import annotations

from alliance.alerts import AlertConfig, History, SessionRecord, TaskRecord, rule_tasks_not_done

CONFIG = AlertConfig()


def history(latest: int, *done: bool | None) -> History:
    tasks = [
        TaskRecord(f"t{i}", f"Task {i}", set_session=i, due_session=i + 1, done=d)
        for i, d in enumerate(done, start=1)
    ]
    return History(sessions=[SessionRecord(n) for n in range(1, latest + 1)], tasks=tasks)


def test_two_of_the_last_three_not_done_fires() -> None:
    [f] = rule_tasks_not_done(history(4, False, True, False), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == ("tasks_not_done", "warning", 4, None)
    assert dict(f.numbers) == {"not_done": 2.0, "due": 3.0, "threshold": 2.0}
    assert f.detail == '2 of the last 3 tasks due were not done (threshold 2): "Task 1"; "Task 3".'
    assert any("got in the way" in s for s in f.next_steps)


def test_one_of_three_not_done_does_not_fire() -> None:
    assert rule_tasks_not_done(history(4, False, True, True), CONFIG) == []


def test_only_the_last_three_count() -> None:
    assert rule_tasks_not_done(history(6, False, False, True, True, False), CONFIG) == []


def test_unanswered_tasks_are_left_out() -> None:
    assert rule_tasks_not_done(history(4, False, None, True), CONFIG) == []
    [f] = rule_tasks_not_done(history(5, False, True, None, False), CONFIG)
    assert f.session == 5 and f.numbers["due"] == 3.0


def test_tasks_not_yet_due_are_left_out() -> None:
    assert rule_tasks_not_done(history(3, False, True, False), CONFIG) == []


def test_tasks_without_due_session_are_left_out() -> None:
    tasks = [TaskRecord(f"t{i}", "x", set_session=1, done=False) for i in range(3)]
    h = History(sessions=[SessionRecord(1), SessionRecord(2)], tasks=tasks)
    assert rule_tasks_not_done(h, CONFIG) == []
