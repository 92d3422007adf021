"""Text as automatic recorders write it: a seeded ASR-style transform, and normalisation.

Real transcripts come from Zoom, Teams, Otter or Whisper: lower case, little
punctuation, fillers, misheard words and long run-on turns. The models are
trained and evaluated on an ASR-style copy of the clean training text made by
:func:`asr_style` (per utterance) and :func:`asr_session` (per session: also
runs short turns into their neighbours), so that the drop from clean to
recorder text is measured, not guessed.

:func:`asr_style` does, in this order, for one utterance:

1. lower-case; drop every character but letters, digits, apostrophes and
   spaces (sentence ends go, so multi-sentence turns run on);
2. for each word, with the probabilities of :class:`AsrNoise`: substitute a
   sound-alike (:data:`SOUND_ALIKES`, else a common short word), delete it,
   or insert a common short word after it; the expected word error rate is
   ``substitute + delete + insert`` (0.14 by default);
3. insert fillers (:data:`FILLERS`) before words at ``filler`` rate (these
   count as insertions too when the WER is measured against the clean text:
   about 0.18 in all on the AnnoMI training utterances).

The random stream is seeded from ``seed`` and the utterance's own text
(SHA-256), so the same text gives the same output whatever order it comes in.

:func:`normalise` is applied at inference (and to training text) so that
recorder text and clean text meet half way: fillers and stuttered repeats
are removed from turns longer than a few words, white space is collapsed.
Case and punctuation cannot be restored, which is why the models also train
on ASR-style copies.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "FILLERS",
    "SOUND_ALIKES",
    "AsrNoise",
    "asr_session",
    "asr_style",
    "normalise",
    "plain",
    "word_error_rate",
]

#: Fillers a recorder writes out (and :func:`normalise` removes from longer turns).
FILLERS: tuple[str, ...] = ("um", "uh", "you know", "like", "i mean", "so", "erm")
_FILLER_WORDS = frozenset({"um", "uh", "erm", "er", "uhm", "hmm", "ah", "umm", "uhh"})

#: Common mishearings (both directions are used).
SOUND_ALIKES: tuple[tuple[str, str], ...] = (
    ("their", "there"),
    ("there", "they're"),
    ("to", "too"),
    ("two", "to"),
    ("your", "you're"),
    ("its", "it's"),
    ("then", "than"),
    ("know", "no"),
    ("right", "write"),
    ("here", "hear"),
    ("would", "wood"),
    ("for", "four"),
    ("one", "won"),
    ("week", "weak"),
    ("by", "buy"),
    ("which", "witch"),
    ("drink", "drank"),
    ("and", "an"),
    ("i'm", "i"),
    ("don't", "do"),
    ("can't", "can"),
    ("want", "won't"),
    ("feel", "fill"),
    ("think", "thing"),
    ("quit", "quite"),
    ("smoke", "smoked"),
    ("of", "have"),
    ("a", "the"),
    ("in", "and"),
    ("this", "the"),
    ("that", "at"),
    ("it", "is"),
)
_ALIKE: dict[str, list[str]] = {}
for _a, _b in SOUND_ALIKES:
    _ALIKE.setdefault(_a, []).append(_b)
    _ALIKE.setdefault(_b, []).append(_a)
_COMMON = ("the", "a", "and", "i", "it", "to", "that", "is", "in", "yeah", "oh", "of", "so")
_KEEP = re.compile(r"[^a-z0-9' ]+")


@dataclass(frozen=True)
class AsrNoise:
    """Per-word error probabilities of :func:`asr_style` (defaults: WER about 0.15).

    Attributes:
        substitute, delete, insert: per clean word (about 0.14 WER together).
        filler: a filler is put before a word with this probability.
    """

    substitute: float = 0.07
    delete: float = 0.04
    insert: float = 0.03
    filler: float = 0.04

    def __post_init__(self) -> None:
        for name in ("substitute", "delete", "insert", "filler"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be a probability in 0..1, got {v}")
        if self.substitute + self.delete > 1.0:
            raise ValueError("substitute + delete must not exceed 1")


def _rng(seed: int, text: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x1f{text}".encode()).digest()
    # Not for security: a reproducible stream per (seed, text).
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311


def _words(text: str) -> list[str]:
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return _KEEP.sub(" ", t).split()


def plain(text: str) -> str:
    """Text reduced to what every recorder keeps: lower-case words, no punctuation.

    Letters, digits and apostrophes only (curly apostrophes made straight),
    single spaces: step 1 of :func:`asr_style` without the noise. Clean and
    recorder text of the same words give the same string, so a model that
    reads ``plain`` text sees no difference in case or punctuation between
    training and inference.

    Example:
        >>> plain("Hello, Sam. How’s it going?")
        "hello sam how's it going"
    """
    return " ".join(_words(text))


def asr_style(text: str, *, seed: int = 0, noise: AsrNoise | None = None) -> str:
    """The utterance as an automatic recorder might write it (see the module docstring).

    Args:
        text: one clean utterance.
        seed: seed of the transform (with the text itself).
        noise: error probabilities (default :class:`AsrNoise`).

    Example:
        >>> asr_style("Hello, Sam. How are you feeling today?", seed=1)
        'hello sam how are you feeling today'
        >>> asr_style("Hello, Sam.", seed=1) == asr_style("Hello, Sam.", seed=1)
        True
    """
    nz = noise or AsrNoise()
    rng = _rng(seed, text)
    out: list[str] = []
    for w in _words(text):
        if rng.random() < nz.filler:
            out.append(rng.choice(FILLERS))
        r = rng.random()
        if r < nz.substitute:
            alikes = _ALIKE.get(w)
            out.append(rng.choice(alikes) if alikes else rng.choice(_COMMON))
        elif r < nz.substitute + nz.delete:
            pass
        else:
            out.append(w)
        if rng.random() < nz.insert:
            out.append(rng.choice(_COMMON))
    return " ".join(out)


def asr_session(
    texts: Sequence[str],
    speakers: Sequence[str],
    *,
    seed: int = 0,
    noise: AsrNoise | None = None,
    run_on: float = 0.3,
    run_on_max_words: int = 3,
) -> tuple[list[str], list[str]]:
    """A whole session as a recorder might write it: :func:`asr_style` per turn, plus run-on turns.

    A turn of at most ``run_on_max_words`` words (a back-channel such as
    "yeah" or "mm-hmm") is, with probability ``run_on``, run into the turn
    before it, as recorders do when they miss a short change of speaker; the
    merged turn keeps the earlier speaker. Use it for session-level labels
    only (the per-utterance labels no longer line up).

    Returns:
        the new turns and their speakers.

    Raises:
        ValueError: when ``texts`` and ``speakers`` differ in length.

    Example:
        >>> asr_session(["How are you?", "Fine.", "What made you come today?"], ["t", "c", "t"],
        ...             run_on=1.0, seed=3)
        (['how oh you fine', 'what made come today'], ['t', 't'])
    """
    if len(texts) != len(speakers):
        raise ValueError(f"{len(texts)} texts but {len(speakers)} speakers")
    rng = _rng(seed, "\x1e".join(texts))
    out_t: list[str] = []
    out_s: list[str] = []
    for text, who in zip(texts, speakers, strict=True):
        noisy = asr_style(text, seed=seed, noise=noise)
        short = len(noisy.split()) <= run_on_max_words
        if out_t and short and rng.random() < run_on:
            out_t[-1] = f"{out_t[-1]} {noisy}".strip()
            continue
        out_t.append(noisy)
        out_s.append(who)
    return out_t, out_s


_STUTTER = re.compile(r"\b(\w+)(?:\s+\1\b)+", re.IGNORECASE)


def normalise(text: str, *, keep_short: int = 3) -> str:
    """Recorder text made closer to clean text: fillers and stuttered repeats out.

    Turns of at most ``keep_short`` words are left as they are ("Um." or
    "Mm-hmm." may be the whole reply and say something). Case and
    punctuation are kept (the embedding is uncased; the word cues read "?"
    when it is there).

    Example:
        >>> normalise("um I I think uh it's you know fine")
        "I think it's you know fine"
        >>> normalise("Um.")
        'Um.'
    """
    words = text.split()
    if len(words) <= keep_short:
        return " ".join(words)
    kept = [w for w in words if w.lower().strip(",.;:!?") not in _FILLER_WORDS]
    return _STUTTER.sub(r"\1", " ".join(kept))


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate ``(S + D + I) / N``: word-level Levenshtein distance over reference words.

    Both sides are compared as :func:`asr_style` writes words (lower case,
    no punctuation). Reference: the standard ASR metric (e.g. NIST sclite).

    Raises:
        ValueError: when the reference has no words.

    Example:
        >>> word_error_rate("the cat sat", "the cat sat down")
        0.3333333333333333
    """
    ref, hyp = _words(reference), _words(hypothesis)
    if not ref:
        raise ValueError("the reference has no words")
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, start=1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
