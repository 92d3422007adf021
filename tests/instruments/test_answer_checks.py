"""One set of answers is checked against its instrument before it is kept, whatever its way in.

Free text has one length limit everywhere (link, therapist form, FHIR import):
``MAX_TEXT_ANSWER`` characters, the limit of the web form. Numbers must be an
allowed answer of their item.
"""

from __future__ import annotations

import math

import pytest

from alliance.errors import DataError
from alliance.instruments import MAX_TEXT_ANSWER, answer_problem, check_answers, get


def test_the_limit_is_the_web_forms_4000_characters() -> None:
    assert MAX_TEXT_ANSWER == 4000


def test_text_up_to_the_limit_is_accepted() -> None:
    feedback = get("session_feedback")
    text_items = [i.n for i in feedback.items if feedback.response_for(i.n).kind == "text"]
    assert text_items
    check_answers(feedback, {str(text_items[0]): "é" * MAX_TEXT_ANSWER, "3": 7.0})


def test_longer_text_is_refused_naming_instrument_item_and_limit() -> None:
    feedback = get("session_feedback")
    n = next(i.n for i in feedback.items if feedback.response_for(i.n).kind == "text")
    with pytest.raises(DataError) as info:
        check_answers(feedback, {str(n): "x" * 2_000_000})
    message = str(info.value)
    assert f"session_feedback item {n}:" in message
    assert "2,000,000 characters" in message and "at most 4,000" in message
    assert info.value.column == f"session_feedback_{n}"


@pytest.mark.parametrize(
    ("instrument", "n", "value", "reason"),
    [
        ("phq9", 1, 4.0, "4 is not one of 0, 1, 2, 3"),
        ("phq9", 1, math.nan, "not a number"),
        ("phq9", 1, "2", "takes a number"),
        ("phq9", 1, True, "takes a number"),
        ("session_feedback", 3, 10.5, "10.5 is outside 0 to 10"),
        ("session_feedback", 3, 2.5, "not on a step of 1"),
        ("session_feedback", 1, 3.0, "takes free text"),
    ],
)
def test_an_answer_that_does_not_fit_its_item_says_why(
    instrument: str, n: int, value: object, reason: str
) -> None:
    inst = get(instrument)
    assert reason in (answer_problem(inst.response_for(n), value) or "")
    with pytest.raises(DataError, match=f"{instrument} item {n}: "):
        check_answers(inst, {str(n): value})


def test_an_unknown_item_is_refused() -> None:
    with pytest.raises(DataError, match="phq9 has no item '10'"):
        check_answers(get("phq9"), {"10": 1.0})


def test_unanswered_items_pass() -> None:
    check_answers(get("phq9"), {"1": None, 2: 3.0})
