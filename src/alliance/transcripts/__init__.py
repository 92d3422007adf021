"""Session transcripts: see the alliance in the conversation itself.

parse -> classify utterances -> session profile, moments to review, HTML view.

>>> from alliance.transcripts import parse_transcript
>>> [u.interlocutor for u in parse_transcript("T: How are you?\\nC: Fine.", format="txt")]
['therapist', 'client']

The core never imports Django; the ``alliance transcripts`` command is a thin
layer over :func:`analyse`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.transcripts.model import TranscriptClassifier
from alliance.transcripts.moments import Moment, find_moments
from alliance.transcripts.parse import (
    FORMATS,
    ParsedTranscript,
    ParseNote,
    TranscriptParseError,
    Utterance,
    detect_format,
    parse_transcript,
    parse_with_notes,
    read_transcript,
    read_with_notes,
)
from alliance.transcripts.profile import APPROACHES, SessionProfile, profile_sessions
from alliance.transcripts.view import render_html

__all__ = [
    "APPROACHES",
    "FORMATS",
    "Moment",
    "ParseNote",
    "ParsedTranscript",
    "SessionAnalysis",
    "SessionProfile",
    "TranscriptClassifier",
    "TranscriptParseError",
    "Utterance",
    "analyse",
    "detect_format",
    "find_moments",
    "parse_transcript",
    "parse_with_notes",
    "profile_sessions",
    "read_transcript",
    "read_with_notes",
    "render_html",
]


@dataclass(frozen=True)
class SessionAnalysis:
    """Everything ``analyse`` found: labelled utterances, one profile per transcript, moments."""

    frame: pl.DataFrame
    profiles: list[SessionProfile]
    moments: list[Moment]
    embeddings: NDArray[np.float32]


def analyse(
    utterances: Sequence[Utterance],
    *,
    classifier: TranscriptClassifier | None = None,
    approach: str | None = None,
    cnip_directiveness: float | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> SessionAnalysis:
    """Label utterances, profile each session and find moments to review.

    Args:
        utterances: from :func:`read_transcript` / :func:`parse_transcript`.
        classifier: a loaded classifier (default: the shipped one).
        approach: the episode's chosen approach (see :data:`APPROACHES`).
        cnip_directiveness: the client's C-NIP directiveness score (-15..+15).
        progress: called with the share done (0..1) and what is being done.

    Raises:
        ValueError: for no utterances, an unknown approach or a C-NIP score
            out of range.
    """
    if not utterances:
        raise ValueError("no utterances to analyse")
    clf = classifier or TranscriptClassifier.load()
    labelled = clf.label(utterances, progress=progress)
    if progress is not None:
        progress(0.9, "profiling the session")
    profiles = profile_sessions(
        labelled.frame, approach=approach, cnip_directiveness=cnip_directiveness
    )
    quality = clf.assess_quality(labelled)
    moments = find_moments(labelled.frame, similarity=labelled.similarity_to_previous())
    for p in profiles:
        q = quality.get(p.transcript_id)
        p.quality_probability = q.probability if q is not None else None
        p.quality = q.to_dict() if q is not None else None
        p.moments = [m.to_dict() for m in moments if m.transcript_id == p.transcript_id]
    if progress is not None:
        progress(1.0, "done")
    return SessionAnalysis(labelled.frame, profiles, moments, labelled.embeddings)
