"""Everything the client page shows, assembled in a bounded number of queries."""

from __future__ import annotations

from typing import Any

from alliance.web.accounts.models import Role, User
from alliance.web.alerts.models import Alert
from alliance.web.alerts.timeline import Timeline, load_timeline
from alliance.web.care.models import Client
from alliance.web.caseload.charts import alliance_charts, goal_chart, outcome_charts
from alliance.web.goals.forms import GAS_CHOICES
from alliance.web.portal.models import Feedback


def rupture_marks(alerts: list[Alert]) -> list[dict[str, Any]]:
    """The client's ruptures as stored by the alert rules (the clinic's settings), oldest first.

    The chart reads the stored findings, never a second detector run, so the
    chart and the alerts always show the same sessions and repair status.
    """
    rows = []
    for alert in sorted(alerts, key=lambda a: a.session_number):
        if alert.rule != "rupture":
            continue
        numbers = alert.numbers or {}
        known = numbers.get("repair_known", 1.0) == 1.0
        repaired = numbers.get("repaired") == 1.0
        rows.append(
            {
                "session": alert.session_number,
                "repair": "repaired" if repaired else "not repaired" if known else "censored",
                "repair_session": numbers.get("repair_session"),
                "rule": alert.title,
            }
        )
    return rows


def _feedback(timeline: Timeline, portal: list[Feedback]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for n in reversed(timeline.numbers):
        r = timeline.response(n, "session_feedback")
        if r is None:
            continue
        for key, question in (
            ("1", "How are sessions progressing"),
            ("2", "Anything to do differently"),
        ):
            text = r.answers.get(key)
            if text:
                items.append({"text": str(text), "when": f"Session {n} · {question}"})
    items.extend(
        {"text": f.text, "when": f"Sent from their page, {f.created:%d %b %Y}"} for f in portal
    )
    return items


def client_page_context(
    client: Client, portal_url: str | None = None, *, viewer: Any = None
) -> dict[str, Any]:
    episode = client.current_episode()
    context: dict[str, Any] = {"client": client, "episode": episode, "portal_url": portal_url}
    if viewer is not None and viewer.sees_whole_clinic:
        context["therapists"] = list(
            User.objects.filter(
                organisation_id=client.organisation_id, role=Role.THERAPIST, is_active=True
            ).order_by("last_name", "username")
        )
    if episode is None:
        return context
    timeline = load_timeline(episode)
    goals = list(episode.goals.filter(active=True).prefetch_related("ratings__session"))
    alerts = list(episode.alerts.select_related("resolved_by"))
    ruptures = rupture_marks(alerts)
    goal_rows = []
    for g in goals:
        ratings = sorted(((r.session.number, r.level) for r in g.ratings.all()), reverse=True)
        goal_rows.append(
            {
                "goal": g,
                "last": {"session": ratings[0][0], "level": ratings[0][1]} if ratings else None,
            }
        )
    context.update(
        sessions=timeline.sessions,
        next_session=(timeline.numbers[-1] + 1) if timeline.numbers else 1,
        alerts=sorted(
            (a for a in alerts if a.status != Alert.Status.RESOLVED),
            key=lambda a: (a.severity_rank, -a.session_number),
        ),
        resolved=[a for a in alerts if a.status == Alert.Status.RESOLVED],
        alliance_charts=alliance_charts(timeline, ruptures),
        outcome_charts=outcome_charts(timeline),
        goal_chart=goal_chart(timeline, goals),
        goals=goal_rows,
        gas_choices=GAS_CHOICES,
        tasks=list(episode.tasks.all()[:30]),
        feedback=_feedback(timeline, list(episode.feedback.all()[:20])),
        plan=list(episode.plan.all()),
    )
    return context
