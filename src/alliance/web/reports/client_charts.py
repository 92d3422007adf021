"""The client report's charts: the client's own ratings only, titled for the client.

Built from the core's chart definitions (``alliance.charts.definitions``) and
the instrument files, like the client page's charts (``caseload.charts``), with
three deliberate differences for a document the client keeps:

- the alliance charts show the client's ratings only. The therapist's WAI-SR
  form is an adapted, unvalidated form and is the therapist's own reflection;
  a gap printed on paper without the conversation around it can hurt the
  alliance it is meant to build. The therapist can talk it through from the
  client page.
- no rupture markers (an internal rule's finding) and no expected-recovery
  band (computed from other clients' scores);
- titles and descriptions in plain words.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from alliance.charts.definitions import (
    SUBSCALE_COLOURS,
    Chart,
    alliance_chart,
    outcome_chart,
    radar_chart,
    session_alliance_chart,
)
from alliance.charts.svg import LegendEntry, LineChart
from alliance.web.alerts.timeline import Timeline
from alliance.web.caseload.charts import goal_chart as care_goal_chart
from alliance.web.caseload.charts import outcome_series
from alliance.web.charts import ChartHtml, as_html
from alliance.web.goals.models import Goal
from alliance.web.score_columns import SAI_TOTAL, WAI_SR_MEANS

SUBSCALES = (("Goal", "goal"), ("Task", "task"), ("Bond", "bond"))
OUTCOMES = (("PHQ-9 (low mood)", "phq9"), ("GAD-7 (worry)", "gad7"))


def sai_chart(timeline: Timeline) -> ChartHtml | None:
    """How each session felt to the client (SAI, 0 to 5), session by session."""
    values = timeline.series(SAI_TOTAL)
    if not any(v is not None for v in values):
        return None
    chart = session_alliance_chart(timeline.numbers, values, title="How each session went (SAI)")
    answered = sum(1 for v in values if v is not None)
    desc = (
        f"Your rating of each session, from 0 to 5; higher means the session felt more like "
        f"working well together. {answered} of {len(values)} sessions rated."
    )
    return as_html(Chart(replace(chart.spec, description=desc)))


def _wai_sessions(timeline: Timeline) -> list[int]:
    return [n for n in timeline.numbers if timeline.value(n, WAI_SR_MEANS["total"]) is not None]


def wai_chart(timeline: Timeline) -> ChartHtml | None:
    """The client's WAI-SR Goal, Task and Bond (item means, 1 to 5) where measured."""
    measured = _wai_sessions(timeline)
    if not measured:
        return None
    client = {
        label: [timeline.value(n, WAI_SR_MEANS[s]) for n in measured] for label, s in SUBSCALES
    }
    spec = alliance_chart(measured, client, {}, title="Working together (WAI-SR)").spec
    if not isinstance(spec, LineChart):  # alliance_chart always draws one line chart
        raise TypeError(f"alliance_chart gave a {type(spec).__name__}, not a LineChart")
    legend = [
        LegendEntry(label, "swatch", SUBSCALE_COLOURS[s], opacity=1.0) for label, s in SUBSCALES
    ]
    desc = (
        "Your ratings of working together with your therapist, from 1 to 5; higher is "
        "stronger. Goal: agreeing on what you work on. Task: agreeing on how. Bond: "
        f"trust and liking. Rated at session{'s' if len(measured) > 1 else ''} "
        f"{', '.join(str(n) for n in measured)}."
    )
    return as_html(Chart(replace(spec, legend=legend, description=desc)))


def wai_radar(timeline: Timeline) -> ChartHtml | None:
    """The client's first and latest WAI-SR Goal, Task and Bond, when rated twice or more."""
    measured = _wai_sessions(timeline)
    if len(measured) < 2:
        return None
    first, last = measured[0], measured[-1]
    pairs = {
        label: (timeline.value(first, WAI_SR_MEANS[s]), timeline.value(last, WAI_SR_MEANS[s]))
        for label, s in SUBSCALES
    }
    return as_html(
        radar_chart(
            pairs,
            y_max=5.0,
            y_min=1.0,
            title="First and latest rating (WAI-SR)",
            start_label=f"Session {first}",
            now_label=f"Session {last}",
        )
    )


def alliance_charts(timeline: Timeline) -> list[ChartHtml]:
    """SAI, WAI-SR over time, WAI-SR first vs latest: those with data."""
    charts = (sai_chart(timeline), wai_chart(timeline), wai_radar(timeline))
    return [c for c in charts if c is not None]


def outcome_charts(timeline: Timeline) -> list[ChartHtml]:
    """PHQ-9 and GAD-7 with their severity zones and the reliable-change zone around intake."""
    sessions = timeline.numbers
    found = outcome_series(timeline, OUTCOMES)
    scores = {label: o.values for label, o in found.items()}
    bands: dict[str, Any] = {label: o.scale.bands for label, o in found.items()}
    y_max = {label: o.y_max for label, o in found.items()}
    reliable: dict[str, tuple[float, float]] = {}
    for label, o in found.items():
        known = [v for v in o.values if v is not None]
        norms = o.scale.change
        if norms is not None and norms.min_reliable_change:
            reliable[label] = (
                known[0] - norms.min_reliable_change,
                known[0] + norms.min_reliable_change,
            )
    if not scores:
        return []
    chart = outcome_chart(
        sessions,
        scores,
        bands=bands,
        reliable_change=reliable,
        y_max=y_max,
        title="Your mood and worry scores",
    )
    result = as_html(chart)
    return [result] if result is not None else []


def goal_chart(timeline: Timeline, goals: list[Goal]) -> ChartHtml | None:
    """The client page's goal chart, titled for the client."""
    return care_goal_chart(timeline, goals, title="Progress towards your goals")
