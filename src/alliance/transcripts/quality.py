"""Session quality: how likely a session is high-quality, MI-consistent practice, and how sure.

Three views of one session (:data:`VIEWS`), each a logistic regression on
its own inputs (:func:`~alliance.transcripts.linear.fit_softmax`,
class-balanced, L2):

* ``counts`` -- the therapist's own words: word uni- and bigrams of all
  therapist turns of the session as :func:`~alliance.transcripts.asr.plain`
  text (lower case, no punctuation, so clean and recorder text read alike),
  sublinear tf-idf ``(1 + log tf) * idf``, not standardised (a bag of words
  is what a rater hears first: "awful", jokes at the client's expense,
  lectures). Until 2026-12-03 this view was ``text``: binary word presence
  with punctuation tokens, standardised; on ASR-style text it lost 0.08 AUC
  where ``counts`` loses 0.02 (bench/README.md);
* ``embedding`` -- the mean MiniLM vector of the therapist's turns;
* ``shares`` -- behaviour and talk-type shares
  (:data:`~alliance.transcripts.profile.QUALITY_FEATURES`) and their
  sequence (:data:`SEQUENCE_FEATURES`: what the therapist does after the
  client speaks, what the client says after a reflection or after advice,
  the longest runs of questions and of input).

A stacker, an unweighted logistic regression on the three views'
out-of-fold scores, combines them and calibrates the result in one step:
``P(high) = 1 / (1 + exp(-(w . s + b)))``. Every choice (the penalty of each
view, the stacker) is made on grouped inner folds of the training sessions
only (:func:`fit_quality`).

How sure: the probability comes with the observed rate of high-quality
sessions among the ``neighbours`` training sessions whose cross-validated
probability was closest, and its Wilson interval (:func:`wilson_interval`),
and with the size of the training set, so that a model resting on 18
low-quality sessions says so (:meth:`QualityModel.assess`).

Everything is plain arrays (numpy at inference, no scikit-learn): a vocabulary
with idf weights, coefficients and means, stored in the classifier's
``weights.npz`` / ``meta.json``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.transcripts.asr import plain
from alliance.transcripts.features import (
    CharVocabulary,
    Vocabulary,
    build_char_vocabulary,
    build_vocabulary,
    char_ngrams,
    word_ngrams,
)
from alliance.transcripts.linear import Softmax, fit_softmax, roc_auc, stratified_grouped_folds
from alliance.transcripts.profile import quality_features

__all__ = [
    "KNOWN_VIEWS",
    "SEQUENCE_FEATURES",
    "STANDARDISE",
    "TEXT_VIEWS",
    "VIEWS",
    "QualityAssessment",
    "QualityModel",
    "SessionInputs",
    "fit_quality",
    "session_inputs",
    "wilson_interval",
]

#: The views of the shipped model, in the stacker's column order.
VIEWS: tuple[str, ...] = ("counts", "embedding", "shares")
#: Every view :func:`fit_quality` can stack: ``plain`` is the ``text`` view on
#: :func:`~alliance.transcripts.asr.plain` text (no case, no punctuation);
#: ``char`` is character 2-5-grams (:func:`~alliance.transcripts.features.char_ngrams`)
#: of the plain text, sublinear tf-idf.
#: ``counts`` is the therapist's plain words and word bigrams as sublinear term
#: counts (``(1 + log tf) * idf``, as the bag-of-words baseline weighs them) instead of
#: presence; ``words`` the same over both speakers' words (what the baseline reads).
KNOWN_VIEWS: tuple[str, ...] = (
    "text",
    "plain",
    "char",
    "counts",
    "words",
    "embedding",
    "shares",
)
#: The views that read the session's words (each has a vocabulary).
TEXT_VIEWS: tuple[str, ...] = ("text", "plain", "char", "counts", "words")
#: The views with sublinear term counts (:class:`~alliance.transcripts.features.CharVocabulary`).
COUNTED_VIEWS: tuple[str, ...] = ("char", "counts", "words")
#: Whether a view's features are standardised before its logistic regression
#: (:func:`~alliance.transcripts.linear.fit_softmax`): not the counted views, whose
#: tf-idf rows are on one scale already (standardising would give a rare n-gram the
#: weight of a common one), as in a plain tf-idf + logistic regression.
STANDARDISE: dict[str, bool] = {v: v not in COUNTED_VIEWS for v in KNOWN_VIEWS}
#: Penalties of unstandardised views: a two-class softmax with penalty ``l2`` is a
#: binary logistic regression with ``C = 2 / l2``, so these are C = 100 / 10 / 1,
#: the baseline's grid.
RAW_L2_GRID: tuple[float, ...] = (0.02, 0.2, 2.0)

#: Columns added to :data:`QUALITY_FEATURES` for the ``shares`` view.
SEQUENCE_FEATURES = (
    "reflection_after_client",
    "question_after_client",
    "input_after_client",
    "change_after_reflection",
    "sustain_after_input",
    "longest_question_run",
    "longest_input_run",
    "log_therapist_words_per_turn",
)

#: Penalties tried for each view on the inner folds.
L2_GRID: dict[str, tuple[float, ...]] = {
    "text": (3.0, 10.0, 30.0),
    "plain": (3.0, 10.0, 30.0),
    "char": RAW_L2_GRID,
    "counts": RAW_L2_GRID,
    "words": RAW_L2_GRID,
    "embedding": (10.0, 30.0, 100.0),
    "shares": (3.0, 10.0, 30.0),
}
#: Penalty of the stacker (small: three inputs).
STACK_L2 = 1.0
INNER_FOLDS = 5
TEXT_MIN_DF = 3
TEXT_MAX_TERMS = 2000
#: Character n-gram lengths and vocabulary size of the ``char`` view.
CHAR_NGRAMS = (2, 5)
CHAR_MAX_TERMS = 20000
#: Vocabulary of the ``counts`` and ``words`` views (the baseline's min_df).
COUNT_MIN_DF = 2
COUNT_MAX_TERMS = 30000
NEIGHBOURS = 25


@dataclass(frozen=True)
class SessionInputs:
    """What the quality model reads from each session (rows aligned with ``ids``)."""

    ids: list[str]
    therapist_text: list[str]
    embedding: NDArray[np.float64]
    shares: NDArray[np.float64]
    #: The client's words of each session (read by the ``words`` view only).
    client_text: list[str] = field(default_factory=list)


def _longest_run(labels: Sequence[str | None], target: str) -> int:
    best = cur = 0
    for lab in labels:
        cur = cur + 1 if lab == target else 0
        best = max(best, cur)
    return best


def _sequence(
    who: Sequence[str], labels: Sequence[str | None], texts: Sequence[str]
) -> list[float]:
    """:data:`SEQUENCE_FEATURES` of one session (0.5 for a share with nothing to count)."""

    def share(num: int, den: int) -> float:
        return num / den if den else 0.5

    after_c = [
        labels[i] for i in range(1, len(who)) if who[i] == "therapist" and who[i - 1] == "client"
    ]
    after_r = [
        labels[i]
        for i in range(1, len(who))
        if who[i] == "client" and labels[i - 1] == "reflection"
    ]
    after_in = [
        labels[i]
        for i in range(1, len(who))
        if who[i] == "client" and labels[i - 1] == "therapist_input"
    ]
    t_labels = [lab for w, lab in zip(who, labels, strict=True) if w == "therapist"]
    n_t = max(len(t_labels), 1)
    t_words = sum(len(t.split()) for w, t in zip(who, texts, strict=True) if w == "therapist")
    return [
        share(after_c.count("reflection"), len(after_c)),
        share(after_c.count("question"), len(after_c)),
        share(after_c.count("therapist_input"), len(after_c)),
        share(after_r.count("change"), len(after_r)),
        share(after_in.count("sustain"), len(after_in)),
        _longest_run(t_labels, "question") / n_t,
        _longest_run(t_labels, "therapist_input") / n_t,
        math.log1p(t_words / n_t),
    ]


def session_inputs(labelled: pl.DataFrame, embeddings: NDArray[np.floating]) -> SessionInputs:
    """Per-session inputs from labelled utterances (rows in conversation order) and their embeddings.

    Raises:
        ValueError: when the embeddings do not have one row per utterance.
    """
    if embeddings.shape[0] != labelled.height:
        raise ValueError(f"{embeddings.shape[0]} embeddings for {labelled.height} utterances")
    ids, shares = quality_features(labelled)
    tids = [str(t) for t in labelled["transcript_id"].to_list()]
    who = [str(w) for w in labelled["interlocutor"].to_list()]
    labels = labelled["label"].to_list()
    texts = [str(t or "") for t in labelled["text"].to_list()]
    rows: dict[str, list[int]] = {}
    for i, t in enumerate(tids):
        rows.setdefault(t, []).append(i)
    emb = np.asarray(embeddings, dtype=np.float64)
    text_out: list[str] = []
    client_out: list[str] = []
    emb_out = np.zeros((len(ids), emb.shape[1]))
    seq = np.zeros((len(ids), len(SEQUENCE_FEATURES)))
    for k, sid in enumerate(ids):
        r = rows[sid]
        t_rows = [i for i in r if who[i] == "therapist"]
        text_out.append(" \n ".join(texts[i] for i in t_rows))
        client_out.append(" \n ".join(texts[i] for i in r if who[i] != "therapist"))
        if t_rows:
            emb_out[k] = emb[t_rows].mean(axis=0)
        seq[k] = _sequence([who[i] for i in r], [labels[i] for i in r], [texts[i] for i in r])
    return SessionInputs(ids, text_out, emb_out, np.hstack([shares, seq]), client_out)


def wilson_interval(successes: int, n: int, *, z: float = 1.6449) -> tuple[float, float]:
    """Wilson score interval for a proportion (default 90 %: z = 1.6449).

    ``(p + z^2/2n -/+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)``.
    Reference: Wilson, E. B. (1927). Probable inference, the law of
    succession, and statistical inference. JASA 22(158), 209-212.

    Raises:
        ValueError: when ``n < 1`` or ``successes`` is outside ``0..n``.

    Example:
        >>> [round(v, 4) for v in wilson_interval(8, 10, z=1.96)]
        [0.4902, 0.9433]
    """
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    p = successes / n
    den = 1.0 + z * z / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - half) / den), min(1.0, (centre + half) / den)


@dataclass(frozen=True)
class QualityAssessment:
    """The quality probability of one session and how sure it is.

    Attributes:
        probability: calibrated P(high-quality, MI-consistent practice).
        low, high: 90 % Wilson interval of the high-quality rate among the
            ``neighbours`` training sessions scored most like this one in
            cross-validation.
        neighbours, neighbours_high: how many such sessions, how many high.
        training_sessions, training_low: the size of the training set.
        note: the same in one plain sentence.
    """

    probability: float
    low: float
    high: float
    neighbours: int
    neighbours_high: int
    training_sessions: int
    training_low: int
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "probability": self.probability,
            "low": self.low,
            "high": self.high,
            "neighbours": self.neighbours,
            "neighbours_high": self.neighbours_high,
            "training_sessions": self.training_sessions,
            "training_low": self.training_low,
            "note": self.note,
        }


TextVocabulary = Vocabulary | CharVocabulary


@dataclass(frozen=True)
class QualityModel:
    """The fitted views, the stacker and the cross-validated scores used for the interval.

    ``vocabs`` holds the vocabulary of each text view (``text``, ``plain``,
    ``char``); ``names`` the views in the stacker's column order.
    """

    vocabs: Mapping[str, TextVocabulary]
    views: Mapping[str, Softmax]
    stack: Softmax
    oof_probability: NDArray[np.float64]
    oof_high: NDArray[np.bool_]
    info: Mapping[str, Any] = field(default_factory=dict)
    names: tuple[str, ...] = VIEWS

    def __post_init__(self) -> None:
        _check_views(self.names)
        missing = [v for v in self.names if v not in self.views]
        missing += [v for v in self.names if v in TEXT_VIEWS and v not in self.vocabs]
        if missing:
            raise ValueError(f"the quality model lacks the view(s) {missing}")

    def view_scores(self, x: SessionInputs) -> NDArray[np.float64]:
        """``(n_sessions, len(names))`` logit of high vs low from each view, columns :attr:`names`."""
        rows = np.arange(len(x.ids), dtype=np.int64)
        blocks = _blocks(x, rows, self.vocabs, self.names)
        return np.column_stack([_logit(self.views[v], blocks[v]) for v in self.names])

    def probability(self, x: SessionInputs) -> NDArray[np.float64]:
        """Calibrated P(high quality) per session."""
        return _p_high(self.stack, self.view_scores(x))

    def view_probability(self, scores: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
        """Each view's P(high) alone, from :meth:`view_scores` (needs ``info["alone"]``).

        Raises:
            ValueError: for a model fitted without the one-view stackers (a loaded one).
        """
        alone = self.info.get("alone")
        if not alone:
            raise ValueError("this quality model has no one-view stackers (fit it again)")
        return {v: _p_high(alone[v], scores[:, [j]]) for j, v in enumerate(self.names)}

    def assess(self, x: SessionInputs, *, neighbours: int = NEIGHBOURS) -> list[QualityAssessment]:
        """Probability, interval and the plain sentence for each session (see the module docstring)."""
        p = self.probability(x)
        n_train = int(self.oof_high.size)
        n_low = int((~self.oof_high).sum())
        k = min(neighbours, n_train)
        out: list[QualityAssessment] = []
        for v in p:
            near = np.argsort(np.abs(self.oof_probability - v), kind="stable")[:k]
            hi = int(self.oof_high[near].sum())
            lo, up = wilson_interval(hi, k)
            note = (
                f"Of the {k} training sessions scored most like this one, {hi} were rated "
                f"high quality (90% interval {lo:.0%} to {up:.0%}). The model learnt from "
                f"{n_train} demonstration sessions, only {n_low} of them low quality: "
                "read it as a prompt for review, not a rating."
            )
            out.append(QualityAssessment(float(v), lo, up, k, hi, n_train, n_low, note))
        return out


def _check_views(names: Sequence[str]) -> None:
    unknown = [v for v in names if v not in KNOWN_VIEWS]
    if unknown or not names or len(set(names)) != len(names):
        raise ValueError(
            f"views must be distinct names from {', '.join(KNOWN_VIEWS)}, got {list(names)}"
        )


def _logit(m: Softmax, x: NDArray[np.floating]) -> NDArray[np.float64]:
    z = m.decision(x)
    return np.asarray(z[:, m.classes.index("high")] - z[:, m.classes.index("low")])


def _p_high(stack: Softmax, s: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(stack.predict_proba(s)[:, stack.classes.index("high")], dtype=np.float64)


def _view_text(x: SessionInputs, i: int, view: str) -> str:
    """The text a text view reads: the therapist's as normalised (``text``) or :func:`plain`;
    both speakers' :func:`plain` words (``words``)."""
    if view == "text":
        return x.therapist_text[i]
    if view == "words":
        if len(x.client_text) != len(x.ids):
            raise ValueError(
                "the 'words' view needs the client's words (SessionInputs.client_text)"
            )
        return plain(f"{x.therapist_text[i]} \n {x.client_text[i]}")
    return plain(x.therapist_text[i])


