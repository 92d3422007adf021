"""Alliance rules: low alliance, falling alliance, client-therapist disagreement.

Each rule looks at the latest session in which its scores were measured, so
a finding is about what needs attention now; its key stays the same when the
rules are re-run on a longer history.
"""

from __future__ import annotations

from alliance.alerts._common import (
    alliance_column,
    at_least,
    below,
    finding,
    fmt,
    latest,
    ols_slope,
    subscale_of,
)
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History

__all__ = ["rule_disagreement", "rule_falling_alliance", "rule_low_alliance"]


def _low(history: History, config: AlertConfig, column: str, threshold: float) -> Finding | None:
    point = latest(history, column)
    if point is None or not below(point[1], threshold):
        return None
    session, score = point
    info = config.scales[column]
    return finding(
        "low_alliance",
        "warning",
        session,
        f"Low alliance: {info.label}",
        f"In session {session} the client's {info.label} was {fmt(score)}, "
        f"below the threshold of {fmt(threshold)} (short by {fmt(threshold - score)}).",
        {"score": score, "threshold": threshold},
        subscale_of(info),
        info.topic,
    )


def rule_low_alliance(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when the latest score of an alliance scale is below its threshold.

    Fires when ``score < config.low_alliance[column]``; a score exactly at
    the threshold does not fire. One finding per scale.
    """
    found = (_low(history, config, c, t) for c, t in config.low_alliance.items())
    return [f for f in found if f is not None]


def rule_falling_alliance(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when the alliance has been falling over the last few sessions.

    Takes the preferred alliance score (``config.alliance_scores``), its last
    ``config.falling_sessions`` measured values, and fits an OLS line on the
    session number. Fires when ``slope <= config.falling_slope[column]``: a
    slope exactly at the threshold fires.
    """
    column = alliance_column(history, config)
    if column is None:
        return []
    points = history.values(column)[-config.falling_sessions :]
    if len(points) < config.falling_sessions:
        return []
    slope, threshold = ols_slope(points), config.falling_slope[column]
    if not at_least(threshold, slope):
        return []
    info = config.scales[column]
    (first, start), (last, end) = points[0], points[-1]
    return [
        finding(
            "falling_alliance",
            "warning",
            last,
            f"Falling alliance: {info.label}",
            f"The client's {info.label} went from {fmt(start)} in session {first} to "
            f"{fmt(end)} in session {last}: {', '.join(fmt(v) for _, v in points)} "
            f"(trend {fmt(slope)} per session; threshold {fmt(threshold)}).",
            {"slope": slope, "threshold": threshold, "first": start, "last": end},
            subscale_of(info),
            info.topic,
        )
    ]


def _both(history: History, client: str, therapist: str) -> tuple[int, float, float] | None:
    for s in reversed(history.sessions):
        c, t = s.client.get(client), s.therapist.get(therapist)
        if c is not None and t is not None:
            return s.number, float(c), float(t)
    return None


def _gap(history: History, config: AlertConfig, client: str, therapist: str) -> Finding | None:
    found = _both(history, client, therapist)
    if found is None:
        return None
    session, c, t = found
    gap = abs(c - t)
    if not at_least(gap, config.disagreement_gap):
        return None
    info = config.scales[client]
    lower = "the client's is lower" if c < t else "yours is lower"
    return finding(
        "disagreement",
        "warning" if c < t else "info",
        session,
        f"You and the client see the {info.topic.capitalize()} differently",
        f"In session {session} the client rated {info.label} {fmt(c)} and you rated it "
        f"{fmt(t)}: {lower}, by {fmt(gap)} (threshold {fmt(config.disagreement_gap)}).",
        {"client": c, "therapist": t, "gap": gap, "threshold": config.disagreement_gap},
        subscale_of(info),
        info.topic,
    )


def rule_disagreement(history: History, config: AlertConfig) -> list[Finding]:
    """Flag client-therapist gaps on a subscale rated by both in the same session.

    For each (client, therapist) column pair, the latest session with both
    ratings; fires when ``|client - therapist| >= config.disagreement_gap``
    (a gap exactly at the threshold fires). A warning when the client's
    rating is the lower one (the therapist may be missing a problem), info
    when the therapist's is.
    """
    pairs = config.disagreement_pairs.items()
    found = (_gap(history, config, c, t) for c, t in pairs)
    return [f for f in found if f is not None]
