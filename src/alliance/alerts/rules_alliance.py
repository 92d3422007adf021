"""Alliance rules: low alliance, falling alliance, client-therapist disagreement.

Each rule looks at the latest session in which its scores were measured, so
a finding is about what needs attention now; its key stays the same when the
rules are re-run on a longer history.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from alliance.alerts._common import (
    Point,
    alliance_column,
    at_least,
    below,
    finding,
    fmt,
    in_a_row,
    latest_run,
    ols_slope,
    subscale_of,
    sum_squares,
)
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History

__all__ = ["rule_disagreement", "rule_falling_alliance", "rule_low_alliance"]


def _low(history: History, config: AlertConfig, column: str, threshold: float) -> Finding | None:
    run = latest_run(history.values(column), lambda p: below(p[1], threshold))
    at_once = config.low_alliance_at_once.get(column)
    clear = bool(run) and at_once is not None and below(run[-1][1], at_once)
    if len(run) < config.low_alliance_confirm and not clear:
        return None
    (onset, _), (session, score) = run[0], run[-1]
    info = config.scales[column]
    spell = in_a_row(run, onset, "It has been below it")
    return finding(
        "low_alliance",
        "warning",
        onset,
        f"Low alliance: {info.label}",
        f"In session {session} the client's {info.label} was {fmt(score)}, "
        f"below the threshold of {fmt(threshold)} (short by {fmt(threshold - score)}).{spell}",
        {"score": score, "threshold": threshold, "sessions": float(len(run))},
        subscale_of(info),
        info.topic,
    )


def rule_low_alliance(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when an alliance scale has stayed below its threshold.

    Fires when ``score < config.low_alliance[column]`` in the latest
    ``config.low_alliance_confirm`` measured sessions in a row (default 2), or
    at once when the latest score is below ``config.low_alliance_at_once``
    (a score too low to be noise); a score exactly at a threshold does not
    count. The finding is keyed on
    the first session of the spell below the threshold, so a client who stays
    low gets one alert, whose numbers follow the latest session, not one per
    session. One finding per scale.
    """
    found = (_low(history, config, c, t) for c, t in config.low_alliance.items())
    return [f for f in found if f is not None]


def _window_falls(
    points: Sequence[Point], end: int, config: AlertConfig, column: str
) -> tuple[float, float] | None:
    """(slope, its noise standard error) of the window ending at ``points[end]`` when it
    falls both by the threshold and beyond noise, else None."""
    window = points[end - config.falling_sessions + 1 : end + 1]
    slope = ols_slope(window)
    se = config.rupture_noise_sd[column] / math.sqrt(sum_squares([x for x, _ in window]))
    falls = at_least(config.falling_slope[column], slope) and at_least(
        -config.falling_z * se, slope
    )
    return (slope, se) if falls else None


def rule_falling_alliance(history: History, config: AlertConfig) -> list[Finding]:
    """Warn when the alliance has been falling over the last few sessions, beyond noise.

    Takes the preferred alliance score (``config.alliance_scores``), its last
    ``config.falling_sessions`` measured values, and fits an OLS line on the
    session number. Fires when ``slope <= config.falling_slope[column]`` (a
    slope exactly at the threshold fires) and ``slope <= -falling_z * se``,
    where ``se = noise_sd / sqrt(sum((x - mean x)**2))`` is the slope's
    standard error under the pooled session-to-session noise SD
    (``config.rupture_noise_sd``). Keyed on the first session whose window
    fell, so a fall that goes on over several sessions is one alert.
    """
    column = alliance_column(history, config)
    if column is None:
        return []
    points = history.values(column)
    first_end = config.falling_sessions - 1
    falls = [_window_falls(points, end, config, column) for end in range(first_end, len(points))]
    latest_fall = falls[-1] if falls else None
    if latest_fall is None:
        return []
    slope, se = latest_fall
    spell = latest_run(falls, lambda f: f is not None)
    window = points[-config.falling_sessions :]
    onset = points[len(points) - len(spell)][0]
    info, threshold = config.scales[column], config.falling_slope[column]
    (first, start), (last, end) = window[0], window[-1]
    return [
        finding(
            "falling_alliance",
            "warning",
            onset,
            f"Falling alliance: {info.label}",
            f"The client's {info.label} went from {fmt(start)} in session {first} to "
            f"{fmt(end)} in session {last}: {', '.join(fmt(v) for _, v in window)} "
            f"(trend {fmt(slope)} per session; threshold {fmt(threshold)}, "
            f"{fmt(-slope / se)} standard errors below flat).",
            {"slope": slope, "threshold": threshold, "first": start, "last": end, "se": se},
            subscale_of(info),
            info.topic,
        )
    ]


def _gap_run(
    history: History, config: AlertConfig, client: str, therapist: str
) -> list[tuple[int, float, float]]:
    """The latest run of sessions rated by both with a gap at the threshold or more, in the
    direction of the latest one; oldest first."""
    both = [
        (s.number, float(c), float(t))
        for s in history.sessions
        if (c := s.client.get(client)) is not None and (t := s.therapist.get(therapist)) is not None
    ]
    if not both:
        return []
    lower = both[-1][1] < both[-1][2]
    return latest_run(
        both,
        lambda p: at_least(abs(p[1] - p[2]), config.disagreement_gap) and (p[1] < p[2]) == lower,
    )


def _gap(history: History, config: AlertConfig, client: str, therapist: str) -> Finding | None:
    run = _gap_run(history, config, client, therapist)
    if len(run) < config.disagreement_confirm:
        return None
    onset, (session, c, t) = run[0][0], run[-1]
    gap = abs(c - t)
    info = config.scales[client]
    lower = "the client's is lower" if c < t else "yours is lower"
    spell = in_a_row(run, onset, "The gap has held")
    return finding(
        "disagreement",
        "warning" if c < t else "info",
        onset,
        f"You and the client see the {info.topic.capitalize()} differently",
        f"In session {session} the client rated {info.label} {fmt(c)} and you rated it "
        f"{fmt(t)}: {lower}, by {fmt(gap)} (threshold {fmt(config.disagreement_gap)}).{spell}",
        {
            "client": c,
            "therapist": t,
            "gap": gap,
            "threshold": config.disagreement_gap,
            "sessions": float(len(run)),
        },
        subscale_of(info),
        info.topic,
    )


def rule_disagreement(history: History, config: AlertConfig) -> list[Finding]:
    """Flag client-therapist gaps on a subscale rated by both in the same session.

    For each (client, therapist) column pair, the sessions rated by both;
    fires when ``|client - therapist| >= config.disagreement_gap`` (a gap
    exactly at the threshold fires), in the same direction, in the latest
    ``config.disagreement_confirm`` of them in a row (default 2). A warning
    when the client's rating is the lower one (the therapist may be missing a
    problem), info when the therapist's is. Keyed on the first session of the
    spell, so a lasting gap is one alert.
    """
    pairs = config.disagreement_pairs.items()
    found = (_gap(history, config, c, t) for c, t in pairs)
    return [f for f in found if f is not None]
