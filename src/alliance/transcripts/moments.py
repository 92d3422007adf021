"""Moments to review: places in a session that may show strain in the alliance.

Candidate rupture markers after Safran & Muran (2000) and the 3RS (Eubanks,
Muran & Safran, 2015), found with simple, explainable rules:

Withdrawal
  * ``minimal_responses`` -- several short acknowledgements in a row ("Yeah.",
    "Okay.", "I guess") in reply to the therapist's questions or reflections;
  * ``topic_shift`` -- the client changes the subject ("Anyway, ...", or a
    turn that has almost nothing in common with the therapist's turn before);
  * ``deferring`` -- "whatever you think", "you're the expert".

Confrontation
  * ``complaint`` -- about the therapy or the therapist ("this isn't helping");
  * ``rejecting_intervention`` -- pushing back on what was offered ("I've
    tried that", or sustain talk right after advice).

Word lists and thresholds live in ``params.toml``. Each hit is worded as a
moment to look at again with the evidence quoted; none is a finding about the
client or the therapist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.transcripts.parse import format_time
from alliance.transcripts.profile import load_params

__all__ = ["MARKERS", "Moment", "find_moments"]

MARKERS: Mapping[str, str] = {
    "minimal_responses": "withdrawal",
    "topic_shift": "withdrawal",
    "deferring": "withdrawal",
    "complaint": "confrontation",
    "rejecting_intervention": "confrontation",
}

_PROMPTS: Mapping[str, str] = {
    "minimal_responses": "The client gave short replies to several invitations in a row. "
    "A moment to look at again: was the client holding back, or simply following along?",
    "topic_shift": "The client moved to another subject. A moment to look at again: "
    "did something in the exchange before feel hard to stay with?",
    "deferring": "The client deferred to the therapist. A moment to look at again: "
    "is the client going along rather than agreeing?",
    "complaint": "The client voiced a concern about the sessions or the therapist. "
    "A moment to look at again, and perhaps an opening to talk about how the work is going.",
    "rejecting_intervention": "The client pushed back on what was offered. A moment to look at "
    "again: how did the conversation go on from here?",
}


@dataclass(frozen=True, slots=True)
class Moment:
    """One moment to review.

    Attributes:
        transcript_id, utterance_id: where it is.
        timestamp: ``HH:MM:SS`` when the transcript has times, else ``""``.
        start_s: seconds, when known.
        kind: ``withdrawal`` or ``confrontation``.
        marker: one of :data:`MARKERS`.
        evidence: the words that triggered it, quoted.
        prompt: what to look at, in plain words.
    """

    transcript_id: str
    utterance_id: int
    timestamp: str
    start_s: float | None
    kind: str
    marker: str
    evidence: str
    prompt: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _norm(text: str) -> str:
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(t.split())


def _phrases(words: Sequence[str]) -> re.Pattern[str]:
    alts = "|".join(re.escape(_norm(w)) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![a-z'])(?:{alts})(?![a-z'])")


def _quote(text: str, limit: int = 160) -> str:
    t = " ".join(text.split())
    if len(t) > limit:
        t = t[: limit - 1] + "\u2026"
    return "\u201c" + t + "\u201d"


def _is_minimal(text: str, words: frozenset[str], max_words: int) -> bool:
    t = re.sub(r"[^a-z' -]", " ", _norm(text))
    tokens = t.split()
    if not tokens or len(tokens) > max_words:
        return False
    joined = " ".join(tokens)
    if joined in words:
        return True
    return all(w in words for w in tokens)


def find_moments(
    frame: pl.DataFrame,
    *,
    similarity: NDArray[np.floating] | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[Moment]:
    """Find candidate rupture markers in labelled utterances.

    Args:
        frame: rows in conversation order with ``transcript_id``,
            ``utterance_id``, ``interlocutor``, ``text``; ``label``,
            ``subtype``, ``probability`` and ``start_s`` are used when present.
        similarity: cosine similarity of each row to the row before it in the
            same transcript (from the sentence embeddings); enables the
            similarity rule for topic shifts.
        params: overrides for the ``[moments]`` table of ``params.toml``.

    Raises:
        ValueError: when a column is missing or ``similarity`` has the wrong length.

    Example:
        >>> import polars as pl
        >>> f = pl.DataFrame({"transcript_id": ["s", "s"], "utterance_id": [0, 1],
        ...     "interlocutor": ["therapist", "client"],
        ...     "text": ["Try a walk each day.", "Honestly, this isn't helping."]})
        >>> [m.marker for m in find_moments(f)]
        ['complaint']
    """
    for col in ("transcript_id", "utterance_id", "interlocutor", "text"):
        if col not in frame.columns:
            raise ValueError(f"frame lacks column {col!r}")
    if similarity is not None and len(similarity) != frame.height:
        raise ValueError(f"similarity has {len(similarity)} values for {frame.height} rows")
    prm = params or load_params()["moments"]
    minimal_words = frozenset(_norm(w) for w in prm["minimal_words"])
    max_words = int(prm["minimal_max_words"])
    run_needed = int(prm["minimal_run"])
    shift_re = _phrases(prm["topic_shift_phrases"])
    defer_re = _phrases(prm["deferring_phrases"])
    complaint_re = _phrases(prm["complaint_phrases"])
    reject_re = _phrases(prm["rejecting_phrases"])
    shift_words = int(prm["topic_shift_min_words"])
    shift_sim = float(prm["topic_shift_similarity"])
    sustain_p = float(prm["rejecting_sustain_probability"])

    n = frame.height
    tids = [str(v) for v in frame["transcript_id"].to_list()]
    uids = [int(v) for v in frame["utterance_id"].to_list()]
    who = frame["interlocutor"].to_list()
    texts = [str(v or "") for v in frame["text"].to_list()]
    labels = frame["label"].to_list() if "label" in frame.columns else [None] * n
    subtypes = frame["subtype"].to_list() if "subtype" in frame.columns else [None] * n
    probs = frame["probability"].to_list() if "probability" in frame.columns else [None] * n
    starts = frame["start_s"].to_list() if "start_s" in frame.columns else [None] * n

    found: list[Moment] = []

    def add(i: int, marker: str, evidence: str) -> None:
        start = starts[i]
        found.append(
            Moment(
                tids[i],
                uids[i],
                format_time(start),
                start,
                MARKERS[marker],
                marker,
                evidence,
                _PROMPTS[marker],
            )
        )

    run: list[int] = []
    for i in range(n):
        if i > 0 and tids[i] != tids[i - 1]:
            run = []
        if who[i] != "client":
            continue
        prev = i - 1 if i > 0 and tids[i - 1] == tids[i] else -1
        prev_is_t = prev >= 0 and who[prev] == "therapist"
        text = texts[i]
        norm = _norm(text)
        # withdrawal: minimal responses to invitations
        invited = prev_is_t and labels[prev] in (None, "question", "reflection")
        minimal = _is_minimal(text, minimal_words, max_words)
        if minimal and invited:
            run.append(i)
            if len(run) == run_needed:
                add(run[0], "minimal_responses", " / ".join(_quote(texts[j]) for j in run))
        elif not minimal:
            run = []
        # withdrawal: deferring
        m = defer_re.search(norm)
        if m:
            add(i, "deferring", _quote(text))
        # withdrawal: topic shift
        n_words = len(norm.split())
        m_shift = shift_re.search(norm[:60])
        low_sim = (
            similarity is not None
            and prev_is_t
            and n_words >= shift_words
            and len(texts[prev].split()) >= shift_words
            and float(similarity[i]) < shift_sim
        )
        if (m_shift and prev_is_t) or low_sim:
            add(i, "topic_shift", f"after {_quote(texts[prev], 80)}: {_quote(text)}")
        # confrontation: complaints about the therapy or the therapist
        if complaint_re.search(norm):
            add(i, "complaint", _quote(text))
        # confrontation: rejecting an intervention
        after_advice = (
            prev_is_t and labels[prev] == "therapist_input" and subtypes[prev] in (None, "advice")
        )
        p_i = probs[i]
        sustain = labels[i] == "sustain" and (p_i is None or float(p_i) >= sustain_p)
        if prev_is_t and reject_re.search(norm):
            add(i, "rejecting_intervention", f"after {_quote(texts[prev], 80)}: {_quote(text)}")
        elif after_advice and sustain:
            add(
                i,
                "rejecting_intervention",
                f"after advice {_quote(texts[prev], 80)}: {_quote(text)}",
            )
    return found
