"""Everything the client report shows, in a fixed number of queries.

Reads the episode through the same timeline as the client page
(``alerts.timeline.load_timeline``), so the report and the page show the same
numbers. Only what the client may read goes in: their code, their scores,
their goals and tasks; never alerts, risk flags, the therapist's ratings,
the approach note or anyone else's data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alliance.web.alerts.timeline import load_timeline
from alliance.web.care.models import Client
from alliance.web.reports.client_charts import alliance_charts, goal_chart, outcome_charts
from alliance.web.reports.client_summary import (
    alliance_sentences,
    gas_words,
    goal_status,
    outcome_explanations,
    summary,
    task_status,
)

MAX_TASKS = 30


def _goal_rows(goals: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for g in goals:
        ratings = sorted(((r.session.number, r.level) for r in g.ratings.all()), reverse=True)
        last = {"session": ratings[0][0], "words": gas_words(ratings[0][1])} if ratings else None
        rows.append({"goal": g, "status": goal_status(g), "last": last})
    return rows


def report_context(client: Client, today: dt.date) -> dict[str, Any]:
    """The template context of the client report (page and PDF alike)."""
    episode = client.current_episode()
    context: dict[str, Any] = {
        "client": client,
        "clinic": client.organisation,
        "episode": episode,
        "today": today,
    }
    if episode is None:
        context["summary"] = summary(None, [], [])
        return context
    timeline = load_timeline(episode)
    goals = list(episode.goals.filter(active=True).prefetch_related("ratings__session"))
    tasks = list(episode.tasks.all()[:MAX_TASKS])
    goal_rows = _goal_rows(goals)
    goal_figure = goal_chart(timeline, goals)
    context.update(
        sessions=len(timeline.numbers),
        last_session=timeline.sessions[-1] if timeline.sessions else None,
        summary=summary(timeline, goal_rows, tasks),
        alliance_charts=[c for c in alliance_charts(timeline)],
        alliance_notes=alliance_sentences(timeline),
        outcome_charts=[c for c in outcome_charts(timeline)],
        outcome_notes=outcome_explanations(timeline),
        goals=goal_rows,
        goal_chart=goal_figure if goal_figure is not None else None,
        tasks=[{"text": t.text, "status": task_status(t.done), "done": t.done} for t in tasks],
    )
    return context
