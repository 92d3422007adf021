"""Utterance features: n-grams with negation, vocabularies, neighbours, blocks."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from alliance.transcripts import features
from alliance.transcripts.features import assemble, build_vocabulary, context, lexical, tokens


def test_docstring_examples_run() -> None:
    assert doctest.testmod(features).failed == 0


def test_negation_marks_words_until_punctuation() -> None:
    t = tokens("I don't want to, but I will.", negation=True)
    assert "neg_want" in t and "neg_to" in t
    assert "will" in t and "neg_will" not in t
    assert "neg_want" not in tokens("I don't want to.", negation=False)


def test_lexical_cues_see_questions_and_openers() -> None:
    lx = lexical(["What do you think?", "Do you drink?", "I see."])
    cols = dict(zip(features.LEXICAL, lx.T, strict=True))
    assert cols["ends_with_question_mark"].tolist() == [1, 1, 0]
    assert cols["starts_with_wh_word"].tolist() == [1, 0, 0]
    assert cols["starts_with_auxiliary"].tolist() == [0, 1, 0]


def test_vocabulary_is_reproducible_and_rows_are_unit_length() -> None:
    texts = ["I want to stop", "I want to go", "stop it", "want more"] * 3
    v1 = build_vocabulary(texts, min_df=3, max_terms=4)
    v2 = build_vocabulary(list(reversed(texts)), min_df=3, max_terms=4)
    assert v1.terms == v2.terms and len(v1.terms) == 4
    m = v1.transform(["I want to stop", "nothing known here"])
    assert np.linalg.norm(m[0]) == pytest.approx(1.0)
    assert not m[1].any()


def test_context_finds_neighbours_within_each_transcript_only() -> None:
    c = context(["a", "a", "a", "b", "b"], [True, False, True, True, False])
    assert c.prev.tolist() == [-1, 0, 1, -1, 3]
    assert c.next.tolist() == [1, 2, -1, 4, -1]
    assert c.group.tolist() == [0, 0, 0, 1, 1]


def test_assemble_stacks_blocks_for_selected_rows() -> None:
    emb = np.arange(10, dtype=np.float32).reshape(5, 2)
    lex = np.ones((5, 1), dtype=np.float32)
    c = context(["a", "a", "a", "b", "b"], [True, False, True, True, False])
    rows = np.array([1, 3])
    x = assemble(
        ("emb", "emb_prev", "speaker_prev", "client_mean"), emb=emb, lex=lex, ctx=c, rows=rows
    )
    assert x.shape == (2, 7)
    assert x[0, :2].tolist() == [2, 3] and x[0, 2:4].tolist() == [0, 1]
    assert x[1, 2:4].tolist() == [0, 0]  # first of transcript b: no previous utterance
    assert x[0, 4] == 1.0 and x[1, 4] == 0.5
    assert x[1, 5:].tolist() == [8, 9]  # the only client row of b
    with pytest.raises(ValueError, match="unknown feature block"):
        assemble(("nope",), emb=emb, lex=lex, ctx=c)
    with pytest.raises(ValueError, match="n-gram matrix"):
        assemble(("bow",), emb=emb, lex=lex, ctx=c)


def test_context_finds_same_role_neighbours_and_position() -> None:
    c = context(["a", "a", "a", "a", "b", "b"], [True, False, True, False, False, True])
    assert c.prev_same.tolist() == [-1, -1, 0, 1, -1, -1]  # never across transcripts
    assert c.next_same.tolist() == [2, 3, -1, -1, -1, -1]
    assert c.position.tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1, 0, 1])
    assert context(["x"], [False]).position.tolist() == [0.0]
    with pytest.raises(ValueError, match="therapist flags"):
        context(["a", "a"], [True])


def test_assemble_gives_same_role_turns_and_position() -> None:
    emb = np.arange(10, dtype=np.float32).reshape(5, 2)
    lex = np.ones((5, 1), dtype=np.float32)
    c = context(["a"] * 5, [False, True, False, True, False])
    x = assemble(
        ("emb_prev_same", "emb_next_same", "position"),
        emb=emb,
        lex=lex,
        ctx=c,
        rows=np.array([2, 0]),
    )
    assert x[0].tolist() == [0, 1, 8, 9, 0.5, 0.25]  # client turns 0 and 4 around row 2
    assert x[1].tolist() == [0, 0, 4, 5, 0, 0]  # the first client turn has none before it


def test_client_mean_is_the_mean_of_each_transcripts_client_rows() -> None:
    rng = np.random.default_rng(3)
    tids = ["a"] * 5 + ["b"] * 4 + ["c"] * 3  # c has no client row
    ther = [True, False, True, False, False, False, True, True, False, True, True, True]
    emb = rng.normal(size=(len(tids), 6)).astype(np.float32)
    ctx = context(tids, ther)
    got = assemble(("client_mean",), emb=emb, lex=np.zeros((len(tids), 1), np.float32), ctx=ctx)
    for i, t in enumerate(tids):
        rows = [j for j, (tt, th) in enumerate(zip(tids, ther, strict=True)) if tt == t and not th]
        want = emb[rows].mean(axis=0) if rows else np.zeros(6)
        np.testing.assert_allclose(got[i], want, rtol=1e-5, atol=1e-6)
