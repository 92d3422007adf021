"""Helpers for the transcript tests: a stub embedder and a tiny AnnoMI-layout data set."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
import polars as pl
from numpy.typing import NDArray


def stub_embed(texts: Sequence[str]) -> NDArray[np.float32]:
    """Deterministic stand-in for MiniLM: hashed bag of words, 384 wide, L2-normalised."""
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, t in enumerate(texts):
        for w in re.findall(r"[a-z']+|\?", t.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            out[i, h % 384] += 1.0 if (h >> 20) & 1 else -1.0
        n = float(np.linalg.norm(out[i]))
        out[i] = out[i] / n if n > 0 else out[i]
    return out


THERAPIST_LINES = {
    ("question", "open"): [
        "What brings you here today?",
        "How do you feel about that?",
        "What would help?",
    ],
    ("question", "closed"): ["Do you drink every day?", "Is that right?", "Did you go to work?"],
    ("reflection", "simple"): ["You are worried.", "It's been hard.", "You feel stuck."],
    ("reflection", "complex"): [
        "Part of you wants change and part of you is scared.",
        "You're wondering whether it is worth the effort.",
        "It sounds like your family matters most to you.",
    ],
    ("therapist_input", "advice"): [
        "You should cut down.",
        "I recommend a support group.",
        "Try to walk daily.",
    ],
    ("therapist_input", "information"): [
        "Many people find the first week hard.",
        "Alcohol affects sleep.",
        "Research shows exercise helps mood.",
    ],
    ("therapist_input", "options"): [
        "You could choose one of these plans.",
        "There are a few options here.",
    ],
    ("therapist_input", "negotiation"): [
        "Shall we agree on a goal?",
        "Let's set a target together.",
    ],
    ("other", None): ["Okay.", "Mm-hmm.", "Thanks for coming."],
}
CLIENT_LINES = {
    "change": ["I want to quit.", "I really need to stop drinking.", "I will try to walk more."],
    "neutral": ["My sister called yesterday.", "Yeah.", "I work in an office."],
    "sustain": ["I don't want to stop.", "Drinking helps me relax.", "I can't change that."],
}


def tiny_annomi_frame(n_transcripts: int = 10, turns: int = 24, seed: int = 0) -> pl.DataFrame:
    """A small AnnoMI-layout frame with keyword-driven labels (for pipeline tests)."""

    rng = np.random.default_rng(seed)
    t_keys = list(THERAPIST_LINES)
    rows: list[dict[str, object]] = []
    for t in range(n_transcripts):
        quality = "low" if t % 3 == 0 else "high"
        for u in range(turns):
            base = {
                "mi_quality": quality,
                "transcript_id": t,
                "video_title": f"video {t // 2}",
                "video_url": f"https://example.org/v{t // 2}",
                "topic": "alcohol",
                "utterance_id": u,
                "timestamp": f"00:{u // 6:02d}:{(u * 10) % 60:02d}",
                "annotator_id": 0,
            }
            if u % 2 == 0:
                weights = np.ones(len(t_keys))
                if quality == "low":
                    weights[[i for i, k in enumerate(t_keys) if k[0] == "therapist_input"]] *= 4
                else:
                    weights[[i for i, k in enumerate(t_keys) if k[0] == "reflection"]] *= 4
                main, sub = t_keys[rng.choice(len(t_keys), p=weights / weights.sum())]
                rows.append(
                    base
                    | {
                        "interlocutor": "therapist",
                        "utterance_text": str(rng.choice(THERAPIST_LINES[(main, sub)])),
                        "main_therapist_behaviour": main,
                        "client_talk_type": None,
                        "question_exists": main == "question",
                        "question_subtype": sub if main == "question" else None,
                        "reflection_exists": main == "reflection",
                        "reflection_subtype": sub if main == "reflection" else None,
                        "therapist_input_exists": main == "therapist_input",
                        "therapist_input_subtype": sub if main == "therapist_input" else None,
                    }
                )
            else:
                talk = str(rng.choice(list(CLIENT_LINES)))
                rows.append(
                    base
                    | {
                        "interlocutor": "client",
                        "utterance_text": str(rng.choice(CLIENT_LINES[talk])),
                        "main_therapist_behaviour": None,
                        "client_talk_type": talk,
                        "question_exists": None,
                        "question_subtype": None,
                        "reflection_exists": None,
                        "reflection_subtype": None,
                        "therapist_input_exists": None,
                        "therapist_input_subtype": None,
                    }
                )
    return pl.DataFrame(rows)
