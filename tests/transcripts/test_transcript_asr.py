"""The ASR-style transform is deterministic, lower-case, unpunctuated, noisy at the stated rate;
normalisation removes fillers and stutters from longer turns only."""

from __future__ import annotations

import doctest
import random

import pytest

from alliance.transcripts import asr
from alliance.transcripts.asr import (
    AsrNoise,
    asr_session,
    asr_style,
    normalise,
    plain,
    word_error_rate,
)

SENTENCES = [
    "So what brings you in today? My doctor said I should cut down on drinking.",
    "I don't really think it's a problem, but my wife worries about it.",
    "You're worried about your health, and also about what she thinks.",
    "Yeah. I want to be around for my kids, so maybe I should stop.",
    "What would be different if you drank less during the week?",
    "I'd sleep better, I think, and I wouldn't fight with her so much.",
]


def _corpus(n: int = 400) -> list[str]:
    rng = random.Random(5)
    words = " ".join(SENTENCES).split()
    return [" ".join(rng.choices(words, k=rng.randint(3, 30))) for _ in range(n)]


def test_docstring_examples_run() -> None:
    assert doctest.testmod(asr).failed == 0


def test_the_transform_is_deterministic_per_text_and_seed_whatever_the_order() -> None:
    a = [asr_style(t, seed=7) for t in SENTENCES]
    b = [asr_style(t, seed=7) for t in reversed(SENTENCES)][::-1]
    assert a == b
    assert [asr_style(t, seed=8) for t in SENTENCES] != a


def test_output_is_lower_case_without_punctuation() -> None:
    for t in _corpus(100):
        out = asr_style(t, seed=1)
        assert out == out.lower()
        assert not any(ch in out for ch in '.,?!;:-"')


def test_without_noise_only_case_and_punctuation_change() -> None:
    quiet = AsrNoise(substitute=0, delete=0, insert=0, filler=0)
    out = asr_style("Well, I-I don't know. Maybe?", noise=quiet)
    assert out == "well i i don't know maybe"
    assert word_error_rate("Well, I-I don't know. Maybe?", out) == 0.0


def test_word_error_rate_is_between_ten_and_twenty_percent_by_default() -> None:
    texts = _corpus()
    errors = sum(word_error_rate(t, asr_style(t, seed=0)) * len(t.split()) for t in texts)
    words = sum(len(t.split()) for t in texts)
    assert 0.10 <= errors / words <= 0.20


def test_word_error_rate_counts_substitutions_deletions_and_insertions() -> None:
    assert word_error_rate("a b c d", "a x c d") == 0.25
    assert word_error_rate("a b c d", "a c d") == 0.25
    assert word_error_rate("a b c d", "a b b c d") == 0.25
    assert word_error_rate("A, b!", "a b") == 0.0
    with pytest.raises(ValueError, match="no words"):
        word_error_rate("...", "a")


def test_bad_noise_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="probability"):
        AsrNoise(substitute=1.5)
    with pytest.raises(ValueError, match="must not exceed 1"):
        AsrNoise(substitute=0.6, delete=0.6)


def test_sessions_run_short_turns_into_the_turn_before() -> None:
    texts = ["How have things been at home?", "Okay.", "And at work, since we last met?"]
    merged, who = asr_session(texts, ["T", "C", "T"], run_on=1.0, seed=2)
    assert who == ["T", "T"] and len(merged) == 2
    kept, who = asr_session(texts, ["T", "C", "T"], run_on=0.0, seed=2)
    assert who == ["T", "C", "T"] and kept == [asr_style(t, seed=2) for t in texts]
    assert asr_session(texts, ["T", "C", "T"], seed=2) == asr_session(
        texts, ["T", "C", "T"], seed=2
    )
    with pytest.raises(ValueError, match="speakers"):
        asr_session(texts, ["T"])


def test_normalise_removes_fillers_and_stutters_from_longer_turns_only() -> None:
    assert normalise("um so I I I think uh it's fine") == "so I think it's fine"
    assert normalise("Um, I mean, yeah") == "I mean, yeah"
    assert normalise("Uh-huh.") == "Uh-huh."
    assert normalise("um  ok") == "um ok"
    assert normalise("the theme is fine today") == "the theme is fine today"


def test_plain_text_is_the_same_for_clean_text_and_its_noiseless_recorder_copy() -> None:
    quiet = AsrNoise(substitute=0, delete=0, insert=0, filler=0)
    for t in SENTENCES:
        assert plain(t) == plain(asr_style(t, noise=quiet)) == asr_style(t, noise=quiet)
    assert plain("You\u2019re   RIGHT, it's... fine!") == "you're right it's fine"
