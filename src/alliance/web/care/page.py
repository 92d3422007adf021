"""Everything the client page shows, assembled in a bounded number of queries."""

from __future__ import annotations

from typing import Any

from alliance.alerts.config import AlertConfig
from alliance.alerts.rupture import detect
from alliance.web.alerts.models import Alert
from alliance.web.care.charts import alliance_charts, goal_chart, outcome_charts
from alliance.web.care.models import Client
from alliance.web.care.timeline import Timeline, history, load_timeline
from alliance.web.goals.forms import GAS_CHOICES
from alliance.web.portal.models import Feedback


def rupture_rows(timeline: Timeline, column: str = "sai_total") -> list[dict[str, Any]]:
    """Ruptures in the client's session alliance, from the same detector as the alerts."""
    hist = history(timeline, goals=[], tasks=[])
    if len(hist.values(column)) < 2:
        return []
    flagged = detect(hist, AlertConfig(), column)
    return [row for row in flagged.iter_rows(named=True) if row["rupture"]]


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
        from alliance.web.accounts.models import Role, User

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
    ruptures = rupture_rows(timeline)
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
