"""Session profile arithmetic on a hand-labelled transcript (no model involved)."""

from __future__ import annotations

import doctest
import math

import polars as pl
import pytest

from alliance.transcripts import profile
from alliance.transcripts.profile import load_params, profile_sessions, quality_features

# therapist: 2 open Q, 1 closed Q, 2 complex R, 1 simple R, 1 advice, 1 information, 2 other
# client: 3 change, 4 neutral, 1 sustain
ROWS = [
    ("therapist", "question", "open", "What brings you here today?", 0.0),
    ("client", "neutral", None, "My doctor sent me.", 5.0),
    ("therapist", "reflection", "simple", "Your doctor sent you.", 10.0),
    ("client", "sustain", None, "I don't think I drink too much.", 15.0),
    ("therapist", "reflection", "complex", "Part of you wonders what the fuss is about.", 20.0),
    ("client", "change", None, "I do want to be healthy for my kids.", 30.0),
    ("therapist", "question", "closed", "Do you drink every day?", 40.0),
    ("client", "neutral", None, "Most days.", 45.0),
    ("therapist", "therapist_input", "advice", "You could try alcohol-free weekdays.", 50.0),
    ("client", "change", None, "I could try that.", 60.0),
    (
        "therapist",
        "therapist_input",
        "information",
        "Many people find the first week hardest.",
        70.0,
    ),
    ("client", "neutral", None, "Okay.", 80.0),
    ("therapist", "question", "open", "How would you like to start?", 90.0),
    ("client", "change", None, "I'll stop on Mondays and Tuesdays.", 100.0),
    ("therapist", "reflection", "complex", "You're ready to take a first step.", 110.0),
    ("client", "neutral", None, "Yes.", 115.0),
    ("therapist", "other", None, "Great.", 118.0),
    ("therapist", "other", None, "See you next week.", 120.0),
]


def frame(
    rows: list[tuple[str, str, str | None, str, float]] = ROWS, tid: str = "s1"
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "transcript_id": [tid] * len(rows),
            "utterance_id": list(range(len(rows))),
            "interlocutor": [r[0] for r in rows],
            "label": [r[1] for r in rows],
            "subtype": [r[2] for r in rows],
            "text": [r[3] for r in rows],
            "start_s": [r[4] for r in rows],
        },
        schema_overrides={"subtype": pl.String},
    )


def words(who: str) -> int:
    return sum(len(r[3].split()) for r in ROWS if r[0] == who)


def test_docstring_examples_run() -> None:
    assert doctest.testmod(profile).failed == 0


def test_counts_shares_and_ratios_follow_the_labels() -> None:
    (p,) = profile_sessions(frame())
    assert (p.therapist_utterances, p.client_utterances) == (10, 8)
    assert p.therapist_talk_share == pytest.approx(10 / 18)
    wt, wc = words("therapist"), words("client")
    assert p.therapist_word_share == pytest.approx(wt / (wt + wc))
    assert p.client_word_share == pytest.approx(wc / (wt + wc))
    assert p.behaviour_counts == {"question": 3, "reflection": 3, "therapist_input": 2, "other": 2}
    assert p.behaviour_shares["reflection"] == pytest.approx(0.3)
    assert p.client_talk_counts == {"change": 3, "neutral": 4, "sustain": 1}
    assert p.reflection_to_question == pytest.approx(1.0)
    assert p.open_question_share == pytest.approx(2 / 3)
    assert p.complex_reflection_share == pytest.approx(2 / 3)
    assert p.advice_rate == pytest.approx(0.1)
    assert p.duration_s == pytest.approx(120.0)
    assert p.advice_per_10_min == pytest.approx(1 * 600 / 120)
    assert p.change_talk_share == pytest.approx(3 / 8)
    assert p.sustain_talk_share == pytest.approx(1 / 8)
    assert p.change_talk_percent == pytest.approx(3 / 4)
    assert p.benchmarks["reflection_to_question"] == "fair"
    assert p.benchmarks["complex_reflection_share"] == "good"


