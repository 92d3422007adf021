"""The client report's plain-language summary, written for the client.

Every number comes from the episode timeline (the same scores the client page
and the client's own page show); severity bands and the reliable-change rule
come from the instrument files, and the change wording is the client portal's
(``alliance.web.portal.progress``), so the client reads the same words in both
places. Where an instrument has no published change norm (SAI, WAI-SR) the
summary says so instead of judging the change. Nothing here mentions alerts,
risk items, ruptures or the therapist's own ratings.

>>> gas_words(0), gas_words(-1)
('at the expected level', 'somewhat less than expected')
>>> task_status(True), task_status(None)
('done', 'not answered yet')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from alliance.charts.definitions import GAS_LEVELS
from alliance.instruments import get
from alliance.scoring.keys import band_key
from alliance.web.alerts.timeline import Timeline
from alliance.web.portal.progress import MEASURES, timeline_change
from alliance.web.score_columns import SAI_TOTAL, WAI_SR_MEANS

NOT_ENOUGH = (
    "There is not enough information yet for a summary: after a few sessions with "
    "questionnaires this report will show how things are changing."
)


def _fmt(value: float) -> str:
    """A score as people write it: ``18`` not ``18.0``, at most one decimal."""
    return f"{round(float(value), 1):g}"


def scored(timeline: Timeline, column: str) -> list[tuple[int, float]]:
    """(session, score) for every session with a client score in ``column``."""
    return [
        (n, float(v))
        for n, v in zip(timeline.numbers, timeline.series(column), strict=True)
        if v is not None
    ]


def band_of(timeline: Timeline, instrument_id: str, session: int) -> str | None:
    """The severity band the scoring engine stored with this score (from the instrument file)."""
    band = timeline.value(session, band_key(instrument_id))
    return str(band) if band else None


def _with_band(score: float, band: str | None) -> str:
    return f"{_fmt(score)} ({band})" if band else _fmt(score)


def outcome_sentence(timeline: Timeline, instrument_id: str, column: str, label: str) -> str:
    """One measure's change from the first to the latest score, or why it cannot be told yet.

    The change words are the portal's ``timeline_change`` (the instrument's
    minimum reliable change); the bands are the instrument file's.
    """
    values = scored(timeline, column)
    if not values:
        return f"There are no answers yet for {label}."
    first_n, first = values[0]
    first_words = _with_band(first, band_of(timeline, instrument_id, first_n))
    if len(values) < 2:
        return (
            f"Your score for {label} was {first_words} at session {first_n}. One score is not "
            "enough to show a change yet."
        )
    last_n, last = values[-1]
    last_words = _with_band(last, band_of(timeline, instrument_id, last_n))
    return (
        f"Your score for {label} went from {first_words} at session {first_n} to "
        f"{last_words} at session {last_n}. {timeline_change(instrument_id, first, last)}"
    )


def outcome_sentences(timeline: Timeline) -> list[str]:
    """A sentence per outcome measure (PHQ-9, GAD-7) that has at least one answer."""
    return [
        outcome_sentence(timeline, inst, column, label)
        for inst, column, label in MEASURES
        if scored(timeline, column)
    ]


def outcome_explanations(timeline: Timeline) -> list[str]:
    """What the shaded zones on the outcome chart mean, from the instrument files."""
    notes: list[str] = []
    for instrument_id, column, label in MEASURES:
        if not scored(timeline, column):
            continue
        scale = get(instrument_id).scale("total")
        if scale.bands:
            ranges = ", ".join(f"{b.label} {_fmt(b.min)}-{_fmt(b.max)}" for b in scale.bands)
            notes.append(
                f"{label[:1].upper()}{label[1:]}: lower scores are better. The grey zones are the ranges "
                f"the questionnaire's authors use: {ranges}."
            )
        norms = scale.change
        if norms is not None and norms.min_reliable_change:
            rc = _fmt(norms.min_reliable_change)
            notes.append(
                f"Scores go up and down a little from week to week. For {label}, a change of "
                f"{rc} points or more from your first score is large enough to be more than "
                f"that; the blue zone on the chart shows the changes smaller than {rc} points."
            )
    return notes


def alliance_sentences(timeline: Timeline) -> list[str]:
    """The client's own ratings of the sessions (SAI) and of working together (WAI-SR).

    Neither has a published rule for a meaningful change (their instrument
    files say ``published = false``), so the sentences report the numbers and
    say that, rather than calling a change big or small.
    """
    sentences: list[str] = []
    sai = scored(timeline, SAI_TOTAL)
    if sai:
        first_n, first = sai[0]
        last_n, last = sai[-1]
        if len(sai) == 1:
            sentences.append(
                f"You rated how the session went once so far: {_fmt(last)} out of 5 "
                f"(session {last_n})."
            )
        else:
            sentences.append(
                f"You rated how each session went {len(sai)} times: {_fmt(first)} out of 5 at "
                f"session {first_n} and {_fmt(last)} out of 5 at session {last_n} (higher means "
                "the session felt more like working well together)."
            )
    wai = scored(timeline, WAI_SR_MEANS["total"])
    if wai:
        n, total = wai[-1]
        parts = [
            f"{name} {_fmt(v)}"
            for name, column in (
                ("goals", WAI_SR_MEANS["goal"]),
                ("tasks", WAI_SR_MEANS["task"]),
                ("bond", WAI_SR_MEANS["bond"]),
            )
            if (v := timeline.value(n, column)) is not None
        ]
        detail = f" ({', '.join(parts)})" if parts else ""
        sentences.append(
            f"Your latest rating of how you and your therapist work together was {_fmt(total)} "
            f"out of 5{detail}, at session {n}."
        )
    if sentences:
        sentences.append(
            "There is no published rule for how big a change in these ratings matters, so "
            "small differences are best talked through with your therapist."
        )
    return sentences


def gas_words(level: int) -> str:
    """A goal-attainment level in words (the GAS labels of the chart definitions)."""
    if level == 0:
        return "at the expected level"
    return GAS_LEVELS[level]


def goal_status(goal: Any) -> str:
    """Who has agreed the goal, in the client's terms."""
    if goal.client_confirmed_at and goal.therapist_confirmed_at:
        return "agreed by you and your therapist"
    if goal.client_confirmed_at:
        return "confirmed by you"
    return "waiting for you to confirm"


