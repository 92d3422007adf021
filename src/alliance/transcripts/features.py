"""Utterance features: sentence embedding, surrounding turns, word cues, word n-grams.

A task picks its blocks by name (:data:`BLOCKS`); :func:`assemble` stacks
them into one matrix. The surrounding turns are the previous and next
utterance of the same transcript (zeros at the edges), whoever spoke them;
the ``*_same`` blocks look at the previous / next utterance by the same role
(for a client utterance: the client's turn before and after it).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BLOCKS",
    "CharVocabulary",
    "Context",
    "Vocabulary",
    "assemble",
    "build_char_vocabulary",
    "build_vocabulary",
    "char_ngrams",
    "context",
    "lexical",
    "tokens",
    "word_ngrams",
]

BLOCKS = (
    "emb",  # the utterance's own embedding
    "emb_prev",  # previous utterance's embedding
    "emb_next",  # next utterance's embedding
    "lex",  # word cues of the utterance (see LEXICAL)
    "lex_prev",
    "lex_next",
    "speaker_prev",  # 1 if the previous utterance is the therapist's, 0 client, 0.5 none
    "bow",  # tf-idf word uni- and bigrams over the task's vocabulary
    "client_mean",  # mean embedding of the transcript's client utterances
    "emb_prev_same",  # embedding of the same speaker role's previous utterance
    "emb_next_same",  # embedding of the same speaker role's next utterance
    "position",  # place in the transcript, p and p**2 with p = index / (length - 1)
)

_WORD = re.compile(r"[a-z0-9']+|[?!.,]")
_WH = frozenset({"what", "how", "why", "when", "where", "who", "which", "tell", "describe", "talk"})
_AUX = frozenset(
    [
        "do",
        "does",
        "did",
        "are",
        "is",
        "was",
        "were",
        "have",
        "has",
        "had",
        "can",
        "could",
        "would",
        "will",
        "should",
        "shall",
        "may",
        "might",
        "am",
        "any",
        "anything",
    ]
)
_NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "cannot",
        "don't",
        "can't",
        "won't",
        "didn't",
        "doesn't",
        "isn't",
        "wasn't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "aren't",
        "haven't",
        "hasn't",
        "ain't",
        "dont",
        "cant",
        "wont",
    ]
)

#: Names of the columns of :func:`lexical`.
LEXICAL = (
    "has_question_mark",
    "ends_with_question_mark",
    "log_words",
    "starts_with_wh_word",
    "starts_with_auxiliary",
    "wh_word_in_first_four",
    "question_marks",
)


def tokens(text: str, *, negation: bool = False) -> list[str]:
    """Lower-case words and punctuation, plus word bigrams.

    With ``negation`` the words after a negator (not, never, don't ...) up to
    the next punctuation mark are prefixed ``neg_``, so that "don't want to"
    and "want to" differ.

    Example:
        >>> tokens("I don't want it.", negation=True)
        ['i', "don't", 'neg_want', 'neg_it', '.', "i don't", "don't neg_want", 'neg_want neg_it', 'neg_it .']
    """
    words = _WORD.findall(text.lower())
    if negation:
        scoped: list[str] = []
        neg = False
        for w in words:
            if w in "?!.,":
                neg = False
                scoped.append(w)
                continue
            scoped.append(f"neg_{w}" if neg else w)
            if w in _NEGATORS:
                neg = True
        words = scoped
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def lexical(texts: Sequence[str]) -> NDArray[np.float32]:
    """Word cues per text, columns :data:`LEXICAL`.

    Example:
        >>> lexical(["How are you?"]).tolist()[0][:2]
        [1.0, 1.0]
    """
    out = np.zeros((len(texts), len(LEXICAL)), dtype=np.float32)
    for i, t in enumerate(texts):
        words = _WORD.findall(t.lower())
        w = [x for x in words if x not in "?!.,"]
        first = w[0] if w else ""
        out[i] = (
            "?" in t,
            t.rstrip().endswith("?"),
            np.log1p(len(w)),
            first in _WH,
            first in _AUX,
            any(x in _WH for x in w[:4]),
            t.count("?"),
        )
    return out


@dataclass(frozen=True)
class Vocabulary:
    """A fixed list of n-grams with their inverse document frequencies.

    ``idf = log(n_docs / (1 + doc_freq))``; a text's vector is its tf-idf
    (binary term presence times idf), L2-normalised.
    """

    terms: tuple[str, ...]
    idf: NDArray[np.float64]
    negation: bool

    def transform(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Dense ``(n, len(terms))`` tf-idf matrix."""
        index = {t: i for i, t in enumerate(self.terms)}
        out = np.zeros((len(texts), len(self.terms)), dtype=np.float32)
        for r, text in enumerate(texts):
            cols = {index[t] for t in tokens(text, negation=self.negation) if t in index}
            if cols:
                c = np.fromiter(cols, dtype=np.int64)
                out[r, c] = self.idf[c]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out


def build_vocabulary(
    texts: Sequence[str], *, negation: bool = False, min_df: int = 5, max_terms: int = 3000
) -> Vocabulary:
    """The ``max_terms`` most frequent n-grams found in at least ``min_df`` texts.

    Ties are broken alphabetically so that the vocabulary is reproducible.

    Example:
        >>> build_vocabulary(["a b", "a c", "a b"], min_df=2).terms
        ('a', 'a b', 'b')
    """
    df: Counter[str] = Counter()
    for t in texts:
        df.update(set(tokens(t, negation=negation)))
    kept = sorted((term for term, c in df.items() if c >= min_df), key=lambda x: (-df[x], x))
    terms = tuple(sorted(kept[:max_terms]))
    n = max(len(texts), 1)
    idf = np.array([np.log(n / (1.0 + df[t])) for t in terms], dtype=np.float64)
    return Vocabulary(terms, idf, negation)


def char_ngrams(text: str, n_min: int = 2, n_max: int = 5) -> Counter[str]:
    """Counts of the character n-grams inside word boundaries (scikit-learn's ``char_wb``).

    The text is lower-cased and split on white space; each word is padded
    with one space on either side and every n-gram of length ``n_min`` ..
    ``n_max`` inside the padded word is counted. A padded word shorter than
    ``n`` counts once, whole, and longer n-grams of it are not taken (as
    scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` does). N-grams
    inside words survive a misheard or dropped word around them, so they are
    more robust to recorder text than word n-grams (Cavnar & Trenkle 1994,
    "N-gram-based text categorization"; Kanaris et al. 2007, on noisy text).

    Raises:
        ValueError: unless ``1 <= n_min <= n_max``.

    Example:
        >>> sorted(char_ngrams("Hi", 2, 3).items())
        [(' h', 1), (' hi', 1), ('hi', 1), ('hi ', 1), ('i ', 1)]
    """
    if not 1 <= n_min <= n_max:
        raise ValueError(f"need 1 <= n_min <= n_max, got {n_min}, {n_max}")
    out: Counter[str] = Counter()
    for word in text.lower().split():
        w = f" {word} "
        size = len(w)
        for n in range(n_min, n_max + 1):
            if size <= n:
                out[w] += 1
                break
            out.update(w[i : i + n] for i in range(size - n + 1))
    return out


def word_ngrams(text: str) -> Counter[str]:
    """Counts of the words and word bigrams of a text (:func:`tokens`, no negation scope).

    Example:
        >>> sorted(word_ngrams("no no way").items())
        [('no', 2), ('no no', 1), ('no way', 1), ('way', 1)]
    """
    return Counter(tokens(text))


@dataclass(frozen=True)
class CharVocabulary:
    """Character n-grams (:func:`char_ngrams`), or with ``analyzer="word"`` words and
    word bigrams (:func:`word_ngrams`), with inverse document frequencies.

    A text's vector is ``(1 + log tf) * idf`` per kept n-gram (sublinear term
    frequency), L2-normalised, with the smoothed
    ``idf = log((1 + n_docs) / (1 + doc_freq)) + 1``: the weighting of
    scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` (Manning, Raghavan
    & Schuetze 2008, Introduction to Information Retrieval, ch. 6).
    """

    terms: tuple[str, ...]
    idf: NDArray[np.float64]
    n_min: int = 2
    n_max: int = 5
    analyzer: str = "char_wb"

    def __post_init__(self) -> None:
        if self.analyzer not in ("char_wb", "word"):
            raise ValueError(f"analyzer must be 'char_wb' or 'word', got {self.analyzer!r}")

    def count(self, text: str) -> Counter[str]:
        """The n-gram counts of one text that :meth:`transform_counts` reads."""
        if self.analyzer == "word":
            return word_ngrams(text)
        return char_ngrams(text, self.n_min, self.n_max)

    def transform(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Dense ``(n, len(terms))`` tf-idf matrix."""
        return self.transform_counts([self.count(t) for t in texts])

    def transform_counts(self, counts: Sequence[Counter[str]]) -> NDArray[np.float32]:
        """The same from n-gram counts already made by :meth:`count`."""
        index = {t: i for i, t in enumerate(self.terms)}
        out = np.zeros((len(counts), len(self.terms)), dtype=np.float64)
        for r, c in enumerate(counts):
            hits = [(index[t], v) for t, v in c.items() if t in index]
            if hits:
                cols = np.fromiter((h[0] for h in hits), dtype=np.int64, count=len(hits))
                tf = np.fromiter((h[1] for h in hits), dtype=np.float64, count=len(hits))
                out[r, cols] = (1.0 + np.log(tf)) * self.idf[cols]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out /= np.maximum(norms, 1e-12)
        return out.astype(np.float32)


def build_char_vocabulary(
    counts: Sequence[Counter[str]],
    *,
    min_df: int = 3,
    max_terms: int | None = 20000,
    n_min: int = 2,
    n_max: int = 5,
    analyzer: str = "char_wb",
) -> CharVocabulary:
    """The ``max_terms`` n-grams found in the most texts (at least ``min_df``) of ``counts``.

    ``counts`` are :func:`char_ngrams` (``analyzer="word"``: :func:`word_ngrams`)
    of the training texts. Ties are broken
    alphabetically so that the vocabulary is reproducible; ``max_terms=None``
    keeps every n-gram that reaches ``min_df``.

    Raises:
        ValueError: when ``min_df < 1`` or ``max_terms < 1``.

    Example:
        >>> v = build_char_vocabulary([char_ngrams(t, 2, 2) for t in ("ab", "ab", "ac")], min_df=2)
        >>> v.terms
        (' a', 'ab', 'b ')
    """
    if min_df < 1 or (max_terms is not None and max_terms < 1):
        raise ValueError(f"need min_df >= 1 and max_terms >= 1, got {min_df}, {max_terms}")
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    kept = sorted((t for t, v in df.items() if v >= min_df), key=lambda t: (-df[t], t))
    terms = tuple(sorted(kept if max_terms is None else kept[:max_terms]))
    n = len(counts)
    idf = np.array([np.log((1.0 + n) / (1.0 + df[t])) + 1.0 for t in terms], dtype=np.float64)
    return CharVocabulary(terms, idf, n_min, n_max, analyzer)


@dataclass(frozen=True)
class Context:
    """Where each utterance sits: neighbours and transcript, as row indices.

    Attributes:
        prev, next: row of the previous / next utterance in the same
            transcript, -1 when there is none.
        group: transcript number of each row (0..n_transcripts-1).
        therapist: True for the therapist's rows.
        prev_same, next_same: row of the previous / next utterance by the
            same role (therapist or client) in the same transcript, -1 when
            there is none.
        position: ``index / (length - 1)`` of each row in its transcript
            (0 for a one-utterance transcript).
    """

    prev: NDArray[np.int64]
    next: NDArray[np.int64]
    group: NDArray[np.int64]
    therapist: NDArray[np.bool_]
    prev_same: NDArray[np.int64]
    next_same: NDArray[np.int64]
    position: NDArray[np.float64]


def context(transcript_ids: Sequence[str], therapist: Sequence[bool]) -> Context:
    """Neighbours within each transcript; rows must be in conversation order.

    Example:
        >>> c = context(["a", "a", "b"], [True, False, True])
        >>> c.prev.tolist(), c.next.tolist()
        ([-1, 0, -1], [1, -1, -1])
        >>> context(["a", "a", "a"], [False, True, False]).prev_same.tolist()
        [-1, -1, 0]
    """
    tid = np.asarray(list(transcript_ids), dtype=object).astype(str)
    n = tid.size
    same_prev = np.zeros(n, dtype=bool)
    if n > 1:
        same_prev[1:] = tid[1:] == tid[:-1]
    idx = np.arange(n, dtype=np.int64)
    prev = np.where(same_prev, idx - 1, -1)
    same_next = np.zeros(n, dtype=bool)
    if n > 1:
        same_next[:-1] = same_prev[1:]
    nxt = np.where(same_next, idx + 1, -1)
    group = (np.cumsum(~same_prev) - 1).astype(np.int64)
    ther = np.asarray(therapist, dtype=bool)
    if ther.size != n:
        raise ValueError(f"therapist flags: {ther.size} for {n} transcript ids")
    prev_same = np.full(n, -1, dtype=np.int64)
    next_same = np.full(n, -1, dtype=np.int64)
    for role in (ther, ~ther):
        r = np.flatnonzero(role)
        same = group[r[1:]] == group[r[:-1]]
        prev_same[r[1:]] = np.where(same, r[:-1], -1)
        next_same[r[:-1]] = np.where(same, r[1:], -1)
    start = np.flatnonzero(~same_prev) if n else np.zeros(0, dtype=np.int64)
    length = np.diff(np.append(start, n))
    offset = idx - start[group] if n else idx
    position = offset / np.maximum(length[group] - 1, 1) if n else np.zeros(0)
    return Context(
        prev, nxt, group, ther, prev_same, next_same, np.asarray(position, dtype=np.float64)
    )


def _shift(a: NDArray[np.float32], at: NDArray[np.int64]) -> NDArray[np.float32]:
    out = a[np.maximum(at, 0)].copy()
    out[at < 0] = 0.0
    return out


def assemble(
    blocks: Sequence[str],
    *,
    emb: NDArray[np.float32],
    lex: NDArray[np.float32],
    ctx: Context,
    rows: NDArray[np.int64] | None = None,
    bow: NDArray[np.float32] | None = None,
) -> NDArray[np.float32]:
    """Stack the named feature blocks for the given rows (default: all).

    ``emb``, ``lex`` and ``ctx`` cover every utterance (neighbours may be
    outside ``rows``); ``bow`` has one row per selected row.

    Raises:
        ValueError: for an unknown block or a missing ``bow`` matrix.
    """
    r = (
        np.arange(emb.shape[0], dtype=np.int64)
        if rows is None
        else np.asarray(rows, dtype=np.int64)
    )
    parts: list[NDArray[np.float32]] = []
    for b in blocks:
        if b == "emb":
            parts.append(emb[r])
        elif b == "emb_prev":
            parts.append(_shift(emb, ctx.prev[r]))
        elif b == "emb_next":
            parts.append(_shift(emb, ctx.next[r]))
        elif b == "lex":
            parts.append(lex[r])
        elif b == "lex_prev":
            parts.append(_shift(lex, ctx.prev[r]))
        elif b == "lex_next":
            parts.append(_shift(lex, ctx.next[r]))
        elif b == "speaker_prev":
            p = ctx.prev[r]
            sp = np.where(p >= 0, ctx.therapist[np.maximum(p, 0)].astype(np.float32), 0.5)
            parts.append(sp.astype(np.float32)[:, None])
        elif b == "bow":
            if bow is None or bow.shape[0] != r.size:
                raise ValueError("block 'bow' needs the n-gram matrix of the selected rows")
            parts.append(bow)
        elif b == "client_mean":
            parts.append(_group_mean(emb, ctx.group, ~ctx.therapist)[r])
        elif b == "emb_prev_same":
            parts.append(_shift(emb, ctx.prev_same[r]))
        elif b == "emb_next_same":
            parts.append(_shift(emb, ctx.next_same[r]))
        elif b == "position":
            at = ctx.position[r]
            parts.append(np.stack([at, at * at], axis=1).astype(np.float32))
        else:
            raise ValueError(f"unknown feature block {b!r}; known: {', '.join(BLOCKS)}")
    if not parts:
        raise ValueError("no feature blocks")
    return np.hstack(parts).astype(np.float32, copy=False)


def _group_mean(
    emb: NDArray[np.float32], group: NDArray[np.int64], mask: NDArray[np.bool_]
) -> NDArray[np.float32]:
    """Mean of ``emb`` over the masked rows of each group, broadcast to every row."""
    n_groups = int(group.max()) + 1 if group.size else 0
    sums = np.zeros((n_groups, emb.shape[1]), dtype=np.float64)
    g = group[mask]
    if g.size:
        # sums per group by sorted runs (numpy.add.at is an unbuffered loop, about 30x slower)
        order = np.argsort(g, kind="stable")
        gs = g[order]
        starts = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
        sums[gs[starts]] = np.add.reduceat(emb[mask][order].astype(np.float64), starts, axis=0)
    counts = np.bincount(g, minlength=n_groups).astype(np.float64)
    means = sums / np.maximum(counts, 1.0)[:, None]
    return means[group].astype(np.float32)
