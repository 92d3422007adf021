"""One person's answers to one instrument: checked, then scored by the same engine as a file.

Every way answers reach the clinic (a client's link, a therapist's form, the
REST API, a FHIR import, a paper form, the demo) ends in :func:`check_answers`
and :func:`score_answers`, so a web submission and a hundred million research
rows are scored by one function (:func:`alliance.scoring.score`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import polars as pl

from alliance.instruments.loader import get
from alliance.instruments.schema import Instrument
from alliance.scoring import output_columns, score
from alliance.scoring.validate import describe_allowed, valid_expr

__all__ = ["MAX_TEXT_ANSWER", "check_answers", "score_answers", "urgent_flags"]

MAX_TEXT_ANSWER = 4000
"""The longest free-text answer accepted, whatever the way in (characters)."""


def _item_number(instrument: Instrument, key: object) -> int:
    text = str(key)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{instrument.id}: {text[:40]!r} is not an item number")
    n = int(text)
    if n not in {item.n for item in instrument.items}:
        raise ValueError(f"{instrument.id}: there is no item {n}")
    return n


def _number(instrument: Instrument, n: int, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{instrument.id} item {n}: give a number, got {value!r:.40}")
    number = float(value)
    response = instrument.response_for(n)
    if not math.isfinite(number):
        raise ValueError(f"{instrument.id} item {n}: {value!r} is not a finite number")
    frame = pl.DataFrame({"x": [number]})
    if not frame.select(valid_expr("x", response)).item():
        raise ValueError(
            f"{instrument.id} item {n}: {number:g} is not allowed ({describe_allowed(response)})"
        )
    return number


def _text(instrument: Instrument, n: int, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{instrument.id} item {n}: give text, got {type(value).__name__}")
    if len(value) > MAX_TEXT_ANSWER:
        raise ValueError(
            f"{instrument.id} item {n}: {len(value):,} characters; "
            f"the longest answer accepted is {MAX_TEXT_ANSWER:,}"
        )
    return value


def check_answers(instrument: Instrument, answers: Mapping[Any, Any]) -> dict[str, Any]:
    """The answers as stored: item number (text) -> number or text; blanks left out.

    Raises ValueError naming the item for an unknown item, a number outside the
    item's answer scale, a non-finite number, or text longer than
    :data:`MAX_TEXT_ANSWER`. Nothing is coerced: a number given as text is refused.

    >>> from alliance.instruments import get
    >>> check_answers(get("phq9"), {"1": 2, 9: None})
    {'1': 2.0}
    """
    clean: dict[str, Any] = {}
    for key, value in answers.items():
        n = _item_number(instrument, key)
        if value is None or value == "":
            continue
        if instrument.response_for(n).kind == "text":
            clean[str(n)] = _text(instrument, n, value)
        else:
            clean[str(n)] = _number(instrument, n, value)
    return clean


def score_answers(instrument: Instrument | str, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Scores for one set of checked answers, as JSON-ready values (NaN becomes None).

    ``instrument`` is an Instrument (a clinic's own one too) or a built-in id.

    >>> from alliance.instruments import get
    >>> score_answers(get("gad7"), {str(n): 1.0 for n in range(1, 8)})["gad7_total"]
    7.0
    """
    if isinstance(instrument, str):
        instrument = get(instrument)
    row: dict[str, list[float | None]] = {}
    for n in instrument.scored_items():
        value = answers.get(str(n))
        row[instrument.item_column(n)] = [None if value is None else float(value)]
    frame = pl.DataFrame(row, schema=dict.fromkeys(row, pl.Float64))
    result = score(frame, instrument, keys=())
    values = result.scores.select(output_columns(instrument)).row(0, named=True)
    return {k: _json(v) for k, v in values.items()}


def urgent_flags(instrument: Instrument, scores: Mapping[str, Any]) -> list[str]:
    """Messages of the instrument's urgent flags that are raised in ``scores``.

    The risk page and the urgent alert read this, never a literal item number.

    >>> from alliance.instruments import get
    >>> phq9 = get("phq9")
    >>> len(urgent_flags(phq9, score_answers(phq9, {"9": 1.0})))
    1
    """
    return [
        flag.message
        for flag in instrument.flags
        if flag.severity == "urgent" and scores.get(f"{instrument.id}_flag_{flag.id}") is True
    ]


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
