"""History and its records: frozen, ordered, validated."""

from __future__ import annotations

import dataclasses

import pytest

from alliance.alerts import Expectations, GoalRecord, History, SessionRecord, TaskRecord


def test_sessions_must_be_unique_and_increasing() -> None:
    with pytest.raises(ValueError, match="session 2 follows session 3"):
        History(sessions=[SessionRecord(1), SessionRecord(3), SessionRecord(2)])
    with pytest.raises(ValueError, match="session 2 follows session 2"):
        History(sessions=[SessionRecord(2), SessionRecord(2)])


def test_values_skip_unmeasured_sessions_and_read_both_sides() -> None:
    h = History(
        sessions=[
            SessionRecord(1, client={"sai_total": 4}, therapist={"wai_sr_t_bond_mean": 3.5}),
            SessionRecord(2, client={"sai_total": None}),
            SessionRecord(4, client={"sai_total": 3.5}),
        ]
    )
    assert h.values("sai_total") == [(1, 4.0), (4, 3.5)]
    assert h.values("wai_sr_t_bond_mean") == [(1, 3.5)]
    assert h.latest_number == 4 and h.first_session_from(3) == 4 and h.first_session_from(5) is None


def test_records_are_frozen_and_copy_their_inputs() -> None:
    scores = {"sai_total": 4.0}
    s = SessionRecord(1, client=scores)
    scores["sai_total"] = 1.0
    assert s.client["sai_total"] == 4.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.number = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.client["sai_total"] = 0.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: SessionRecord(0), ValueError),
        (lambda: SessionRecord(True), TypeError),
        (lambda: GoalRecord("g", "x", 1, ratings=[(2, 3)]), ValueError),
        (lambda: TaskRecord("t", "x", set_session=3, due_session=0), ValueError),
        (lambda: Expectations(expected_sessions=0), ValueError),
    ],
)
def test_bad_records_raise(build: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        build()  # type: ignore[operator]


def test_goal_last_revisited_is_the_latest_of_set_and_ratings() -> None:
    assert GoalRecord("g", "x", 2).last_revisited == 2
    assert GoalRecord("g", "x", 2, ratings=[(5, 0), (4, 1)]).last_revisited == 5
