"""``alliance transcripts classify|analyze|view|train`` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from transcript_helpers import stub_embed
from typer.testing import CliRunner

from alliance.cli.transcripts import app
from alliance.transcripts import TranscriptClassifier, TranscriptParseError

runner = CliRunner()
SPEAKERS = ["-s", "Dr Lee=therapist", "-s", "Sam=client"]


def test_classify_writes_one_row_per_utterance(
    data_dir: Path, tmp_path: Path, classifier: Any
) -> None:
    out = tmp_path / "labels.csv"
    r = runner.invoke(
        app, ["classify", str(data_dir / "session.vtt"), "-o", str(out), "-q", *SPEAKERS]
    )
    assert r.exit_code == 0, r.output
    f = pl.read_csv(out)
    assert f.height == 9
    assert f.columns[:7] == [
        "transcript_id",
        "utterance_id",
        "interlocutor",
        "speaker",
        "timestamp",
        "label",
        "probability",
    ]
    assert set(f["label"]) <= {
        "question",
        "reflection",
        "therapist_input",
        "other",
        "change",
        "neutral",
        "sustain",
    }


def test_analyze_writes_profile_json(data_dir: Path, tmp_path: Path, classifier: Any) -> None:
    out = tmp_path / "profile.json"
    r = runner.invoke(
        app,
        [
            "analyze",
            str(data_dir / "session.vtt"),
            "-o",
            str(out),
            "-q",
            *SPEAKERS,
            "--approach",
            "nondirective",
            "--cnip-directiveness",
            "-12",
        ],
    )
    assert r.exit_code == 0, r.output
    (s,) = json.loads(out.read_text())["sessions"]
    for key in (
        "reflection_to_question",
        "open_question_share",
        "complex_reflection_share",
        "advice_rate",
        "change_talk_share",
        "directiveness",
        "style",
        "quality_probability",
        "moments",
    ):
        assert key in s
    assert s["approach"]["chosen"] == "nondirective"
    assert s["cnip"]["preference"] == -12
    assert any(m["marker"] == "complaint" for m in s["moments"])


def test_view_writes_html(data_dir: Path, tmp_path: Path, classifier: Any) -> None:
    out = tmp_path / "s.html"
    r = runner.invoke(app, ["view", str(data_dir / "session.srt"), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    page = out.read_text()
    assert "<svg" in page and "You&#x27;re worn out" in page


def test_bad_input_is_reported_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("T: hello\nMystery Person: hi\n")
    r = runner.invoke(app, ["classify", str(bad), "-o", str(tmp_path / "x.csv")])
    assert isinstance(r.exception, TranscriptParseError)
    assert "line 2" in str(r.exception) and "Mystery Person" in str(r.exception)
    r = runner.invoke(app, ["classify", str(bad), "-o", str(tmp_path / "x.csv"), "-s", "nonsense"])
    assert r.exit_code == 2
    r = runner.invoke(
        app, ["analyze", str(bad), "-o", str(tmp_path / "x.json"), "--approach", "gentle"]
    )
    assert r.exit_code == 2


@pytest.fixture
def stub_minilm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Training embeds with the stub instead of loading the MiniLM model."""
    from alliance.transcripts import embed as embed_module

    class Stub:
        quantize, max_tokens, head = True, 64, 46

        def __call__(self, texts: Any) -> Any:
            return stub_embed(texts)

    monkeypatch.setattr(embed_module.MiniLM, "load", classmethod(lambda cls, **_k: Stub()))


