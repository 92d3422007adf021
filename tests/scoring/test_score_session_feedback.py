"""Session feedback: the 0-10 helpful rating is scored; the two free-text
questions are never scored nor validated as numbers."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.scoring import score


def test_helpful_score_is_the_rating_and_text_answers_are_ignored() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "session_feedback_1": ["Going well", "12", None],
            "session_feedback_2": ["Slow down, please!", None, "more homework"],
            "session_feedback_3": [7.0, 0.0, 10.0],
        }
    )
    scored = score(frame, "session_feedback").scores
    # One item, summed: 7 -> 7, 0 -> 0, 10 -> 10; text never enters the score.
    assert scored["session_feedback_helpful"].to_list() == [7.0, 0.0, 10.0]
    assert scored["session_feedback_note"].to_list() == [None, None, None]
    assert scored["session_feedback_1"].to_list() == ["Going well", "12", None]


def test_text_answers_alone_are_accepted_and_give_no_helpful_score() -> None:
    # Every item is optional; the helpful rating was not asked.
    frame = pl.DataFrame({"session_feedback_1": ["fine"], "session_feedback_2": ["no"]})
    r = score(frame, "session_feedback").scores.row(0, named=True)
    assert r["session_feedback_helpful"] is None
    assert r["session_feedback_note"] == (
        "helpful: not scored (1 of 1 items missing; every item is needed)"
    )


@pytest.mark.parametrize("bad", [10.5, -1.0, 7.5])
def test_helpful_rating_must_be_a_whole_number_from_0_to_10(bad: float) -> None:
    frame = pl.DataFrame({"session_feedback_3": [5.0, bad]})
    with pytest.raises(DataError) as info:
        score(frame, "session_feedback")
    assert (info.value.row, info.value.column, info.value.value) == (2, "session_feedback_3", bad)
    assert "from 0 to 10 in steps of 1" in str(info.value)