Counts = Mapping[str, Mapping[int, Counter[str]]]


def _blocks(
    x: SessionInputs,
    rows: NDArray[np.int64],
    vocabs: Mapping[str, TextVocabulary],
    names: Sequence[str],
    counts: Counts | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Feature matrix of each view in ``names`` for ``rows``.

    ``counts`` (view -> session index -> n-gram counts, :func:`_ngram_counts`)
    saves recounting the n-grams of the counted views in every fold.
    """
    out: dict[str, NDArray[np.float64]] = {}
    for v in names:
        if v == "embedding":
            out[v] = x.embedding[rows]
        elif v == "shares":
            out[v] = x.shares[rows]
        else:
            voc = vocabs[v]
            if isinstance(voc, CharVocabulary) and counts is not None and v in counts:
                m = voc.transform_counts([counts[v][int(i)] for i in rows])
            else:
                m = voc.transform([_view_text(x, int(i), v) for i in rows])
            out[v] = m.astype(np.float64)
    return out


def _vocabs(
    x: SessionInputs, rows: NDArray[np.int64], names: Sequence[str], counts: Counts
) -> dict[str, TextVocabulary]:
    """The vocabulary of each text view, from the sessions ``rows`` only."""
    out: dict[str, TextVocabulary] = {}
    for v in names:
        if v in ("text", "plain"):
            out[v] = build_vocabulary(
                [_view_text(x, int(i), v) for i in rows],
                min_df=TEXT_MIN_DF,
                max_terms=TEXT_MAX_TERMS,
            )
        elif v == "char":
            out[v] = build_char_vocabulary(
                [counts[v][int(i)] for i in rows],
                min_df=TEXT_MIN_DF,
                max_terms=CHAR_MAX_TERMS,
                n_min=CHAR_NGRAMS[0],
                n_max=CHAR_NGRAMS[1],
            )
        elif v in ("counts", "words"):
            out[v] = build_char_vocabulary(
                [counts[v][int(i)] for i in rows],
                min_df=COUNT_MIN_DF,
                max_terms=COUNT_MAX_TERMS,
                analyzer="word",
            )
    return out


def _ngram_counts(x: SessionInputs, rows: NDArray[np.int64], names: Sequence[str]) -> Counts:
    """N-gram counts of each session of ``rows`` for each counted view in ``names``."""
    out: dict[str, dict[int, Counter[str]]] = {}
    for v in names:
        if v == "char":
            out[v] = {int(i): char_ngrams(_view_text(x, int(i), v), *CHAR_NGRAMS) for i in rows}
        elif v in ("counts", "words"):
            out[v] = {int(i): word_ngrams(_view_text(x, int(i), v)) for i in rows}
    return out


def _view_oof(
    x: SessionInputs,
    y: Sequence[str],
    rows: NDArray[np.int64],
    inner: NDArray[np.int64],
    grid: Mapping[str, Sequence[float]],
    names: Sequence[str],
    counts: Counts,
) -> dict[str, dict[float, NDArray[np.float64]]]:
    """Out-of-fold logits of every view and penalty over ``rows`` (inner folds ``inner``)."""
    out: dict[str, dict[float, NDArray[np.float64]]] = {v: {} for v in names}
    for v in names:
        for l2 in grid[v]:
            out[v][l2] = np.full(rows.size, np.nan)
    for k in np.unique(inner):
        tr, te = rows[inner != k], rows[inner == k]
        y_tr = [y[i] for i in tr]
        if len(set(y_tr)) < 2:
            continue
        vocabs = _vocabs(x, tr, names, counts)
        a = _blocks(x, tr, vocabs, names, counts)
        b = _blocks(x, te, vocabs, names, counts)
        for v in names:
            for l2 in grid[v]:
                m = fit_softmax(
                    a[v], y_tr, l2=l2, classes=("high", "low"), standardise=STANDARDISE[v]
                )
                out[v][l2][inner == k] = _logit(m, b[v])
    return out


def _choose(
    oof: Mapping[str, Mapping[float, NDArray[np.float64]]], pos: NDArray[np.bool_]
) -> dict[str, float]:
    """The penalty with the highest out-of-fold AUC for each view (ties: the first)."""
    chosen: dict[str, float] = {}
    for v, by_l2 in oof.items():
        best: tuple[float, float] | None = None
        for l2, s in by_l2.items():
            ok = ~np.isnan(s)
            if ok.sum() < 2 or len(set(pos[ok].tolist())) < 2:
                continue
            auc = roc_auc(pos[ok], s[ok])
            if best is None or auc > best[0] + 1e-12:
                best = (auc, l2)
        chosen[v] = best[1] if best is not None else next(iter(by_l2))
    return chosen


def fit_quality(
    x: SessionInputs,
    y: Sequence[str],
    groups: Sequence[str],
    *,
    rows: NDArray[np.int64] | None = None,
    seed: int = 0,
    oof_probability: NDArray[np.float64] | None = None,
    oof_high: NDArray[np.bool_] | None = None,
    log: Callable[[str], None] | None = None,
    views: Sequence[str] = VIEWS,
) -> QualityModel:
    """Fit the quality model on ``rows`` (default: all sessions), choices on inner grouped folds.

    1. inner grouped folds (by ``groups``, e.g. video; stratified by quality,
       :func:`~alliance.transcripts.linear.stratified_grouped_folds`) over the rows give
       out-of-fold logits of each view for each penalty in :data:`L2_GRID`;
    2. each view keeps the penalty with the best inner out-of-fold AUC;
    3. the stacker is fitted on those out-of-fold logits (unweighted, so its
       output is a calibrated probability);
    4. each view is refitted on all the rows with its penalty.

    ``oof_probability`` / ``oof_high`` (from an outer cross-validation) are
    stored for :meth:`QualityModel.assess`; without them the inner
    stacked out-of-fold probabilities are used.

    ``views`` names the views stacked (default :data:`VIEWS`; any distinct
    names from :data:`KNOWN_VIEWS`). ``info["alone"]`` holds, for each view,
    a one-input stacker fitted on its inner out-of-fold logits (for
    :meth:`QualityModel.view_probability`, a diagnostic; not saved).

    Raises:
        ValueError: with fewer than two classes, fewer videos than two, or an
            unknown view.
    """
    _check_views(views)
    names = tuple(views)
    say = log or (lambda _m: None)
    r = np.arange(len(x.ids), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    yr = [y[i] for i in r]
    if len(set(yr)) < 2:
        raise ValueError("session quality needs both high and low sessions")
    g = [groups[i] for i in r]
    k_inner = min(INNER_FOLDS, len(set(g)))
    if k_inner < 2:
        raise ValueError("session quality needs sessions from at least two videos")
    # grouped by video and stratified by quality: plain grouped folds left inner
    # test folds with no low-quality session (in outer split 1 of the shipped run)
    inner = stratified_grouped_folds(g, yr, k_inner, seed + 1)
    counts = _ngram_counts(x, r, names)
    oof = _view_oof(x, y, r, inner, L2_GRID, names, counts)
    pos = np.asarray([v == "high" for v in yr])
    chosen = _choose(oof, pos)
    s = np.column_stack([oof[v][chosen[v]] for v in names])
    ok = ~np.isnan(s).any(axis=1)
    stack = fit_softmax(
        s[ok],
        [yr[i] for i in np.flatnonzero(ok)],
        l2=STACK_L2,
        balanced=False,
        classes=("high", "low"),
    )
    # each view alone, calibrated on the same inner out-of-fold logits (a diagnostic:
    # its probability is comparable across outer folds, unlike the raw logit)
    alone = {
        v: fit_softmax(
            s[ok][:, [j]],
            [yr[i] for i in np.flatnonzero(ok)],
            l2=STACK_L2,
            balanced=False,
            classes=("high", "low"),
        )
        for j, v in enumerate(names)
    }
    say(
        f"  quality views: penalties {chosen}, stacker weights {np.round(stack.coef[:, 0] - stack.coef[:, 1], 3).tolist()}"
    )
    vocabs = _vocabs(x, r, names, counts)
    blocks = _blocks(x, r, vocabs, names, counts)
    fitted = {
        v: fit_softmax(
            blocks[v], yr, l2=chosen[v], classes=("high", "low"), standardise=STANDARDISE[v]
        )
        for v in names
    }
    if oof_probability is None or oof_high is None:
        oof_probability = _p_high(stack, s[ok])
        oof_high = pos[ok]
    return QualityModel(
        vocabs,
        fitted,
        stack,
        np.asarray(oof_probability, dtype=np.float64),
        np.asarray(oof_high, dtype=bool),
        {"l2": chosen, "inner_folds": k_inner, "alone": alone},
        names,
    )
