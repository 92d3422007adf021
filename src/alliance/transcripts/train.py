"""Train the utterance classifier and the session-quality model on AnnoMI.

``alliance transcripts train`` runs :func:`train`:

1. read ``annomi-full-train.csv`` (one row per utterance, with the sub-labels);
2. embed every utterance with MiniLM (optionally cached in a ``.npz`` file);
3. assign videos to ``folds`` folds (:func:`~alliance.transcripts.linear.grouped_folds`
   on ``video_url``, so that no video is on both sides of a split);
4. for every head: fit on the other folds, predict the held-out fold, and
   score the out-of-fold predictions (macro-F1); then fit on everything.
   A head with ``tune_offsets`` (client talk) picks its penalty from
   :data:`L2_GRID` and its class offsets on an inner grouped CV inside each
   training split, so the outer score never sees them chosen;
5. session quality: from the out-of-fold utterance labels build each
   transcript's :data:`~alliance.transcripts.profile.QUALITY_FEATURES`, fit a
   logistic regression across the same folds (out-of-fold AUC), calibrate its
   out-of-fold scores with Platt scaling, and fit it on all transcripts.

Only the training part of AnnoMI is used; no hyper-parameter is tuned on
anything else.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from alliance.errors import DataError
from alliance.transcripts.embed import EmbedFn
from alliance.transcripts.features import Context, assemble, build_vocabulary, context, lexical
from alliance.transcripts.linear import (
    fit_platt,
    fit_softmax,
    grouped_folds,
    macro_f1,
    platt,
    roc_auc,
    tune_offsets,
)
from alliance.transcripts.model import (
    SUBTYPE_OF,
    Head,
    QualityModel,
    TaskSpec,
    TranscriptClassifier,
    head_features,
)
from alliance.transcripts.profile import QUALITY_FEATURES, quality_features

__all__ = ["DEFAULT_TASKS", "L2_GRID", "QUALITY_L2", "TrainResult", "read_annomi", "train"]

_CTX = ("emb", "emb_prev", "emb_next", "lex", "lex_prev", "lex_next", "speaker_prev", "bow")

#: The heads and their settings (chosen by grouped CV on the training part only).
DEFAULT_TASKS: tuple[TaskSpec, ...] = (
    TaskSpec("behaviour", "therapist", "main_therapist_behaviour", None, _CTX, l2=3000.0),
    TaskSpec(
        "talk",
        "client",
        "client_talk_type",
        None,
        (*_CTX, "client_mean", "emb_prev_same", "emb_next_same", "position"),
        negation=True,
        l2=10000.0,
        tune_offsets=True,
    ),
    TaskSpec(
        "question",
        "therapist",
        "question_subtype",
        "question_exists",
        ("emb", "lex", "bow"),
        l2=1000.0,
        min_df=3,
        max_terms=2000,
    ),
    TaskSpec(
        "reflection",
        "therapist",
        "reflection_subtype",
        "reflection_exists",
        _CTX,
        l2=5000.0,
        min_df=3,
        max_terms=2000,
    ),
    TaskSpec(
        "input",
        "therapist",
        "therapist_input_subtype",
        "therapist_input_exists",
        ("emb", "lex", "bow"),
        l2=3000.0,
        min_df=3,
        max_terms=2000,
    ),
)

#: Penalty of the session-quality logistic regression.
QUALITY_L2 = 200.0
#: Inner folds used to tune class offsets (and the penalty, see :data:`L2_GRID`).
INNER_FOLDS = 5
#: Penalties tried on the inner folds of a head with ``tune_offsets``; the one
#: whose offset-tuned inner out-of-fold macro-F1 is highest is used (ties: the first).
L2_GRID: tuple[float, ...] = (3000.0, 10000.0, 30000.0)

REQUIRED = (
    "transcript_id",
    "mi_quality",
    "video_url",
    "utterance_id",
    "interlocutor",
    "timestamp",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
    "question_exists",
    "question_subtype",
    "reflection_exists",
    "reflection_subtype",
    "therapist_input_exists",
    "therapist_input_subtype",
)


def read_annomi(path: Path) -> pl.DataFrame:
    """Read ``annomi-full-train.csv`` (a file, or the folder that holds it).

    Raises:
        DataError: when a column is missing or an interlocutor is not
            therapist / client.
    """
    file = path / "annomi-full-train.csv" if path.is_dir() else path
    frame = pl.read_csv(file, infer_schema_length=0)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(f"{file}: missing column(s) {', '.join(missing)}", column=missing[0])
    frame = frame.with_columns(
        pl.col("transcript_id").cast(pl.String),
        pl.col("utterance_id").cast(pl.Int64),
        pl.col("utterance_text").fill_null(""),
        *(
            pl.col(c).str.to_lowercase().eq("true").fill_null(False)
            for c in ("question_exists", "reflection_exists", "therapist_input_exists")
        ),
    ).sort(["transcript_id", "utterance_id"], maintain_order=True)
    bad = frame.filter(~pl.col("interlocutor").is_in(["therapist", "client"]))
    if bad.height:
        raise DataError(
            f"{file}: interlocutor must be therapist or client",
            column="interlocutor",
            value=bad["interlocutor"][0],
        )
    return frame


@dataclass
class TrainResult:
    """The trained classifier and what cross-validation said about it."""

    classifier: TranscriptClassifier
    cv: dict[str, Any] = field(default_factory=dict)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def embed_cached(
    texts: Sequence[str], embed: EmbedFn, cache: Path | None, key: str
) -> NDArray[np.float32]:
    """Embed texts, reusing ``cache`` (a ``.npz``) when it was made for the same texts and key."""
    digest = hashlib.sha256(("\x1f".join(texts) + "\x1e" + key).encode("utf-8")).hexdigest()
    if cache is not None and cache.is_file():
        with np.load(cache, allow_pickle=False) as z:
            if str(z["digest"]) == digest:
                return np.asarray(z["emb"], dtype=np.float32)
    emb = embed(texts).astype(np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, emb=emb, digest=np.asarray(digest))
    return emb


def _per_class_f1(y: Sequence[str], p: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    return {c: round(macro_f1(y, p, [c]), 4) for c in labels}


def train(
    data: pl.DataFrame,
    *,
    embed: EmbedFn,
    folds: int = 5,
    seed: int = 0,
    tasks: Sequence[TaskSpec] = DEFAULT_TASKS,
    quality_l2: float = QUALITY_L2,
    embeddings: NDArray[np.float32] | None = None,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Cross-validate and fit every head and the quality model (see the module docstring).

    Args:
        data: the frame from :func:`read_annomi`.
        embed: the sentence embedder (tests pass a stub).
        folds, seed: grouped k-fold settings.
        tasks: the heads to train; ``behaviour`` and ``talk`` are required.
        quality_l2: penalty of the quality model.
        embeddings: precomputed embeddings of ``data``'s utterances (skips ``embed``).
        log: progress messages.

    Raises:
        ValueError: when a task's labels have fewer than two classes or there
            are fewer videos than folds.
    """
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    texts = [str(t) for t in data["utterance_text"].to_list()]
    if embeddings is None:
        say(f"embedding {len(texts):,} utterances")
        emb = embed(texts).astype(np.float32)
    else:
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.shape[0] != len(texts):
            raise ValueError(f"embeddings have {emb.shape[0]} rows for {len(texts)} utterances")
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    lex = lexical(texts)
    ctx = context(data["transcript_id"].to_list(), list(therapist))
    groups = [str(v) for v in data["video_url"].to_list()]
    fold = grouped_folds(groups, folds, seed)
    n = data.height
    heads: dict[str, Head] = {}
    cv: dict[str, Any] = {"folds": folds, "seed": seed, "grouped_by": "video_url", "tasks": {}}
    oof: dict[str, tuple[tuple[str, ...], NDArray[np.float64]]] = {}
    for spec in tasks:
        say(f"task {spec.name}")
        role_rows = therapist if spec.role == "therapist" else ~therapist
        y_all = data[spec.target].to_list()
        sel = role_rows & np.asarray([v is not None for v in y_all])
        if spec.where is not None:
            sel &= data[spec.where].to_numpy().astype(bool)
        rows = np.flatnonzero(sel)
        y = [str(y_all[i]) for i in rows]
        classes = tuple(sorted(set(y)))
        if len(classes) < 2:
            raise ValueError(f"task {spec.name}: need two classes, found {classes}")
        probs = np.full((n, len(classes)), np.nan)
        role_idx = np.flatnonzero(role_rows)
        for f in range(folds):
            train_rows = rows[fold[rows] != f]
            test_rows = role_idx[fold[role_idx] == f]
            if train_rows.size == 0 or test_rows.size == 0:
                continue
            y_tr = [str(y_all[i]) for i in train_rows]
            if len(set(y_tr)) < 2:
                continue
            head = _fit_head(spec, texts, emb, lex, ctx, train_rows, y_tr, classes, groups, seed)
            probs[test_rows] = head.proba(texts, emb, lex, ctx, test_rows)
        ok = ~np.isnan(probs[rows, 0])
        pred = [
            classes[k]
            for k in np.nanargmax(np.where(np.isnan(probs[rows]), -1, probs[rows]), axis=1)
        ]
        y_ok = [v for v, keep in zip(y, ok, strict=True) if keep]
        p_ok = [v for v, keep in zip(pred, ok, strict=True) if keep]
        cv["tasks"][spec.name] = {
            "classes": list(classes),
            "n": int(ok.sum()),
            "macro_f1": round(macro_f1(y_ok, p_ok, classes), 4),
            "accuracy": round(float(np.mean([a == b for a, b in zip(y_ok, p_ok, strict=True)])), 4),
            "per_class_f1": _per_class_f1(y_ok, p_ok, classes),
            "support": {c: int(sum(v == c for v in y_ok)) for c in classes},
        }
        say(f"  {spec.name}: macro-F1 {cv['tasks'][spec.name]['macro_f1']:.3f}")
        oof[spec.name] = (classes, probs)
        heads[spec.name] = _fit_head(spec, texts, emb, lex, ctx, rows, y, classes, groups, seed)

    labelled = _oof_frame(data, therapist, oof)
    quality, qcv = _quality(data, labelled, fold, quality_l2, say)
    cv["quality"] = qcv
    cv["seconds"] = round(time.perf_counter() - t0, 1)
    meta: dict[str, Any] = {
        "cv": cv,
        "quality": {"l2": quality_l2},
        "training_data": {
            "rows": n,
            "transcripts": int(data["transcript_id"].n_unique()),
            "videos": int(data["video_url"].n_unique()),
        },
    }
    clf = TranscriptClassifier(heads, quality, meta, embed)
    return TrainResult(clf, cv)


