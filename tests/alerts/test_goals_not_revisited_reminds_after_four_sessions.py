"""rule_goals_not_revisited: latest session - last set/rated session >= 4.

Boundary: exactly 4 sessions FIRES. The finding is dated to the first session
the goal was overdue, so re-running later keeps the same key.
"""

from __future__ import annotations

from alliance.alerts import (
    AlertConfig,
    GoalRecord,
    History,
    SessionRecord,
    rule_goals_not_revisited,
)

CONFIG = AlertConfig()


def history(last_session: int, *goals: GoalRecord) -> History:
    return History(sessions=[SessionRecord(n) for n in range(1, last_session + 1)], goals=goals)


SLEEP = GoalRecord("g1", "Sleep through the night", created_session=1)


def test_goal_not_rated_for_four_sessions_fires() -> None:
    [f] = rule_goals_not_revisited(history(5, SLEEP), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == ("goals_not_revisited", "info", 5, None)
    assert dict(f.numbers) == {"goals": 1.0, "sessions_since": 4.0, "threshold": 4.0}
    assert '"Sleep through the night" (last set or rated in session 1)' in f.detail
    assert "4 or more sessions" in f.detail


def test_three_sessions_without_rating_do_not_fire() -> None:
    assert rule_goals_not_revisited(history(4, SLEEP), CONFIG) == []


def test_a_rating_resets_the_count() -> None:
    rated = GoalRecord("g1", "Sleep", created_session=1, ratings=[(3, 0)])
    assert rule_goals_not_revisited(history(6, rated), CONFIG) == []
    [f] = rule_goals_not_revisited(history(7, rated), CONFIG)
    assert f.session == 7


def test_key_stays_the_same_while_the_goal_stays_overdue() -> None:
    keys = {f.key for n in (5, 6, 9) for f in rule_goals_not_revisited(history(n, SLEEP), CONFIG)}
    assert keys == {"goals_not_revisited:5:-"}


def test_goals_overdue_since_the_same_session_share_one_finding() -> None:
    work = GoalRecord("g2", "Go back to work", created_session=1)
    walk = GoalRecord("g3", "Walk daily", created_session=2)
    found = rule_goals_not_revisited(history(6, SLEEP, work, walk), CONFIG)
    assert [(f.session, f.numbers["goals"]) for f in found] == [(5, 2.0), (6, 1.0)]
    assert len({f.key for f in found}) == 2


def test_overdue_date_skips_to_the_next_recorded_session() -> None:
    h = History(sessions=[SessionRecord(1), SessionRecord(3), SessionRecord(8)], goals=[SLEEP])
    [f] = rule_goals_not_revisited(h, CONFIG)
    assert f.session == 8 and f.numbers["sessions_since"] == 7.0