def test_directiveness_is_the_weighted_mean_of_therapist_behaviours() -> None:
    w = load_params()["directiveness"]["weights"]
    expected = (
        2 * w["open"]
        + w["closed"]
        + 2 * w["complex"]
        + w["simple"]
        + w["advice"]
        + w["information"]
        + 2 * w["other"]
    ) / 10
    (p,) = profile_sessions(frame())
    assert p.directiveness == pytest.approx(expected)
    assert p.directiveness_cnip == pytest.approx(15 * expected)


def test_missing_subtypes_use_the_main_label_weight() -> None:
    rows = [(r[0], r[1], None, r[3], r[4]) for r in ROWS]
    w = load_params()["directiveness"]["weights"]
    expected = (
        3 * w["question"] + 3 * w["reflection"] + 2 * w["therapist_input"] + 2 * w["other"]
    ) / 10
    (p,) = profile_sessions(frame(rows))
    assert p.directiveness == pytest.approx(expected)
    assert p.open_question_share is None and p.complex_reflection_share is None


def test_style_follows_the_nearest_prototype() -> None:
    advice = [
        ("therapist", "therapist_input", "advice", "You must stop now.", float(i)) for i in range(6)
    ]
    advice += [("client", "neutral", None, "Okay.", 10.0 + i) for i in range(3)]
    reflect = [
        ("therapist", "reflection", "complex", "You feel torn about it all.", float(i))
        for i in range(6)
    ]
    reflect += [
        (
            "client",
            "neutral",
            None,
            "I have been thinking about it a great deal lately and I am not sure.",
            10.0 + i,
        )
        for i in range(6)
    ]
    (d,) = profile_sessions(frame(advice))
    (n,) = profile_sessions(frame(reflect))
    assert d.style == "directive" and d.directiveness == pytest.approx(1.0)
    assert n.style == "nondirective" and n.directiveness is not None and n.directiveness < -0.5
    assert math.isclose(sum(d.style_fit.values()), 1.0, abs_tol=1e-3)


def test_approach_and_cnip_preferences_are_compared_with_the_session() -> None:
    advice = [
        ("therapist", "therapist_input", "advice", "You must stop now.", float(i)) for i in range(6)
    ]
    advice += [("client", "neutral", None, "Okay.", 10.0 + i) for i in range(3)]
    (p,) = profile_sessions(frame(advice), approach="nondirective", cnip_directiveness=-10)
    assert p.approach is not None and p.approach["matches"] is False
    assert "more therapist-led" in p.approach["note"]
    assert p.cnip is not None and p.cnip["gap"] == pytest.approx(25.0) and p.cnip["notable"] is True
    assert "more therapist-led than the client said they prefer" in p.cnip["note"]
    (q,) = profile_sessions(frame(), approach="facilitative", cnip_directiveness=0)
    assert q.cnip is not None and q.cnip["notable"] is False


def test_ratios_without_a_denominator_are_none_and_transcripts_are_separate() -> None:
    f = pl.concat(
        [
            frame([("client", "change", None, "I want to change.", 0.0)], tid="only-client"),
            frame(tid="full"),
        ]
    )
    p0, p1 = profile_sessions(f)
    assert p0.transcript_id == "only-client" and p1.transcript_id == "full"
    assert p0.reflection_to_question is None and p0.directiveness is None and p0.style is None
    assert p0.change_talk_share == 1.0
    assert p1.therapist_utterances == 10


def test_bad_input_raises_value_error() -> None:
    with pytest.raises(ValueError, match="approach"):
        profile_sessions(frame(), approach="gentle")
    with pytest.raises(ValueError, match="C-NIP"):
        profile_sessions(frame(), cnip_directiveness=16)
    with pytest.raises(ValueError, match="lacks column"):
        profile_sessions(frame().drop("label"))
    with pytest.raises(ValueError, match="interlocutor"):
        profile_sessions(frame().with_columns(pl.lit("coach").alias("interlocutor")))


def test_quality_features_are_the_documented_shares() -> None:
    ids, x = quality_features(frame())
    assert ids == ["s1"]
    row = dict(zip(profile.QUALITY_FEATURES, x[0], strict=True))
    assert row["reflection_share"] == pytest.approx(0.3)
    assert row["therapist_input_share"] == pytest.approx(0.2)
    assert row["advice_share"] == pytest.approx(0.1)
    assert row["log_reflection_to_question"] == pytest.approx(0.0)
    assert row["change_share"] == pytest.approx(3 / 8)