def _fit_head(
    spec: TaskSpec,
    texts: Sequence[str],
    emb: NDArray[np.float32],
    lex: NDArray[np.float32],
    ctx: Context,
    rows: NDArray[np.int64],
    y: Sequence[str],
    classes: Sequence[str],
    groups: Sequence[str],
    seed: int,
) -> Head:
    """Fit one head on ``rows``.

    With ``spec.tune_offsets`` the penalty (from :data:`L2_GRID`) and the
    class offsets are chosen on an inner grouped CV over ``rows`` only; the
    stored spec carries the chosen penalty.
    """
    offsets = np.zeros(len(classes))
    if spec.tune_offsets:
        spec, offsets = _inner_tuning(spec, texts, emb, lex, ctx, rows, y, classes, groups, seed)
    vocab = build_vocabulary(
        [texts[i] for i in rows],
        negation=spec.negation,
        min_df=spec.min_df,
        max_terms=spec.max_terms,
    )
    x = head_features(spec, vocab, texts, emb, lex, ctx, rows)
    model = fit_softmax(x, y, l2=spec.l2, classes=classes)
    return Head(spec, vocab, model, offsets)


def _inner_tuning(
    spec: TaskSpec,
    texts: Sequence[str],
    emb: NDArray[np.float32],
    lex: NDArray[np.float32],
    ctx: Context,
    rows: NDArray[np.int64],
    y: Sequence[str],
    classes: Sequence[str],
    groups: Sequence[str],
    seed: int,
) -> tuple[TaskSpec, NDArray[np.float64]]:
    """Penalty and offsets from out-of-fold probabilities of an inner grouped CV over ``rows``.

    ``min(INNER_FOLDS, videos)`` inner folds (none, and no tuning, with fewer
    than two videos). For each penalty in :data:`L2_GRID`, offsets are tuned on the inner
    out-of-fold probabilities (:func:`~alliance.transcripts.linear.tune_offsets`)
    and the penalty with the highest tuned macro-F1 wins.
    """
    inner_groups = [groups[i] for i in rows]
    k_inner = min(INNER_FOLDS, len(set(inner_groups)))
    if k_inner < 2:  # too few videos to tune on: keep the spec, no offsets
        return spec, np.zeros(len(classes))
    inner = grouped_folds(inner_groups, k_inner, seed + 1)
    ya = np.asarray(y, dtype=object)
    # Features other than the n-grams do not depend on the training rows: build them once.
    dense = replace(spec, blocks=tuple(b for b in spec.blocks if b != "bow"))
    xd = assemble(dense.blocks, emb=emb, lex=lex, ctx=ctx, rows=rows)
    fold_x: list[tuple[NDArray[np.float32], NDArray[np.float32]]] = []
    for k in range(k_inner):
        tr, te = inner != k, inner == k
        a, b = xd[tr], xd[te]
        if "bow" in spec.blocks:
            vocab = build_vocabulary(
                [texts[i] for i in rows[tr]],
                negation=spec.negation,
                min_df=spec.min_df,
                max_terms=spec.max_terms,
            )
            a = np.hstack([a, vocab.transform([texts[i] for i in rows[tr]])])
            b = np.hstack([b, vocab.transform([texts[i] for i in rows[te]])])
        fold_x.append((a, b))
    best: tuple[float, float, NDArray[np.float64]] | None = None
    for l2 in L2_GRID:
        probs = np.zeros((rows.size, len(classes)))
        for k, (a, b) in enumerate(fold_x):
            m = fit_softmax(a, list(ya[inner != k]), l2=l2, classes=classes)
            probs[inner == k] = m.predict_proba(b)
        off = tune_offsets(probs, y, classes)
        logp = np.log(np.clip(probs, 1e-12, 1.0)) + off
        score = macro_f1(y, [classes[i] for i in np.argmax(logp, axis=1)], classes)
        if best is None or score > best[0] + 1e-12:
            best = (score, l2, off)
    if best is None:
        raise ValueError("L2_GRID is empty")
    return replace(spec, l2=best[1]), best[2]


