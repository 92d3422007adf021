"""The session-quality model's views: which text each reads, fitting, saving and loading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transcript_helpers import stub_embed, tiny_annomi_frame

import alliance.transcripts.train as train_module
from alliance.transcripts import TranscriptClassifier, parse_transcript
from alliance.transcripts.features import CharVocabulary
from alliance.transcripts.quality import KNOWN_VIEWS, SessionInputs, fit_quality
from alliance.transcripts.train import augment_asr, refit_quality, train

TINY = """T: What brings you here today?
C: I want to stop drinking.
T: You want to be there for your kids.
C: But honestly I enjoy drinking.
"""


def _sessions(n: int = 40, seed: int = 0) -> tuple[SessionInputs, list[str], list[str]]:
    """Sessions whose quality shows only in the words: low ones say 'awful' and 'lecture'."""
    rng = np.random.default_rng(seed)
    common = [
        "so",
        "how",
        "do",
        "you",
        "feel",
        "about",
        "that",
        "and",
        "what",
        "would",
        "help",
        "you",
        "here",
    ]
    y, therapist, client = [], [], []
    for i in range(n):
        low = i % 4 == 0
        words = list(rng.choice(common, size=40))
        if low:
            words += ["awful", "lecture", "awful"]
        therapist.append(" ".join(words))
        client.append("yeah I guess")
        y.append("low" if low else "high")
    x = SessionInputs(
        [str(i) for i in range(n)],
        therapist,
        rng.normal(size=(n, 4)),
        rng.normal(size=(n, 3)),
        client,
    )
    return x, y, [f"v{i // 2}" for i in range(n)]


@pytest.mark.parametrize("view", ["text", "plain", "char", "counts", "words"])
def test_each_text_view_finds_quality_carried_by_the_words(view: str) -> None:
    x, y, groups = _sessions()
    m = fit_quality(x, y, groups, views=(view,))
    p = m.probability(x)
    low = np.asarray(y) == "low"
    assert p[low].max() < p[~low].min()
    assert m.names == (view,)


def test_plain_and_char_views_read_recorder_text_like_clean_text() -> None:
    x, y, groups = _sessions()
    shouted = SessionInputs(
        x.ids,
        [t.upper().replace(" ", ", ") + "?" for t in x.therapist_text],
        x.embedding,
        x.shares,
        x.client_text,
    )
    for view in ("plain", "char", "counts"):
        m = fit_quality(x, y, groups, views=(view,))
        np.testing.assert_allclose(m.probability(shouted), m.probability(x), atol=1e-12)
    m = fit_quality(x, y, groups, views=("text",))
    assert not np.allclose(m.probability(shouted), m.probability(x))


def test_unknown_repeated_or_no_views_are_refused() -> None:
    x, y, groups = _sessions()
    for views in (("text", "sound"), ("text", "text"), ()):
        with pytest.raises(ValueError, match="views must be"):
            fit_quality(x, y, groups, views=views)


def test_the_words_view_needs_the_clients_words() -> None:
    x, y, groups = _sessions()
    bare = SessionInputs(x.ids, x.therapist_text, x.embedding, x.shares)
    with pytest.raises(ValueError, match="client"):
        fit_quality(bare, y, groups, views=("words",))


def test_a_model_with_every_view_saves_and_loads_with_the_same_probabilities(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(train_module, "L2_GRID", (3000.0,))
    frame = augment_asr(tiny_annomi_frame(n_transcripts=9, turns=16), seed=0)
    result = train(frame, embed=stub_embed, folds=3, seed=1, quality_views=KNOWN_VIEWS)
    q = result.classifier.quality
    assert q is not None and q.names == KNOWN_VIEWS
    assert isinstance(q.vocabs["char"], CharVocabulary)
    assert result.cv["quality"]["views"] == list(KNOWN_VIEWS)
    assert set(result.cv["quality"]["asr"]["view_auc"]) == set(KNOWN_VIEWS)
    result.classifier.save(tmp_path)
    loaded = TranscriptClassifier.load(tmp_path, embed=stub_embed)
    assert loaded.quality is not None and loaded.quality.names == KNOWN_VIEWS
    assert loaded.quality.vocabs["char"].terms == q.vocabs["char"].terms
    utts = parse_transcript(TINY, format="txt")
    a = result.classifier.quality_probability(result.classifier.label(utts))
    b = loaded.quality_probability(loaded.label(utts))
    assert a["1"] == pytest.approx(b["1"], abs=1e-4)


def test_refitting_the_quality_model_keeps_the_heads_and_refuses_other_folds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(train_module, "L2_GRID", (3000.0,))
    frame = augment_asr(tiny_annomi_frame(n_transcripts=9, turns=16), seed=0)
    emb = stub_embed(frame["utterance_text"].to_list())
    result = train(frame, embed=stub_embed, embeddings=emb, folds=3, seed=1)
    views = ("plain", "shares")  # not the default views of the first fit
    again = refit_quality(result.classifier, frame, emb, result.oof, views=views)
    assert again.classifier.heads == result.classifier.heads
    assert again.classifier.quality is not None and again.classifier.quality.names == views
    assert again.cv["quality"]["views"] == list(views)
    assert again.cv["tasks"] == result.cv["tasks"]
    # the same views as the first fit give the same quality model
    same = refit_quality(result.classifier, frame, emb, result.oof)
    assert same.cv["quality"]["clean"] == result.cv["quality"]["clean"]
    moved = dict(result.classifier.meta["folds"]["videos"])
    first = next(iter(moved))
    moved[first] = (moved[first] + 1) % 3
    result.classifier.meta["folds"]["videos"] = moved
    with pytest.raises(ValueError, match="folds"):
        refit_quality(result.classifier, frame, emb, result.oof)
    with pytest.raises(ValueError, match="one row per utterance"):
        refit_quality(result.classifier, frame, emb[:-1], result.oof)
