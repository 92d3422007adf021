"""The client page's charts, from the episode timeline and the core's chart definitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alliance.charts.definitions import (
    RuptureMark,
    alliance_chart,
    outcome_chart,
    radar_chart,
    session_alliance_chart,
)
from alliance.charts.definitions import (
    goal_chart as core_goal_chart,
)
from alliance.instruments import Scale, get
from alliance.web.alerts.expected import client_band
from alliance.web.alerts.timeline import Timeline
from alliance.web.charts import ChartHtml, as_html
from alliance.web.goals.models import Goal
from alliance.web.score_columns import SAI_TOTAL, WAI_SR_MEANS, WAI_SR_T_MEANS, total_of

SUBSCALES = (("Goal", "goal"), ("Task", "task"), ("Bond", "bond"), ("Total", "total"))
OUTCOMES = (("PHQ-9", "phq9"), ("GAD-7", "gad7"))
BAND_CACHE_SECONDS = 600
BAND_MIN_CLIENTS = 30


def _marks(ruptures: list[dict[str, Any]]) -> list[RuptureMark]:
    marks = []
    for r in ruptures:
        status = r.get("repair")
        repaired = True if status == "repaired" else False if status == "not repaired" else None
        marks.append(
            RuptureMark(
                session=int(r["session"]),
                repaired=repaired,
                repair_session=int(r["repair_session"])
                if repaired and r.get("repair_session")
                else None,
                note=f"rule: {r.get('rule')}",
            )
        )
    return marks


def alliance_charts(timeline: Timeline, ruptures: list[dict[str, Any]]) -> list[ChartHtml]:
    sessions = timeline.numbers
    charts: list[ChartHtml | None] = []
    marks = _marks(ruptures)
    sai = timeline.series(SAI_TOTAL)
    if any(v is not None for v in sai):
        charts.append(as_html(session_alliance_chart(sessions, sai, marks)))
    # WAI-SR is measured every few sessions: chart only the sessions it was measured,
    # so the points join into lines instead of standing alone between gaps.
    measured = [
        n
        for n in sessions
        if timeline.value(n, WAI_SR_MEANS["total"]) is not None
        or timeline.value(n, WAI_SR_T_MEANS["total"], "therapist") is not None
    ]
    client = {
        label: [timeline.value(n, WAI_SR_MEANS[s]) for n in measured] for label, s in SUBSCALES
    }
    therapist = {
        label: [timeline.value(n, WAI_SR_T_MEANS[s], "therapist") for n in measured]
        for label, s in SUBSCALES
    }
    if measured:
        charts.append(
            as_html(
                alliance_chart(
                    measured, client, therapist, [m for m in marks if m.session in measured]
                )
            )
        )
        points = [
            (n, {lbl: timeline.value(n, WAI_SR_MEANS[s]) for lbl, s in SUBSCALES[:3]})
            for n in measured
            if timeline.value(n, WAI_SR_MEANS["total"]) is not None
        ]
        if len(points) >= 2:
            start, now = points[0][1], points[-1][1]
            charts.append(
                as_html(
                    radar_chart(
                        {k: (start[k], now[k]) for k in start},
                        y_max=5.0,
                        y_min=1.0,
                        start_label=f"Session {points[0][0]}",
                        now_label=f"Session {points[-1][0]}",
                    )
                )
            )
    return [c for c in charts if c is not None]


@dataclass(frozen=True)
class OutcomeSeries:
    """One outcome's total scores over the sessions, with its scale and chart extent."""

    instrument: str
    values: list[float | None]
    scale: Scale

    @property
    def y_max(self) -> float:
        bands = self.scale.bands
        return bands[-1].max if bands else max(v for v in self.values if v is not None)


def outcome_series(
    timeline: Timeline, outcomes: tuple[tuple[str, str], ...] = OUTCOMES
) -> dict[str, OutcomeSeries]:
    """Label -> total scores, for the outcome instruments with at least one score."""
    found = {}
    for label, instrument in outcomes:
        values = timeline.series(total_of(instrument))
        if any(v is not None for v in values):
            found[label] = OutcomeSeries(instrument, values, get(instrument).scale("total"))
    return found


def outcome_charts(timeline: Timeline) -> list[ChartHtml]:
    sessions = timeline.numbers
    found = outcome_series(timeline)
    scores = {label: o.values for label, o in found.items()}
    bands: dict[str, Any] = {label: o.scale.bands for label, o in found.items()}
    y_max = {label: o.y_max for label, o in found.items()}
    reliable: dict[str, tuple[float, float]] = {}
    expected: dict[str, list[tuple[float, float, float]]] = {}
    cutoffs: dict[str, float] = {}
    org_id = timeline.episode.client.organisation_id
    for label, o in found.items():
        instrument, norms = o.instrument, o.scale.change
        baseline = timeline.value(sessions[0], total_of(instrument)) if sessions else None
        if norms is not None and norms.min_reliable_change and baseline is not None:
            reliable[label] = (
                baseline - norms.min_reliable_change,
                baseline + norms.min_reliable_change,
            )
        if norms is not None and norms.clinical_cutoff is not None:
            cutoffs[label] = norms.clinical_cutoff
        band = client_band(org_id, instrument, baseline)
        if band:
            expected[label] = [
                (float(n), low, high)
                for n, (low, high) in sorted(band.items())
                if n <= max(sessions) + 2
            ]
    if not scores:
        return []
    chart = outcome_chart(
        sessions,
        scores,
        bands=bands,
        reliable_change=reliable,
        expected=expected or None,
        y_max=y_max,
        cutoffs=cutoffs,
    )
    result = as_html(chart)
    return [result] if result is not None else []


def goal_chart(
    timeline: Timeline, goals: list[Goal], *, title: str | None = None
) -> ChartHtml | None:
    """Goal ratings (-2 to +2) per goal and session (goals prefetched with ratings)."""
    if not goals or not timeline.numbers:
        return None
    series: dict[str, list[int | None]] = {}
    for g in goals:
        by_session = {r.session.number: r.level for r in g.ratings.all()}
        if by_session:
            series[g.text[:40]] = [by_session.get(n) for n in timeline.numbers]
    if not series:
        return None
    if title is None:
        return as_html(core_goal_chart(timeline.numbers, series))
    return as_html(core_goal_chart(timeline.numbers, series, title=title))