@pytest.mark.usefixtures("stub_minilm")
def test_train_command_writes_a_loadable_model(tiny_annomi: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    cv = tmp_path / "cv.json"
    r = runner.invoke(
        app,
        [
            "train",
            "--data",
            str(tiny_annomi),
            "--out",
            str(out),
            "--folds",
            "3",
            "--cv-json",
            str(cv),
            "--oof-cache",
            str(tmp_path / "oof.npz"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert {"meta.json", "weights.npz", "tokenizer.json"} <= {p.name for p in out.iterdir()}
    with np.load(tmp_path / "oof.npz") as z:
        assert {"behaviour__proba", "talk__proba"} <= set(z.files)
        b = z["behaviour__proba"]
        classes = [str(c) for c in z["behaviour__classes"]]
    # one row per utterance (clean and ASR-style copies), predicted out of fold for
    # therapist rows only, rows summing to one
    rows = 2 * pl.read_csv(tiny_annomi / "annomi-full-train.csv").height
    assert b.shape == (rows, len(classes)) and "question" in classes
    done = ~np.isnan(b[:, 0])
    assert 0 < done.sum() < rows and np.allclose(b[done].sum(axis=1), 1.0)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["embedding"]["max_tokens"] == 64 and len(meta["training_data"]["sha256"]) == 64
    assert json.loads(cv.read_text())["folds"] == 3


@pytest.mark.usefixtures("stub_minilm")
def test_quality_only_refits_the_quality_model_and_keeps_the_heads_byte_for_byte(
    tiny_annomi: Path, tmp_path: Path
) -> None:
    out = tmp_path / "model"
    caches = [
        "--embedding-cache",
        str(tmp_path / "emb.npz"),
        "--oof-cache",
        str(tmp_path / "oof.npz"),
    ]
    common = ["train", "--data", str(tiny_annomi), "--out", str(out)]
    r = runner.invoke(app, [*common, "--folds", "3", *caches])
    assert r.exit_code == 0, r.output
    before = json.loads((out / "meta.json").read_text())
    assert before["quality"]["views"] == ["counts", "embedding", "shares"]
    with np.load(out / "weights.npz") as z:
        heads_before = {k: z[k].copy() for k in z.files if not k.startswith("quality/")}
    r = runner.invoke(app, [*common, "--quality-only", "--quality-views", "sound,shares"])
    assert r.exit_code == 2  # an unknown view
    r = runner.invoke(app, [*common, "--quality-only", "--oof-cache", str(tmp_path / "oof.npz")])
    assert r.exit_code == 2  # no embedding cache
    cv = tmp_path / "cv.json"
    views = "text,embedding,shares"  # not the default views the first run used
    r = runner.invoke(
        app, [*common, *caches, "--quality-only", "--quality-views", views, "--cv-json", str(cv)]
    )
    assert r.exit_code == 0, r.output
    after = json.loads((out / "meta.json").read_text())
    with np.load(out / "weights.npz") as z:
        heads_after = {k: z[k] for k in z.files if not k.startswith("quality/")}
        assert "quality/text/coef" in z.files and "quality/counts/coef" not in z.files
    assert heads_after.keys() == heads_before.keys()
    for k, v in heads_before.items():
        assert v.dtype == heads_after[k].dtype and v.tobytes() == heads_after[k].tobytes(), k
    assert after["tasks"] == before["tasks"] and after["command"] == before["command"]
    assert after["cv"]["tasks"] == before["cv"]["tasks"]
    assert after["quality"]["views"] == views.split(",")
    assert after["quality_refit"]["views"] == views.split(",")
    assert json.loads(cv.read_text())["quality"]["views"] == views.split(",")
    assert TranscriptClassifier.load(out, embed=stub_embed).quality is not None


def test_train_records_the_token_cap_and_quality_only_keeps_the_models_own(
    tiny_annomi: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alliance.transcripts import embed as embed_module

    loads: list[dict[str, Any]] = []

    class Stub:
        quantize = True

        def __init__(self, max_tokens: int = 64, head: int = 46, **_k: Any) -> None:
            if max_tokens < 8:
                raise ValueError(f"bad token limits: max_tokens={max_tokens}")
            self.max_tokens, self.head = max_tokens, head

        def __call__(self, texts: Any) -> Any:
            return stub_embed(texts)

    def load(cls: Any, /, **kwargs: Any) -> Stub:
        loads.append(kwargs)
        return Stub(**kwargs)

    monkeypatch.setattr(embed_module.MiniLM, "load", classmethod(load))
    out = tmp_path / "model"
    caches = [
        "--embedding-cache",
        str(tmp_path / "emb.npz"),
        "--oof-cache",
        str(tmp_path / "oof.npz"),
    ]
    common = ["train", "--data", str(tiny_annomi), "--out", str(out)]
    r = runner.invoke(app, [*common, "--folds", "3", "--max-tokens", "32", *caches])
    assert r.exit_code == 0, r.output
    assert loads[-1] == {"max_tokens": 32, "head": 22}
    meta = json.loads((out / "meta.json").read_text())
    assert (meta["embedding"]["max_tokens"], meta["embedding"]["head"]) == (32, 22)
    assert meta["command"].endswith("--max-tokens 32")
    # the refit embeds (reads the cache) with the model's cap, not the option's default
    r = runner.invoke(app, [*common, *caches, "--quality-only"])
    assert r.exit_code == 0, r.output
    assert loads[-1] == {"max_tokens": 32, "head": 22}
    assert json.loads((out / "meta.json").read_text())["embedding"]["max_tokens"] == 32
    # the cache made at cap 32 is not taken for cap 64
    other = tmp_path / "other"
    r = runner.invoke(
        app, ["train", "--data", str(tiny_annomi), "--out", str(other), *caches, "--quality-only"]
    )
    assert r.exit_code == 2  # no model there: cap 64, and the cap-32 cache does not match
    r = runner.invoke(app, [*common, "--max-tokens", "4"])
    assert r.exit_code == 2