def task_status(done: bool | None) -> str:
    """A task's state as the client told it."""
    if done is True:
        return "done"
    if done is False:
        return "not this time"
    return "not answered yet"


def goal_sentence(goals: Sequence[dict[str, Any]]) -> str:
    """How many goals, how many agreed and how many rated, in one sentence."""
    if not goals:
        return "You and your therapist have not written goals yet."
    agreed = sum(1 for g in goals if g["goal"].agreed)
    rated = sum(1 for g in goals if g["last"] is not None)
    noun = "goal" if len(goals) == 1 else "goals"
    return (
        f"You have {len(goals)} {noun}: {agreed} agreed by you both, "
        f"{rated} with a progress rating so far."
    )


def task_sentence(tasks: Sequence[Any]) -> str | None:
    """How the tasks between sessions went, or None when there are none."""
    if not tasks:
        return None
    done = sum(1 for t in tasks if t.done is True)
    open_ = sum(1 for t in tasks if t.done is None)
    noun = "task" if len(tasks) == 1 else "tasks"
    return f"Of {len(tasks)} {noun} to try between sessions, you have done {done}" + (
        f" and {open_} still to answer." if open_ else "."
    )


def summary(
    timeline: Timeline | None, goals: Sequence[dict[str, Any]], tasks: Sequence[Any]
) -> list[str]:
    """The summary paragraph's sentences, in reading order.

    With no answered questionnaire at all the first sentence says there is not
    enough information yet; goals and tasks are still summarised.
    """
    sentences: list[str] = []
    outcomes = outcome_sentences(timeline) if timeline is not None else []
    alliance = alliance_sentences(timeline) if timeline is not None else []
    if not outcomes and not alliance:
        sentences.append(NOT_ENOUGH)
    sentences += outcomes
    sentences += alliance[:1]
    sentences.append(goal_sentence(goals))
    task = task_sentence(tasks)
    if task:
        sentences.append(task)
    return sentences
