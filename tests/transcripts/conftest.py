"""Shared fixtures for the transcript tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from transcript_helpers import tiny_annomi_frame

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Convert MiniLM into a private cache so tests leave the user's cache alone."""
    old = os.environ.get("ALLIANCE_CACHE_DIR")
    os.environ["ALLIANCE_CACHE_DIR"] = str(tmp_path_factory.mktemp("alliance-cache"))
    yield
    if old is None:
        os.environ.pop("ALLIANCE_CACHE_DIR", None)
    else:
        os.environ["ALLIANCE_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def classifier() -> object:
    """The shipped classifier with the real (offline) MiniLM embedder."""
    from alliance.transcripts import TranscriptClassifier

    clf = TranscriptClassifier.load()
    _ = clf.embed  # load MiniLM now
    return clf


@pytest.fixture
def tiny_annomi(tmp_path: Path) -> Path:
    """``annomi-full-train.csv`` with :func:`tiny_annomi_frame`'s rows, in a folder."""
    folder = tmp_path / "annomi"
    folder.mkdir()
    tiny_annomi_frame().write_csv(folder / "annomi-full-train.csv")
    return folder
