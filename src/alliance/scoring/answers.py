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

from alliance.instruments.answers import check_answers as check_item_answers
from alliance.instruments.loader import get
from alliance.instruments.schema import Instrument
from alliance.scoring import output_columns, score

__all__ = ["check_answers", "score_answers", "urgent_flags"]

def check_answers(instrument: Instrument, answers: Mapping[Any, Any]) -> dict[str, Any]:
    """The answers as stored: item number (text) -> number or text; blanks left out.

    Each answer is checked by :func:`alliance.instruments.check_answers` (the
    one rule per item for every way in: allowed values, finite numbers, free
    text within :data:`alliance.instruments.MAX_TEXT_ANSWER`), which raises a
    :class:`~alliance.errors.DataError` (a ValueError) naming the item. Nothing
    is coerced: a number given as text is refused.

    >>> from alliance.instruments import get
    >>> check_answers(get("phq9"), {"1": 2, 9: None})
    {'1': 2.0}
    """
    present = {key: value for key, value in answers.items() if value is not None and value != ""}
    check_item_answers(instrument, present)
    return {
        str(int(str(key))): value if isinstance(value, str) else float(value)
        for key, value in present.items()
    }


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
