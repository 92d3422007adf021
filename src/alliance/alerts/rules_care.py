"""Rules on the work around the sessions: goals, tasks and expectations.

These conditions last over several sessions, so each finding is dated to
the session where the condition began (the first session a goal was
overdue, the last task due, the first session past the expected number):
re-running the rules later gives the same key, not a new alert every week.
"""

from __future__ import annotations

from collections import defaultdict

from alliance.alerts._common import at_least, below, finding, fmt, worse_by
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import GoalRecord, History, TaskRecord

__all__ = [
    "rule_expectations_passed",
    "rule_expectations_short",
    "rule_goals_not_revisited",
    "rule_tasks_not_done",
]


def _overdue_goals(history: History, config: AlertConfig) -> dict[int, list[GoalRecord]]:
    groups: dict[int, list[GoalRecord]] = defaultdict(list)
    for goal in history.goals:
        since = history.first_session_from(goal.last_revisited + config.goal_revisit_sessions)
        if since is not None:
            groups[since].append(goal)
    return groups


def _goal_finding(session: int, goals: list[GoalRecord], latest: int, n: int) -> Finding:
    listed = "; ".join(
        f'"{g.text}" (last set or rated in session {g.last_revisited})' for g in goals
    )
    oldest = min(g.last_revisited for g in goals)
    return finding(
        "goals_not_revisited",
        "info",
        session,
        "Goals not revisited" if len(goals) > 1 else "Goal not revisited",
        f"Not rated for {n} or more sessions (session {latest} now): {listed}.",
        {"goals": float(len(goals)), "sessions_since": float(latest - oldest), "threshold": n},
    )


def rule_goals_not_revisited(history: History, config: AlertConfig) -> list[Finding]:
    """Remind when a goal has not been rated for ``config.goal_revisit_sessions`` sessions.

    A goal counts as revisited in the session it was set and in each session
    it was rated. Fires when ``latest session - last revisited >= N`` (exactly
    N fires). Dated to the first recorded session at or after ``last + N``;
    goals overdue since the same session share one finding. Pass only goals
    that are still active.
    """
    latest = history.latest_number
    if latest is None:
        return []
    groups = _overdue_goals(history, config)
    n = config.goal_revisit_sessions
    return [_goal_finding(s, goals, latest, n) for s, goals in sorted(groups.items())]


def _recent_due(history: History, config: AlertConfig) -> list[TaskRecord]:
    latest = history.latest_number or 0
    due = [
        t
        for t in history.tasks
        if t.due_session is not None and t.due_session <= latest and t.done is not None
    ]
    due.sort(key=lambda t: (t.due_session or 0, t.set_session, t.id))
    return due[-config.tasks_window :]


def rule_tasks_not_done(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when most recent tasks were not done.

    Looks at the last ``config.tasks_window`` tasks (default 3) that were due
    by the latest session and that the client has answered (``done`` not
    None). Fires when at least ``config.tasks_min_not_done`` (default 2) of
    them were not done: exactly 2 of 3 fires. Dated to the due session of
    the latest of those tasks.
    """
    recent = _recent_due(history, config)
    missed = [t for t in recent if t.done is False]
    if len(missed) < config.tasks_min_not_done:
        return []
    session = recent[-1].due_session or recent[-1].set_session
    listed = "; ".join(f'"{t.text}"' for t in missed)
    return [
        finding(
            "tasks_not_done",
            "warning",
            session,
            "Tasks not done",
            f"{len(missed)} of the last {len(recent)} tasks due were not done "
            f"(threshold {config.tasks_min_not_done}): {listed}.",
            {
                "not_done": float(len(missed)),
                "due": float(len(recent)),
                "threshold": float(config.tasks_min_not_done),
            },
        )
    ]


def _improvement(history: History, config: AlertConfig) -> tuple[float, float, float] | None:
    points = history.values(config.expectations_score)
    if len(points) < 2:
        return None
    start, end = points[0][1], points[-1][1]
    return start, end, -worse_by(config.scales[config.expectations_score], start, end)


def rule_expectations_passed(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when the client's expected number of sessions has passed without reliable improvement.

    Fires when the latest session number is above ``expected_sessions``
    (the expected session itself does not fire) and the outcome score
    (``config.expectations_score``, first versus latest) has improved by
    less than ``config.reliable_change`` (an improvement exactly at it is
    reliable: no finding). Needs two outcome scores. Dated to the first
    session past the expected number.
    """
    expected, latest = history.expectations.expected_sessions, history.latest_number
    change = _improvement(history, config)
    if expected is None or latest is None or latest <= expected or change is None:
        return []
    start, end, better = change
    threshold = config.reliable_change[config.expectations_score]
    session = history.first_session_from(expected + 1)
    if at_least(better, threshold) or session is None:
        return []
    label = config.scales[config.expectations_score].label
    return [
        finding(
            "expectations_passed",
            "warning",
            session,
            "Expected number of sessions passed without reliable improvement",
            f"The client expected about {expected} sessions; this is session {latest}. "
            f"{label} went from {fmt(start)} to {fmt(end)} (improvement {fmt(better)}; "
            f"reliable improvement needs {fmt(threshold)}).",
            {
                "expected_sessions": float(expected),
                "session": float(latest),
                "improvement": better,
                "threshold": threshold,
            },
        )
    ]


def rule_expectations_short(history: History, config: AlertConfig) -> list[Finding]:
    """Note when the client expects far fewer sessions than change usually takes.

    Fires when ``expected_sessions < usual_sessions * short_expectation_fraction``
    (default 12 * 0.5 = 6: expecting 5 fires, 6 does not). Dated to the first
    recorded session.
    """
    expected = history.expectations.expected_sessions
    limit = config.usual_sessions * config.short_expectation_fraction
    if expected is None or not history.sessions or not below(expected, limit):
        return []
    return [
        finding(
            "expectations_short",
            "info",
            history.sessions[0].number,
            "Client expects fewer sessions than change usually takes",
            f"The client expects about {expected} sessions; the usual course here is about "
            f"{config.usual_sessions} (threshold: fewer than {fmt(limit)}).",
            {
                "expected_sessions": float(expected),
                "usual_sessions": float(config.usual_sessions),
                "threshold": limit,
            },
        )
    ]
