"""The client's own progress in plain words, from the same scores the therapist sees."""

from __future__ import annotations

from alliance.instruments import get
from alliance.web.alerts.timeline import Timeline
from alliance.web.score_columns import GAD7_TOTAL, PHQ9_TOTAL

MEASURES = (
    ("phq9", PHQ9_TOTAL, "low mood (PHQ-9)"),
    ("gad7", GAD7_TOTAL, "worry and anxiety (GAD-7)"),
)


def progress_sentences(timeline: Timeline) -> list[str]:
    """Short sentences comparing the first and the latest score of each measure."""
    sentences: list[str] = []
    for instrument_id, column, label in MEASURES:
        values = [
            (n, v)
            for n, v in zip(timeline.numbers, timeline.series(column), strict=True)
            if v is not None
        ]
        if len(values) < 2:
            continue
        (first_n, first), (last_n, last) = values[0], values[-1]
        change = timeline_change(instrument_id, first, last)
        sentences.append(
            f"Your score for {label} was {first:g} at session {first_n} and {last:g} at session {last_n}. {change}"
        )
    if not sentences:
        sentences.append("After a few sessions you will see here how things are changing for you.")
    return sentences


def timeline_change(instrument_id: str, first: float, last: float) -> str:
    """Plain words for a change, using the instrument's reliable-change norm (lower = better)."""
    norms = get(instrument_id).scale("total").change
    threshold = norms.min_reliable_change if norms is not None else None
    if threshold is None:
        return "Scores go up and down from week to week; your therapist can talk them through with you."
    drop = first - last
    if drop >= threshold:
        return "That is a clear improvement: bigger than the usual ups and downs."
    if -drop >= threshold:
        return (
            "That is higher than at the start. It is worth talking about with your therapist: "
            "things often get harder before they get better, and together you can adjust the plan."
        )
    return "That is within the usual ups and downs so far. Change often takes a few more sessions."
