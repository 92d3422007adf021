"""Moments to review: each rupture-marker rule on small examples."""

from __future__ import annotations

import doctest

import numpy as np
import polars as pl
import pytest

from alliance.transcripts import moments
from alliance.transcripts.moments import MARKERS, find_moments


def frame(
    rows: list[tuple[str, str | None, str]], subtypes: list[str | None] | None = None
) -> pl.DataFrame:
    n = len(rows)
    return pl.DataFrame(
        {
            "transcript_id": ["s"] * n,
            "utterance_id": list(range(n)),
            "interlocutor": [r[0] for r in rows],
            "label": [r[1] for r in rows],
            "subtype": subtypes or [None] * n,
            "text": [r[2] for r in rows],
            "start_s": [10.0 * i for i in range(n)],
        },
        schema_overrides={"label": pl.String, "subtype": pl.String},
    )


def markers(f: pl.DataFrame, **kw: object) -> list[tuple[str, int]]:
    return [(m.marker, m.utterance_id) for m in find_moments(f, **kw)]  # type: ignore[arg-type]


def test_docstring_examples_run() -> None:
    assert doctest.testmod(moments).failed == 0


def test_a_run_of_minimal_replies_to_invitations_is_one_withdrawal_moment() -> None:
    f = frame(
        [
            ("therapist", "question", "How was your week?"),
            ("client", "neutral", "Fine."),
            ("therapist", "reflection", "It was an ordinary week."),
            ("client", "neutral", "Yeah."),
            ("therapist", "question", "What happened with your sister?"),
            ("client", "neutral", "I don't know."),
            ("therapist", "question", "And at work?"),
            ("client", "neutral", "Mm-hmm."),
        ]
    )
    found = find_moments(f)
    assert [(m.marker, m.utterance_id, m.kind) for m in found] == [
        ("minimal_responses", 1, "withdrawal")
    ]
    assert found[0].timestamp == "00:00:10"
    assert "\u201cFine.\u201d" in found[0].evidence and "I don't know" in found[0].evidence


def test_minimal_replies_broken_by_a_real_answer_are_not_a_moment() -> None:
    f = frame(
        [
            ("therapist", "question", "How was your week?"),
            ("client", "neutral", "Fine."),
            ("therapist", "question", "And your sister?"),
            ("client", "neutral", "We argued about money again and it really upset me."),
            ("therapist", "reflection", "That hurt."),
            ("client", "neutral", "Yeah."),
            ("therapist", "question", "Anything else?"),
            ("client", "neutral", "No."),
        ]
    )
    assert markers(f) == []


def test_deferring_complaints_and_rejections_are_found_with_evidence() -> None:
    f = frame(
        [
            ("therapist", "question", "What would you like to work on?"),
            ("client", "neutral", "Whatever you think. You're the expert."),
            ("therapist", "therapist_input", "You could keep a mood diary."),
            ("client", "sustain", "I\u2019ve tried that already, it didn't help."),
            ("therapist", "question", "How are our sessions going for you?"),
            ("client", "neutral", "Honestly, I don't see the point of coming here."),
        ],
        subtypes=[None, None, "advice", None, "open", None],
    )
    got = markers(f)
    assert ("deferring", 1) in got
    assert ("rejecting_intervention", 3) in got
    assert ("complaint", 5) in got
    assert all(
        MARKERS[m] == ("withdrawal" if m == "deferring" else "confrontation") for m, _ in got
    )


def test_sustain_talk_right_after_advice_counts_as_pushing_back() -> None:
    f = frame(
        [
            ("therapist", "therapist_input", "You should cut down to two drinks."),
            ("client", "sustain", "Drinking helps me relax after work, so no."),
        ],
        subtypes=["advice", None],
    )
    assert markers(f) == [("rejecting_intervention", 1)]
    # the same words after an open question are not pushing back on advice
    g = frame(
        [
            ("therapist", "question", "How does drinking fit in your week?"),
            ("client", "sustain", "Drinking helps me relax after work, so no."),
        ]
    )
    assert markers(g) == []


def test_topic_shift_by_phrase_or_by_low_similarity() -> None:
    f = frame(
        [
            ("therapist", "reflection", "You felt let down when your father left."),
            ("client", "neutral", "Anyway, did I tell you I got a new car last week?"),
            ("therapist", "question", "Tell me more about the argument with your boss today."),
            ("client", "neutral", "The weather has been lovely for gardening this spring season."),
        ]
    )
    assert markers(f) == [("topic_shift", 1)]
    sim = np.array([0.0, 0.4, 0.3, -0.2])
    assert markers(f, similarity=sim) == [("topic_shift", 1), ("topic_shift", 3)]
    with pytest.raises(ValueError, match="similarity"):
        find_moments(f, similarity=np.zeros(2))


def test_moments_are_worded_as_invitations_not_findings() -> None:
    for prompt in moments._PROMPTS.values():
        assert "moment to look at again" in prompt.lower()
        for word in ("diagnos", "disorder", "resistant", "non-compliant"):
            assert word not in prompt.lower()
