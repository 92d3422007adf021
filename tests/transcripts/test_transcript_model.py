"""The shipped classifier (offline MiniLM) and the training pipeline (stub embeddings)."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from transcript_helpers import stub_embed, tiny_annomi_frame

import alliance.transcripts.train as train_module
from alliance.transcripts import TranscriptClassifier, analyse, parse_transcript
from alliance.transcripts.embed import MiniLM, head_tokens, model_dir
from alliance.transcripts.quality import VIEWS
from alliance.transcripts.train import augment_asr, read_annomi, train

TINY = """T: What brings you here today?
C: I want to stop drinking. I need to be healthier for my kids.
T: You want to be there for your kids.
C: But honestly I enjoy drinking and I don't want to stop.
T: Okay.
"""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_shipped_model_labels_a_tiny_transcript_offline(classifier: Any, no_network: None) -> None:
    utts = parse_transcript(TINY, format="txt")
    frame = classifier.label(utts).frame
    assert frame["label"].to_list()[:4] == ["question", "change", "reflection", "sustain"]
    assert frame["subtype"][0] == "open"
    t = frame.filter(frame["interlocutor"] == "therapist")
    total = t["p_question"] + t["p_reflection"] + t["p_therapist_input"] + t["p_other"]
    np.testing.assert_allclose(total.to_numpy(), 1.0, atol=1e-6)
    assert frame["probability"].min() > 0.25  # type: ignore[operator]
    assert frame.filter(frame["interlocutor"] == "client")["p_question"].is_null().all()


def test_analysis_gives_profile_quality_and_moments(classifier: Any) -> None:
    result = analyse(parse_transcript(TINY, format="txt"), classifier=classifier)
    (p,) = result.profiles
    assert p.quality_probability is not None and 0.0 < p.quality_probability < 1.0
    assert p.quality is not None
    assert p.quality["low"] <= p.quality["high"]
    assert "only 18 of them low quality" in p.quality["note"]
    assert p.behaviour_counts["question"] == 1
    assert result.embeddings.shape == (5, 384)


def test_shipped_artefact_is_small_pickle_free_and_documented() -> None:
    folder = model_dir()
    meta = json.loads((folder / "meta.json").read_text())
    assert {"behaviour", "talk", "question", "reflection", "input"} <= set(meta["tasks"])
    assert meta["cv"]["tasks"]["behaviour"]["macro_f1"] > 0.7
    assert meta["cv"]["grouped_by"] == "video_url"
    assert meta["training_data"]["transcripts"] == 108
    with np.load(folder / "weights.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size < 5_000_000
    assert not list(Path(folder).parents[1].rglob("*.onnx"))
    licence = (folder / "LICENCE.md").read_text()
    assert "Apache-2.0" in licence and "MIT" in licence and "public domain" in licence


def test_training_pipeline_runs_end_to_end_with_a_stub_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    grid = (300.0, 3000.0)  # the spec's own penalty (10,000) is not among them
    monkeypatch.setattr(train_module, "L2_GRID", grid)
    data = tiny_annomi_frame()
    csv = tmp_path / "annomi-full-train.csv"
    data.write_csv(csv)
    frame = read_annomi(tmp_path)
    result = train(frame, embed=stub_embed, folds=3, seed=1)
    cv = result.cv
    assert set(cv["tasks"]) == {"behaviour", "talk", "question", "reflection", "input"}
    assert cv["tasks"]["behaviour"]["macro_f1"] > 0.6  # keyword-driven labels are learnable
    assert set(cv["quality"]["clean"]) == {"auc", "brier", "n", "view_auc"}
    assert set(cv["quality"]["clean"]["view_auc"]) == set(VIEWS)
    talk = result.classifier.heads["talk"]
    assert talk.spec.l2 in grid  # chosen on inner folds, stored with the head
    assert talk.offsets is not None and talk.offsets.shape == (3,)
    out = tmp_path / "model"
    result.classifier.save(out)
    loaded = TranscriptClassifier.load(out, embed=stub_embed)
    utts = parse_transcript(TINY, format="txt")
    a = result.classifier.label(utts).frame
    b = loaded.label(utts).frame
    assert a["label"].to_list() == b["label"].to_list()
    np.testing.assert_allclose(a["probability"].to_numpy(), b["probability"].to_numpy(), atol=1e-4)
    assert loaded.heads["talk"].spec == talk.spec
    q = loaded.quality_probability(loaded.label(utts))
    assert set(q) == {"1"} and 0.0 <= q["1"] <= 1.0
    again = result.classifier.quality_probability(result.classifier.label(utts))
    assert q["1"] == pytest.approx(again["1"], abs=1e-5)


@pytest.mark.parametrize(
    ("embedding", "cap", "head"),
    [
        ({"max_tokens": 32, "head": 22, "quantize": True}, 32, 22),
        ({"max_tokens": 48, "head": 34, "quantize": True}, 48, 34),
        ({"quantize": True}, 64, 46),  # a model from before the cap was recorded
        (None, 64, 46),  # no embedding block at all
    ],
)
def test_labelling_embeds_with_the_token_cap_the_model_records(
    tmp_path: Path, embedding: dict[str, Any] | None, cap: int, head: int
) -> None:
    """An old model (no cap in its metadata) keeps 64 word pieces; a new one uses its own cap."""
    meta = json.loads((model_dir() / "meta.json").read_text())
    if embedding is None:
        meta.pop("embedding", None)
    else:
        meta["embedding"] = embedding
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "weights.npz").write_bytes((model_dir() / "weights.npz").read_bytes())
    clf = TranscriptClassifier.load(folder)
    embedder = clf.embed  # the real MiniLM, loaded from the metadata
    assert isinstance(embedder, MiniLM)
    assert (embedder.max_tokens, embedder.head) == (cap, head)
    long = "So tell me " + "more and more about it " * 30 + "what would you like to change?"
    (ids,) = embedder.token_ids([long])
    assert len(ids) == cap
    # analysis embeds with that cap: the long utterance's vector is the capped one
    # (the same texts in one call: int8 activations are quantised per batch)
    texts = [long, "I do not know."]
    result = analyse(
        parse_transcript(f"T: {texts[0]}\nC: {texts[1]}\n", format="txt"), classifier=clf
    )
    want = MiniLM.load(max_tokens=cap, head=head)(texts)
    alt = 32 if cap != 32 else 64
    other = MiniLM.load(max_tokens=alt, head=head_tokens(alt))(texts)
    assert float(want[0] @ other[0]) < 0.99  # the cap matters for this text
    np.testing.assert_allclose(result.embeddings, want, atol=1e-5)


def test_the_head_of_a_cap_keeps_a_quarter_for_the_end() -> None:
    assert [head_tokens(c) for c in (64, 48, 32)] == [46, 34, 22]


def test_loading_a_missing_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="alliance transcripts train"):
        TranscriptClassifier.load(tmp_path)


def test_shipped_metadata_records_training_data_folds_and_scores() -> None:
    meta = json.loads((model_dir() / "meta.json").read_text())
    data = meta["training_data"]
    assert data["file"] == "annomi-full-train.csv" and len(data["sha256"]) == 64
    assert (data["transcripts"], data["videos"]) == (108, 95)
    assert data["copies"] == ["asr", "clean"]
    folds = meta["folds"]
    assert (folds["k"], folds["grouped_by"]) == (5, "video_url")
    assert len(folds["videos"]) == 95 and set(folds["videos"].values()) == set(range(5))
    q = meta["cv"]["quality"]
    assert (q["n_transcripts"], q["n_low"]) == (108, 18)
    # the shipped quality model is the one a full training run would fit (default views)
    assert meta["quality"]["views"] == q["views"] == list(VIEWS)
    for copy in ("clean", "asr"):
        assert 0.5 < q[copy]["auc"] <= 1.0 and 0.0 < q[copy]["brier"] < 0.25
        assert 0.5 < q["baseline"][copy]["auc"] <= 1.0
    for task in meta["cv"]["tasks"].values():
        assert task["macro_f1"] > 0.0 and task["asr"]["macro_f1"] > 0.0
    assert sum(b["n"] for b in q["reliability"]) == 108


def test_augmented_training_scores_each_copy_and_keeps_copies_in_one_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(train_module, "L2_GRID", (3000.0,))
    frame = augment_asr(tiny_annomi_frame(n_transcripts=6, turns=16), seed=0)
    assert frame.height == 2 * 6 * 16
    result = train(frame, embed=stub_embed, folds=3, seed=1)
    behaviour = result.cv["tasks"]["behaviour"]
    assert behaviour["n"] == behaviour["asr"]["n"] == 6 * 8
    qcv = result.quality_cv
    assert qcv is not None
    fold_of = dict(zip(qcv.inputs.ids, qcv.fold.tolist(), strict=True))
    assert all(fold_of[i] == fold_of[f"{i}~asr"] for i in fold_of if not i.endswith("~asr"))
    assert result.classifier.meta["training_data"]["transcripts"] == 6
