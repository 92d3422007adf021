"""Check one set of answers against its instrument before it is kept or scored.

Every way answers come in (a client's link, the therapist's form, an import
from another system) passes through :func:`check_answers`, so a free-text
answer has one length limit and a number one set of allowed values,
whatever the path. Data files are checked column-wise by
:mod:`alliance.scoring.validate` instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

from alliance.errors import DataError
from alliance.instruments.schema import Instrument, ResponseScale

MAX_TEXT_ANSWER = 4000
"""Most characters a free-text answer may hold (a long page of writing)."""

Answer = float | str | None

__all__ = ["MAX_TEXT_ANSWER", "Answer", "answer_problem", "check_answers"]


def _fmt(x: float) -> str:
    return f"{x:g}"


def answer_problem(response: ResponseScale, value: object) -> str | None:
    """Why ``value`` is not an allowed answer on ``response``, or None when it is.

    >>> from alliance.instruments import get
    >>> answer_problem(get("phq9").response_for(1), 4.0)
    '4 is not one of 0, 1, 2, 3'
    >>> answer_problem(get("phq9").response_for(1), 3.0) is None
    True
    """
    if response.kind == "text":
        if not isinstance(value, str):
            return f"the item takes free text, got {value!r}"
        if len(value) > MAX_TEXT_ANSWER:
            return f"the text is {len(value):,} characters; at most {MAX_TEXT_ANSWER:,} are allowed"
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"the item takes a number, got {value!r}"
    number = float(value)
    if not math.isfinite(number):
        return f"{number!r} is not a number"
    if response.kind == "choice":
        if number not in {o.value for o in response.options}:
            return (
                f"{_fmt(number)} is not one of {', '.join(_fmt(o.value) for o in response.options)}"
            )
        return None
    if not response.low <= number <= response.high:
        return f"{_fmt(number)} is outside {_fmt(response.low)} to {_fmt(response.high)}"
    if response.step:
        ratio = (number - response.low) / response.step
        if abs(ratio - round(ratio)) >= 1e-9:
            return f"{_fmt(number)} is not on a step of {_fmt(response.step)} from {_fmt(response.low)}"
    return None


def check_answers(
    instrument: Instrument, answers: Mapping[str, object] | Mapping[int, object]
) -> None:
    """Raise a DataError naming the first answer that does not fit its item.

    ``answers`` maps item number (int, or its text as stored) to the answer;
    None is an unanswered item.
    """
    for key, value in answers.items():
        n = _item_number(key, instrument)
        if value is None:
            continue
        problem = answer_problem(instrument.response_for(n), value)
        if problem:
            raise DataError(
                f"{instrument.id} item {n}: {problem}",
                column=instrument.item_column(n),
                value=None if isinstance(value, str) else value,  # free text is never echoed
            )


def _item_number(key: object, instrument: Instrument) -> int:
    text = str(key)
    n = int(text) if text.isascii() and text.isdigit() else 0
    if not 1 <= n <= len(instrument.items) or str(n) != text:
        raise DataError(f"{instrument.id} has no item {text!r}", column=text)
    return n
