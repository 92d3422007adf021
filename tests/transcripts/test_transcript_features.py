"""Utterance features: n-grams with negation, vocabularies, neighbours, blocks."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from alliance.transcripts import features
from alliance.transcripts.features import (
    assemble,
    build_char_vocabulary,
    build_vocabulary,
    char_ngrams,
    context,
    lexical,
    tokens,
    word_ngrams,
)


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


def test_char_ngram_tfidf_matches_scikit_learn_char_wb() -> None:
    """Oracle: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = [
        "So what brings you in today? Well, I I think it's fine.",
        "you're   worried about your health and also about her",
        "a b ok",
        "Hi",
    ]
    ref = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
    expected = ref.fit_transform(docs).toarray()
    voc = build_char_vocabulary([char_ngrams(d) for d in docs], min_df=1, max_terms=None)
    assert set(voc.terms) == set(ref.vocabulary_)
    cols = [ref.vocabulary_[t] for t in voc.terms]
    np.testing.assert_allclose(voc.transform(docs), expected[:, cols], atol=1e-6)


def test_char_vocabulary_keeps_the_ngrams_in_most_texts_and_counts_them_once_per_text() -> None:
    counts = [char_ngrams(t, 2, 2) for t in ("aa", "ab", "ab", "b")]
    # document frequencies: ' a' 3, 'b ' 3, 'ab' 2, 'aa' 1, 'a ' 1, ' b' 1
    v = build_char_vocabulary(counts, min_df=2, max_terms=2, n_min=2, n_max=2)
    assert v.terms == (" a", "b ")
    assert build_char_vocabulary(counts, min_df=2, max_terms=None, n_min=2, n_max=2).terms == (
        " a",
        "ab",
        "b ",
    )
    np.testing.assert_allclose(v.idf, np.log(5 / 4) + 1.0)
    m = v.transform(["ab", "xyz"])
    np.testing.assert_allclose(m[0], [2**-0.5, 2**-0.5], atol=1e-6)
    assert not m[1].any()
    np.testing.assert_array_equal(v.transform_counts(counts[1:3]), v.transform(["ab", "ab"]))


def test_char_ngrams_and_vocabulary_refuse_bad_settings() -> None:
    with pytest.raises(ValueError, match="n_min"):
        char_ngrams("text", 3, 2)
    with pytest.raises(ValueError, match="n_min"):
        char_ngrams("text", 0, 2)
    with pytest.raises(ValueError, match="min_df"):
        build_char_vocabulary([char_ngrams("text")], min_df=0)
    with pytest.raises(ValueError, match="max_terms"):
        build_char_vocabulary([char_ngrams("text")], max_terms=0)


def test_word_count_tfidf_matches_scikit_learn_with_the_same_tokens() -> None:
    """Oracle: TfidfVectorizer(sublinear_tf=True) given our tokens (words and bigrams)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs = ["no no way i want to stop", "i want to stop i want to", "way to go", "stop"]
    ref = TfidfVectorizer(analyzer=tokens, sublinear_tf=True)
    expected = ref.fit_transform(docs).toarray()
    voc = build_char_vocabulary(
        [word_ngrams(d) for d in docs], min_df=1, max_terms=None, analyzer="word"
    )
    assert set(voc.terms) == set(ref.vocabulary_)
    cols = [ref.vocabulary_[t] for t in voc.terms]
    np.testing.assert_allclose(voc.transform(docs), expected[:, cols], atol=1e-6)
    with pytest.raises(ValueError, match="analyzer"):
        build_char_vocabulary([word_ngrams("a b")], min_df=1, analyzer="sentence")
