"""Small helpers the rules share: comparisons, number formatting, series, findings."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding, Severity
from alliance.alerts.history import History
from alliance.alerts.next_steps import steps_for
from alliance.alerts.scales import ScoreInfo

#: Differences smaller than this are floating-point noise: a score of
#: 2.9999999999 is "exactly at" a threshold of 3. Thresholds compare inclusively
#: or strictly as each rule documents, after allowing for this noise.
TOLERANCE = 1e-9

Point = tuple[int, float]
T = TypeVar("T")


def at_least(value: float, threshold: float) -> bool:
    """``value >= threshold``, allowing for floating-point noise."""
    return value >= threshold - TOLERANCE


def below(value: float, threshold: float) -> bool:
    """``value < threshold``, allowing for floating-point noise."""
    return value < threshold - TOLERANCE


def fmt(x: float) -> str:
    """A number for people: at most two decimals, no trailing zeros (``2.5``, ``6``)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def latest(history: History, column: str) -> Point | None:
    """(session, value) of the latest session where ``column`` has a value."""
    points = history.values(column)
    return points[-1] if points else None


def latest_run(points: Sequence[T], holds: Callable[[T], bool]) -> list[T]:
    """The latest unbroken run of points for which ``holds`` is true, oldest first.

    Empty when the latest point does not hold. The run's first point is the
    onset of a condition that still holds, so a finding keyed on it keeps
    its key (and is stored once) while the condition lasts.

    >>> latest_run([(1, 2.0), (2, 4.0), (3, 2.0), (4, 1.0)], lambda p: p[1] < 3)
    [(3, 2.0), (4, 1.0)]
    """
    run: list[T] = []
    for point in reversed(points):
        if not holds(point):
            break
        run.append(point)
    return run[::-1]


def in_a_row(run: Sequence[object], onset: int, what: str) -> str:
    """`` It has been below it in 3 sessions in a row, since session 4.``; empty for one session.

    >>> in_a_row([1, 2], 4, "It has been below it")
    ' It has been below it in 2 sessions in a row, since session 4.'
    """
    if len(run) == 1:
        return ""
    return f" {what} in {len(run)} sessions in a row, since session {onset}."


def sum_squares(xs: Sequence[float]) -> float:
    """``sum((x - mean x)**2)``: the spread of session numbers a slope is fitted over."""
    mean = sum(xs) / len(xs)
    return float(sum((x - mean) ** 2 for x in xs))


def ols_slope(points: Sequence[Point]) -> float:
    """Ordinary least-squares slope of value on session number.

    ``sum((x - mean x)(y - mean y)) / sum((x - mean x)**2)``; needs two
    different session numbers.
    """
    xs = [float(x) for x, _ in points]
    ys = [y for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum_squares(xs)
    if sxx == 0:
        raise ValueError("a slope needs at least two different session numbers")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def alliance_column(history: History, config: AlertConfig) -> str | None:
    """The first alliance score in the preference order that this history has."""
    return next((c for c in config.alliance_scores if history.values(c)), None)


def subscale_of(info: ScoreInfo) -> str:
    """``wai_sr_bond`` for ``wai_sr_bond_mean``: instrument and scale, no suffix."""
    return f"{info.instrument}_{info.topic}"


def worse_by(info: ScoreInfo, before: float, after: float) -> float:
    """How much worse ``after`` is than ``before`` (negative when better)."""
    return before - after if info.higher_is_better else after - before


def finding(
    rule: str,
    severity: Severity,
    session: int,
    title: str,
    detail: str,
    numbers: Mapping[str, float],
    subscale: str | None = None,
    topic: str | None = None,
) -> Finding:
    """A finding with the next steps of ``rule`` (and of the subscale ``topic``)."""
    return Finding(
        rule=rule,
        severity=severity,
        session=session,
        title=title,
        detail=detail,
        numbers=numbers,
        subscale=subscale,
        next_steps=steps_for(rule, topic),
    )
