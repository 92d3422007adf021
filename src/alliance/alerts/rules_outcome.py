"""Outcome rules: reliable deterioration, not on track, risk item.

Outcome thresholds come from the instrument files through the config
(reliable change) or from the caller (a client's expected band).
"""

from __future__ import annotations

from alliance.alerts._common import (
    at_least,
    finding,
    fmt,
    in_a_row,
    latest,
    latest_run,
    subscale_of,
    worse_by,
)
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History

__all__ = ["rule_deterioration", "rule_not_on_track", "rule_risk"]


def _deteriorated(history: History, config: AlertConfig, column: str) -> Finding | None:
    points = history.values(column)
    if len(points) < 2:
        return None
    (first, start) = points[0]
    info, threshold = config.scales[column], config.reliable_change[column]
    run = latest_run(points[1:], lambda p: at_least(worse_by(info, start, p[1]), threshold))
    if len(run) < config.deterioration_confirm:
        return None
    onset, (last, end) = run[0][0], run[-1]
    worse = worse_by(info, start, end)
    moved = "rose" if end > start else "fell"
    spell = in_a_row(run, onset, "It has been reliably worse")
    return finding(
        "deterioration",
        "warning",
        onset,
        f"Reliable deterioration: {info.label}",
        f"The client's {info.label} {moved} from {fmt(start)} in session {first} to "
        f"{fmt(end)} in session {last} (worse by {fmt(worse)}; reliable change "
        f"{fmt(threshold)}).{spell}",
        {
            "first": start,
            "latest": end,
            "change": worse,
            "threshold": threshold,
            "sessions": float(len(run)),
        },
        subscale_of(info),
    )


def rule_deterioration(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when an outcome score has stayed reliably worse than at its first session.

    For each ``config.deterioration_scores`` column: each later measured
    value against the first. Fires when the change in the unhealthy direction
    is at least ``config.reliable_change[column]`` (PHQ-9 6, GAD-7 4, from the
    instrument files; a change exactly at the threshold fires) in the latest
    ``config.deterioration_confirm`` measured sessions in a row (default 2).
    Keyed on the first session of that spell: one alert while it lasts.
    """
    found = (_deteriorated(history, config, c) for c in config.deterioration_scores)
    return [f for f in found if f is not None]


def rule_not_on_track(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when the latest outcome score is outside the client's expected band.

    ``config.expected_band`` maps session number to the (low, high) expected
    score for this client (None: rule off). Fires when the latest measured
    score is beyond the band on the unhealthy side: above ``high`` when lower
    is better, below ``low`` otherwise. A score on the edge is on track, as in
    :func:`alliance.stats.trajectories.on_track`.
    """
    column = config.expected_band_score
    point = latest(history, column)
    band = config.expected_band
    if band is None or point is None or point[0] not in band:
        return []
    session, score = point
    (low, high), info = band[session], config.scales[column]
    edge = low if info.higher_is_better else high
    if worse_by(info, edge, score) <= 0:
        return []
    side = "below" if info.higher_is_better else "above"
    return [
        finding(
            "not_on_track",
            "warning",
            session,
            f"Not on track: {info.label}",
            f"In session {session} the client's {info.label} was {fmt(score)}, {side} the "
            f"expected range {fmt(low)} to {fmt(high)} for this session "
            f"(by {fmt(abs(score - edge))}).",
            {"score": score, "expected_low": low, "expected_high": high},
            subscale_of(info),
        )
    ]


def _latest_flag(history: History, column: str) -> tuple[int, bool | None] | None:
    """(session, value) of the latest session that recorded ``column``.

    A value of None means the questionnaire was answered but the flagged
    item was left blank (the scoring engine's null flag).
    """
    for s in reversed(history.sessions):
        if column in s.flags:
            value = s.flags[column]
            return s.number, None if value is None else bool(value)
    return None


def rule_risk(history: History, config: AlertConfig) -> list[Finding]:
    """Urgent finding when a risk flag is raised in the latest session that recorded it.

    ``config.risk_flags`` names flag columns (default ``phq9_flag_risk``: PHQ-9
    item 9 above 0, from the instrument file). A flag raised only in an
    earlier session is not repeated: the finding for that session was given
    when it was the latest.
    """
    found: list[Finding] = []
    for column in config.risk_flags:
        latest_flag = _latest_flag(history, column)
        if latest_flag is None or latest_flag[1] is not True:
            continue
        session, message = latest_flag[0], config.flag_messages[column]
        found.append(
            finding(
                "risk",
                "urgent",
                session,
                "Risk item answered: review risk today",
                f"In session {session}: {message}",
                {},
                column,
            )
        )
    return found


def rule_risk_unanswered(history: History, config: AlertConfig) -> list[Finding]:
    """Urgent finding when a risk item was left blank in the latest session that recorded it.

    A skipped self-harm question is itself clinically important: the
    scoring engine leaves the flag null (never False) and notes "item 9
    (risk) unanswered"; a history carries that as ``flags[column] = None``
    (the questionnaire answered, the item blank). Silence is never taken
    for safety, so this fires like a raised flag, with its own next steps.
    Base rate on stable simulated clients: the share of sessions with the
    item blank (bench/README.md, "Alert base rates").
    """
    found: list[Finding] = []
    for column in config.risk_flags:
        latest_flag = _latest_flag(history, column)
        if latest_flag is None or latest_flag[1] is not None:
            continue
        session, message = latest_flag[0], config.flag_messages[column]
        found.append(
            finding(
                "risk_unanswered",
                "urgent",
                session,
                "Risk item unanswered: ask about it today",
                f"In session {session} the risk item was left blank, so risk is unknown "
                f"(the flag watches: {message})",
                {},
                column,
            )
        )
    return found