def _oof_frame(
    data: pl.DataFrame,
    therapist: NDArray[np.bool_],
    oof: dict[str, tuple[tuple[str, ...], NDArray[np.float64]]],
) -> pl.DataFrame:
    """Out-of-fold labels in the shape :func:`profile_sessions` reads."""
    n = data.height
    label: list[str | None] = [None] * n
    subtype: list[str | None] = [None] * n
    for head, rows in (
        ("behaviour", np.flatnonzero(therapist)),
        ("talk", np.flatnonzero(~therapist)),
    ):
        classes, p = oof[head]
        for r in rows:
            if not np.isnan(p[r, 0]):
                label[r] = classes[int(np.argmax(p[r]))]
    for main, head in SUBTYPE_OF.items():
        if head not in oof:
            continue
        classes, p = oof[head]
        for r in np.flatnonzero(therapist):
            if label[r] == main and not np.isnan(p[r, 0]):
                subtype[r] = classes[int(np.argmax(p[r]))]
    return pl.DataFrame(
        {
            "transcript_id": data["transcript_id"].to_list(),
            "interlocutor": data["interlocutor"].to_list(),
            "label": label,
            "subtype": subtype,
            "text": data["utterance_text"].to_list(),
        },
        schema={
            "transcript_id": pl.String,
            "interlocutor": pl.String,
            "label": pl.String,
            "subtype": pl.String,
            "text": pl.String,
        },
    )


