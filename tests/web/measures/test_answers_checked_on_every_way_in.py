"""Every writer of a response goes through ``record_answers``, which checks the answers
against the instrument first (``alliance.scoring.answers.check_answers``): free text over MAX_TEXT_ANSWER, or a number that is not an
allowed answer, is refused with a DataError naming the item, and nothing is stored."""

from __future__ import annotations

import pytest

from alliance.errors import DataError
from alliance.instruments import MAX_TEXT_ANSWER, get
from alliance.scoring.answers import check_answers
from alliance.web.care.models import Session
from alliance.web.measures.models import Response
from alliance.web.measures.services import save_therapist_response


def test_the_check_refuses_text_over_the_limit_naming_the_item() -> None:
    with pytest.raises(DataError, match=r"session_feedback item 2: the text is 4,001 characters"):
        check_answers(get("session_feedback"), {"2": "x" * (MAX_TEXT_ANSWER + 1), "3": 5.0})


def test_the_check_refuses_a_number_that_is_not_an_allowed_answer() -> None:
    with pytest.raises(DataError, match=r"phq9 item 9: 7 is not one of 0, 1, 2, 3"):
        check_answers(get("phq9"), {str(n): 7.0 if n == 9 else 1.0 for n in range(1, 10)})


@pytest.fixture
def new_session(c1_episode, c1_sessions) -> Session:
    return Session.objects.create(episode=c1_episode, number=5, date="2026-11-20")


def test_the_therapist_path_stores_nothing_when_the_text_is_too_long(new_session, alice) -> None:
    session = new_session
    with pytest.raises(DataError, match="at most 4,000"):
        save_therapist_response(
            session, "session_feedback", {"1": "x" * 2_000_000, "3": 5.0}, alice
        )
    assert not Response.objects.filter(session=session).exists()


def test_text_at_the_limit_is_scored_and_kept(new_session, alice) -> None:
    session = new_session
    response, created = save_therapist_response(
        session, "session_feedback", {"1": "x" * MAX_TEXT_ANSWER, "3": 5.0}, alice
    )
    assert created and response.answers["1"] == "x" * MAX_TEXT_ANSWER