def _quality(
    data: pl.DataFrame,
    labelled: pl.DataFrame,
    fold: NDArray[np.int64],
    l2: float,
    say: Callable[[str], None],
) -> tuple[QualityModel | None, dict[str, Any]]:
    say("session quality")
    ids, x = quality_features(labelled)
    per = data.group_by("transcript_id", maintain_order=True).agg(
        pl.col("mi_quality").first(), pl.col("video_url").first()
    )
    q = dict(zip(per["transcript_id"].to_list(), per["mi_quality"].to_list(), strict=True))
    tfold = dict(zip(data["transcript_id"].to_list(), fold.tolist(), strict=True))
    y = [str(q[i]) for i in ids]
    f = np.asarray([tfold[i] for i in ids])
    if len(set(y)) < 2:
        return None, {"note": "one quality class only: no quality model"}
    scores = np.full(len(ids), np.nan)
    for k in np.unique(f):
        tr, te = f != k, f == k
        if len(set(np.asarray(y)[tr])) < 2:
            continue
        m = fit_softmax(x[tr], list(np.asarray(y)[tr]), l2=l2, classes=("high", "low"))
        qm = QualityModel(m, 1.0, 0.0)
        scores[te] = qm.score(x[te])
    ok = ~np.isnan(scores)
    pos = np.asarray([v == "high" for v in y])
    auc = roc_auc(pos[ok], scores[ok])
    a, b = fit_platt(scores[ok], pos[ok])
    p = platt(scores[ok], a, b)
    brier = float(np.mean((p - pos[ok]) ** 2))
    model = fit_softmax(x, y, l2=l2, classes=("high", "low"))
    say(f"  quality: AUC {auc:.3f}")
    return QualityModel(model, a, b), {
        "auc": round(auc, 4),
        "brier_oof_platt": round(brier, 4),
        "n_transcripts": int(ok.sum()),
        "n_high": int(pos[ok].sum()),
        "n_low": int((~pos[ok]).sum()),
        "features": list(QUALITY_FEATURES),
        "platt_a": a,
        "platt_b": b,
    }
