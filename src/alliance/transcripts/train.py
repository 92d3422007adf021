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
5. session quality (:mod:`alliance.transcripts.quality`): from the
   out-of-fold utterance labels, the therapist's words and the embeddings,
   fit the quality model on the training sessions of each split (its own
   choices on inner grouped folds) and score the held-out sessions
   (out-of-fold AUC and Brier score); then fit it on all sessions.

With an ASR-style copy (:func:`augment_asr`, the default of the
``alliance transcripts train`` command) every transcript is present twice:
as written and as a recorder would write it (:func:`~alliance.transcripts.asr.asr_style`),
the copy under the same video so that both stay in one fold. Models train
on both; every score is reported for each copy separately.

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
from alliance.transcripts.asr import asr_style, normalise
from alliance.transcripts.embed import EmbedFn
from alliance.transcripts.features import Context, assemble, build_vocabulary, context, lexical
from alliance.transcripts.linear import (
    fit_softmax,
    grouped_folds,
    macro_f1,
    paired_bootstrap_auc,
    roc_auc,
    tune_offsets,
)
from alliance.transcripts.model import (
    SUBTYPE_OF,
    Head,
    TaskSpec,
    TranscriptClassifier,
    head_features,
)
from alliance.transcripts.quality import (
    VIEWS,
    QualityModel,
    SessionInputs,
    fit_quality,
    session_inputs,
)

#: How the model description in the CV results names each quality view.
VIEW_DESCRIPTION = {
    "text": "therapist-word tf-idf",
    "plain": "therapist-word tf-idf on plain text (no case or punctuation)",
    "char": "therapist character 2-5-gram tf-idf on plain text",
    "counts": "therapist word-count tf-idf (sublinear) on plain text",
    "words": "both speakers' word-count tf-idf (sublinear) on plain text",
    "embedding": "mean therapist embedding",
    "shares": "shares + sequence",
}

__all__ = [
    "ASR_SUFFIX",
    "DEFAULT_TASKS",
    "L2_GRID",
    "QualityCV",
    "TrainResult",
    "augment_asr",
    "baseline_probability",
    "embed_cached",
    "load_embedding_cache",
    "load_oof_cache",
    "quality_baseline",
    "read_annomi",
    "refit_quality",
    "train",
]

#: Bootstrap replicates of the paired comparison with the baseline.
PAIRED_REPLICATES = 2000

#: Added to a transcript id for its ASR-style copy.
ASR_SUFFIX = "~asr"

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


def augment_asr(data: pl.DataFrame, *, seed: int = 0) -> pl.DataFrame:
    """The frame twice: as written (``copy = "clean"``) and ASR-style (``copy = "asr"``).

    The copy's transcript ids end in :data:`ASR_SUFFIX`; its video, labels and
    order are those of the original, its text :func:`~alliance.transcripts.asr.asr_style`
    with ``seed``. Both copies' texts are :func:`~alliance.transcripts.asr.normalise`-d, as
    at inference.
    """
    data = data.with_columns(
        pl.col("transcript_id").cast(pl.String), pl.col("utterance_text").fill_null("")
    )
    clean = data.with_columns(
        pl.col("utterance_text").map_elements(normalise, return_dtype=pl.String),
        pl.lit("clean").alias("copy"),
    )
    noisy = data.with_columns(
        pl.col("utterance_text").map_elements(
            lambda t: normalise(asr_style(t, seed=seed)), return_dtype=pl.String
        ),
        (pl.col("transcript_id") + ASR_SUFFIX).alias("transcript_id"),
        pl.lit("asr").alias("copy"),
    )
    return pl.concat([clean, noisy], how="vertical")


@dataclass
class QualityCV:
    """Out-of-fold inputs of the session-quality model (for baselines run on the same folds)."""

    inputs: SessionInputs
    y: list[str]
    videos: list[str]
    fold: NDArray[np.int64]
    copy: list[str]
    probability: NDArray[np.float64]
    all_text: list[str]
    #: Each view's out-of-fold P(high) alone (calibrated on the inner folds like the stacker).
    view_probability: dict[str, NDArray[np.float64]] = field(default_factory=dict)


@dataclass
class TrainResult:
    """The trained classifier and what cross-validation said about it."""

    classifier: TranscriptClassifier
    cv: dict[str, Any] = field(default_factory=dict)
    quality_cv: QualityCV | None = None
    #: Out-of-fold class probabilities per head: ``(classes, (rows, classes))``, NaN
    #: where a row was not predicted (another speaker).
    oof: dict[str, tuple[tuple[str, ...], NDArray[np.float64]]] = field(default_factory=dict)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _embedding_digest(texts: Sequence[str], key: str) -> str:
    return hashlib.sha256(("\x1f".join(texts) + "\x1e" + key).encode("utf-8")).hexdigest()


def load_embedding_cache(texts: Sequence[str], cache: Path, key: str) -> NDArray[np.float32] | None:
    """The embeddings stored in ``cache`` by :func:`embed_cached` for these texts and key, else None."""
    if not cache.is_file():
        return None
    with np.load(cache, allow_pickle=False) as z:
        if str(z["digest"]) == _embedding_digest(texts, key):
            return np.asarray(z["emb"], dtype=np.float32)
    return None


def load_oof_cache(path: Path, rows: int) -> dict[str, tuple[tuple[str, ...], NDArray[np.float64]]]:
    """Every head's out-of-fold probabilities as stored by ``alliance transcripts train --oof-cache``.

    Raises:
        ValueError: when a head's array does not have ``rows`` rows (other data or
            another ASR seed) or the file holds no head.
    """
    with np.load(path, allow_pickle=False) as z:
        heads = sorted({k.split("__")[0] for k in z.files})
        oof = {
            h: (
                tuple(str(c) for c in z[f"{h}__classes"]),
                np.asarray(z[f"{h}__proba"], dtype=np.float64),
            )
            for h in heads
        }
    if not oof:
        raise ValueError(f"{path}: no out-of-fold probabilities")
    bad = [h for h, (_, p) in oof.items() if p.shape[0] != rows]
    if bad:
        raise ValueError(
            f"{path}: {', '.join(bad)} do not have one row per utterance ({rows}): "
            "other data, or another --asr-seed"
        )
    return oof


def embed_cached(
    texts: Sequence[str], embed: EmbedFn, cache: Path | None, key: str
) -> NDArray[np.float32]:
    """Embed texts, reusing ``cache`` (a ``.npz``) when it was made for the same texts and key."""
    digest = _embedding_digest(texts, key)
    if cache is not None:
        stored = load_embedding_cache(texts, cache, key)
        if stored is not None:
            return stored
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
    embeddings: NDArray[np.float32] | None = None,
    log: Callable[[str], None] | None = None,
    talk_l2_grid: Sequence[float] | None = None,
    quality_views: Sequence[str] = VIEWS,
) -> TrainResult:
    """Cross-validate and fit every head and the quality model (see the module docstring).

    Args:
        data: the frame from :func:`read_annomi`.
        embed: the sentence embedder (tests pass a stub).
        folds, seed: grouped k-fold settings.
        tasks: the heads to train; ``behaviour`` and ``talk`` are required.
        embeddings: precomputed embeddings of ``data``'s utterances (skips ``embed``).
        log: progress messages.
        talk_l2_grid: penalties tried on inner folds by heads with
            ``tune_offsets`` (default :data:`L2_GRID`).
        quality_views: the session-quality model's views
            (:data:`~alliance.transcripts.quality.VIEWS` by default).

    Raises:
        ValueError: when a task's labels have fewer than two classes or there
            are fewer videos than folds.
    """
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    grid = tuple(talk_l2_grid) if talk_l2_grid is not None else L2_GRID
    if not grid:
        raise ValueError("talk_l2_grid is empty")
    if "copy" not in data.columns:
        data = data.with_columns(pl.lit("clean").alias("copy"))
    copies = np.asarray(data["copy"].to_list(), dtype=object)
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
            head = _fit_head(
                spec, texts, emb, lex, ctx, train_rows, y_tr, classes, groups, seed, grid
            )
            probs[test_rows] = head.proba(texts, emb, lex, ctx, test_rows)
        ok = ~np.isnan(probs[rows, 0])
        pred = [
            classes[k]
            for k in np.nanargmax(np.where(np.isnan(probs[rows]), -1, probs[rows]), axis=1)
        ]
        scores = {
            c: _scores(y, pred, ok & (copies[rows] == c), classes) for c in sorted(set(copies))
        }
        cv["tasks"][spec.name] = {
            **scores.get("clean", next(iter(scores.values()))),
            **{c: v for c, v in scores.items() if c != "clean"},
        }
        say(
            f"  {spec.name}: macro-F1 "
            + ", ".join(f"{c} {v['macro_f1']:.3f}" for c, v in scores.items())
        )
        oof[spec.name] = (classes, probs)
        heads[spec.name] = _fit_head(
            spec, texts, emb, lex, ctx, rows, y, classes, groups, seed, grid
        )

    labelled = _oof_frame(data, therapist, oof)
    quality, qcv, qdata = _quality(data, labelled, emb, fold, seed, say, views=quality_views)
    cv["quality"] = qcv
    cv["seconds"] = round(time.perf_counter() - t0, 1)
    clean = data.filter(pl.col("copy") == "clean")
    meta: dict[str, Any] = {
        "cv": cv,
        "training_data": {
            "rows": clean.height,
            "transcripts": int(clean["transcript_id"].n_unique()),
            "videos": int(clean["video_url"].n_unique()),
            "copies": sorted(set(copies)),
            "rows_with_copies": n,
        },
        "folds": {
            "k": folds,
            "seed": seed,
            "grouped_by": "video_url",
            "videos": {
                str(v): int(f)
                for v, f in sorted(dict(zip(groups, fold.tolist(), strict=True)).items())
            },
        },
    }
    clf = TranscriptClassifier(heads, quality, meta, embed)
    return TrainResult(clf, cv, qdata, oof)


def refit_quality(
    classifier: TranscriptClassifier,
    data: pl.DataFrame,
    embeddings: NDArray[np.float32],
    oof: dict[str, tuple[tuple[str, ...], NDArray[np.float64]]],
    *,
    views: Sequence[str] = VIEWS,
    log: Callable[[str], None] | None = None,
) -> TrainResult:
    """Refit only the session-quality model of a trained classifier; its heads stay as they are.

    From the training run's caches: ``embeddings`` of ``data``'s utterances
    and every head's out-of-fold probabilities ``oof`` (as
    :func:`train` returns them and ``--oof-cache`` stores them). Step 5 of
    :func:`train` runs again on the folds stored in the classifier's
    metadata; the new model carries the classifier's heads (the same objects)
    and metadata with ``cv["quality"]`` replaced.

    Raises:
        ValueError: when the caches do not have one row per utterance, or
            the folds rebuilt from the metadata's ``k`` and ``seed`` differ
            from the video -> fold map stored there.
    """
    say = log or (lambda _m: None)
    if "copy" not in data.columns:
        data = data.with_columns(pl.lit("clean").alias("copy"))
    emb = np.asarray(embeddings, dtype=np.float32)
    if emb.shape[0] != data.height or any(p.shape[0] != data.height for _, p in oof.values()):
        raise ValueError("the caches do not have one row per utterance of the data")
    folds_meta = classifier.meta.get("folds", {})
    k, seed = int(folds_meta.get("k", 5)), int(folds_meta.get("seed", 0))
    groups = [str(v) for v in data["video_url"].to_list()]
    fold = grouped_folds(groups, k, seed)
    rebuilt = {g: int(f) for g, f in zip(groups, fold.tolist(), strict=True)}
    stored = {str(g): int(f) for g, f in folds_meta.get("videos", {}).items()}
    if stored != rebuilt:
        raise ValueError("the folds of this data differ from those stored with the model")
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    labelled = _oof_frame(data, therapist, oof)
    quality, qcv, qdata = _quality(data, labelled, emb, fold, seed, say, views=views)
    cv = {**classifier.meta.get("cv", {}), "quality": qcv}
    meta = {**classifier.meta, "cv": cv}
    clf = TranscriptClassifier(classifier.heads, quality, meta, classifier._embed)
    return TrainResult(clf, cv, qdata, oof)


def _scores(
    y: Sequence[str], pred: Sequence[str], keep: NDArray[np.bool_], classes: Sequence[str]
) -> dict[str, Any]:
    y_ok = [v for v, k in zip(y, keep, strict=True) if k]
    p_ok = [v for v, k in zip(pred, keep, strict=True) if k]
    return {
        "classes": list(classes),
        "n": int(keep.sum()),
        "macro_f1": round(macro_f1(y_ok, p_ok, classes), 4),
        "accuracy": round(float(np.mean([a == b for a, b in zip(y_ok, p_ok, strict=True)])), 4),
        "per_class_f1": _per_class_f1(y_ok, p_ok, classes),
        "support": {c: int(sum(v == c for v in y_ok)) for c in classes},
    }


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
    grid: Sequence[float] | None = None,
) -> Head:
    """Fit one head on ``rows``.

    With ``spec.tune_offsets`` the penalty (from :data:`L2_GRID`) and the
    class offsets are chosen on an inner grouped CV over ``rows`` only; the
    stored spec carries the chosen penalty.
    """
    offsets = np.zeros(len(classes))
    if spec.tune_offsets:
        spec, offsets = _inner_tuning(
            spec, texts, emb, lex, ctx, rows, y, classes, groups, seed, grid or L2_GRID
        )
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
    grid: Sequence[float],
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
    for l2 in grid:
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
        raise ValueError("the penalty grid is empty")
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
    emb: NDArray[np.float32],
    fold: NDArray[np.int64],
    seed: int,
    say: Callable[[str], None],
    views: Sequence[str] = VIEWS,
) -> tuple[QualityModel | None, dict[str, Any], QualityCV | None]:
    """Outer grouped CV of the quality model, scored per copy; then the model fitted on all.

    ``views``: the views stacked (:data:`~alliance.transcripts.quality.VIEWS` by default).
    """
    say("session quality")
    x = session_inputs(labelled, emb)
    per = data.group_by("transcript_id", maintain_order=True).agg(
        pl.col("mi_quality").first(),
        pl.col("video_url").first(),
        pl.col("copy").first(),
        pl.col("utterance_text").str.join(" \n "),
    )
    info = {r[0]: r[1:] for r in per.iter_rows()}
    y = [str(info[i][0]) for i in x.ids]
    videos = [str(info[i][1]) for i in x.ids]
    copy = [str(info[i][2]) for i in x.ids]
    all_text = [str(info[i][3]) for i in x.ids]
    tfold = dict(zip(data["transcript_id"].to_list(), fold.tolist(), strict=True))
    f = np.asarray([tfold[i] for i in x.ids])
    if len(set(y)) < 2:
        return None, {"note": "one quality class only: no quality model"}, None
    p = np.full(len(x.ids), np.nan)
    alone = {v: np.full(len(x.ids), np.nan) for v in views}
    for k in np.unique(f):
        tr = np.flatnonzero(f != k)
        if len({y[i] for i in tr}) < 2:
            continue
        m = fit_quality(x, y, videos, rows=tr, seed=seed, views=views)
        te = np.flatnonzero(f == k)
        scores = m.view_scores(_subset(x, te))
        p[te] = m.stack.predict_proba(scores)[:, m.stack.classes.index("high")]
        for v, pv in m.view_probability(scores).items():
            alone[v][te] = pv
    pos = np.asarray([v == "high" for v in y])
    cv: dict[str, Any] = {
        "model": "stacked views: " + ", ".join(VIEW_DESCRIPTION[v] for v in views),
        "views": list(views),
        "n_transcripts": int(sum(c == "clean" for c in copy)),
        "n_high": int(sum(v == "high" and c == "clean" for v, c in zip(y, copy, strict=True))),
        "n_low": int(sum(v == "low" and c == "clean" for v, c in zip(y, copy, strict=True))),
    }
    for c in sorted(set(copy)):
        sel = np.asarray([v == c for v in copy]) & ~np.isnan(p)
        if len(set(pos[sel].tolist())) < 2:
            continue
        cv[c] = {
            "auc": round(roc_auc(pos[sel], p[sel]), 4),
            "brier": round(float(np.mean((p[sel] - pos[sel]) ** 2)), 4),
            "n": int(sel.sum()),
        }
        cv[c]["view_auc"] = {v: round(roc_auc(pos[sel], alone[v][sel]), 4) for v in views}
        say(
            f"  quality {c}: AUC {cv[c]['auc']:.3f}, Brier {cv[c]['brier']:.3f}; views "
            + ", ".join(f"{v} {a:.3f}" for v, a in cv[c]["view_auc"].items())
        )
    clean_ok = np.asarray([c == "clean" for c in copy]) & ~np.isnan(p)
    model = fit_quality(
        x,
        y,
        videos,
        seed=seed,
        oof_probability=p[clean_ok],
        oof_high=pos[clean_ok],
        log=say,
        views=views,
    )
    cv["l2"] = dict(model.info.get("l2", {}))
    cv["reliability"] = _reliability(p[clean_ok], pos[clean_ok])
    qcv = QualityCV(x, y, videos, f, copy, p, all_text, alone)
    return model, cv, qcv


def _subset(x: SessionInputs, rows: NDArray[np.int64]) -> SessionInputs:
    return SessionInputs(
        [x.ids[i] for i in rows],
        [x.therapist_text[i] for i in rows],
        x.embedding[rows],
        x.shares[rows],
        [x.client_text[i] for i in rows] if x.client_text else [],
    )


def _reliability(
    p: NDArray[np.float64], pos: NDArray[np.bool_], bins: int = 5
) -> list[dict[str, Any]]:
    """Reliability table: out-of-fold probabilities in quantile bins, mean predicted vs observed."""
    order = np.argsort(p, kind="stable")
    out: list[dict[str, Any]] = []
    for chunk in np.array_split(order, bins):
        if chunk.size == 0:
            continue
        out.append(
            {
                "n": int(chunk.size),
                "mean_predicted": round(float(p[chunk].mean()), 3),
                "observed_high": round(float(pos[chunk].mean()), 3),
                "min": round(float(p[chunk].min()), 3),
                "max": round(float(p[chunk].max()), 3),
            }
        )
    return out


def quality_baseline(
    qcv: QualityCV,
    *,
    augmented: bool = False,
    seed: int = 0,
    paired_replicates: int = PAIRED_REPLICATES,
    probability: NDArray[np.float64] | None = None,
) -> dict[str, Any]:
    """The bag-of-words baseline on the same outer folds, and the quality model against it.

    The baseline (:func:`baseline_probability`) is scored per copy (AUC,
    Brier). ``paired`` holds, per copy, the quality model's AUC minus the
    baseline's on the same held-out sessions with its 95 % paired bootstrap
    interval (:func:`~alliance.transcripts.linear.paired_bootstrap_auc`,
    ``paired_replicates`` replicates, seed ``seed``; sessions of that copy only).
    ``probability``: the baseline's out-of-fold probabilities when already
    computed (else :func:`baseline_probability` is run).
    Needs scikit-learn (a training-time extra).
    """
    p = (
        baseline_probability(qcv, augmented=augmented, seed=seed)
        if probability is None
        else np.asarray(probability, dtype=np.float64)
    )
    if p.shape != (len(qcv.y),):
        raise ValueError(f"{p.shape} baseline probabilities for {len(qcv.y)} sessions")
    pos = np.asarray([v == "high" for v in qcv.y])
    copy = np.asarray(qcv.copy, dtype=object)
    out: dict[str, Any] = {
        "model": "tf-idf (1-2 grams, sublinear, min_df 2, all words) + logistic regression "
        f"(balanced, C from 1/10/100 on stratified grouped inner folds), trained on {'clean + ASR-style' if augmented else 'clean'} sessions"
    }
    paired: dict[str, Any] = {}
    for c in sorted(set(qcv.copy)):
        sel = (copy == c) & ~np.isnan(p)
        out[c] = {
            "auc": round(roc_auc(pos[sel], p[sel]), 4),
            "brier": round(float(np.mean((p[sel] - pos[sel]) ** 2)), 4),
            "n": int(sel.sum()),
        }
        both = sel & ~np.isnan(qcv.probability)
        if len(set(pos[both].tolist())) == 2:
            r = paired_bootstrap_auc(
                pos[both],
                qcv.probability[both],
                p[both],
                replicates=paired_replicates,
                seed=seed,
            )
            paired[c] = {**r.to_dict(), "n": int(both.sum())}
    if paired:
        out["paired"] = {
            "what": "quality model AUC minus this baseline's, same held-out sessions; "
            "95% percentile interval of a paired bootstrap stratified by quality",
            **paired,
        }
    return out


def baseline_probability(
    qcv: QualityCV, *, augmented: bool = False, seed: int = 0
) -> NDArray[np.float64]:
    """Out-of-fold P(high) of the bag-of-words baseline, one per session of ``qcv``.

    scikit-learn's ``TfidfVectorizer`` (word uni- and bigrams, sublinear tf,
    ``min_df=2``) over all the words of a session (both speakers) and
    ``LogisticRegression`` (balanced class weights, ``C`` in 1 / 10 / 100
    chosen by AUC on inner folds of the training sessions that are grouped by video
    and stratified by quality, ``StratifiedGroupKFold`` with ``seed``), fitted on the
    clean training sessions of each split (``augmented``: on their ASR-style
    copies too) and applied to the held-out clean and ASR-style sessions.
    Needs scikit-learn (a training-time extra).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
    from sklearn.model_selection import (  # type: ignore[import-untyped]
        GridSearchCV,
        StratifiedGroupKFold,
    )
    from sklearn.pipeline import Pipeline  # type: ignore[import-untyped]

    pos = np.asarray([v == "high" for v in qcv.y])
    copy = np.asarray(qcv.copy, dtype=object)
    p = np.full(len(qcv.y), np.nan)
    for k in np.unique(qcv.fold):
        tr = (qcv.fold != k) & ((copy == "clean") | augmented)
        te = qcv.fold == k
        pipe = Pipeline(
            [
                ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
                ("lr", LogisticRegression(class_weight="balanced", max_iter=5000)),
            ]
        )
        idx = np.flatnonzero(tr)
        # Stratified by quality as well as grouped by video: with 11-17 low-quality
        # training sessions a plain GroupKFold left inner test folds with none (AUC undefined).
        low_videos = len({qcv.videos[i] for i in idx if not pos[i]})
        high_videos = len({qcv.videos[i] for i in idx if pos[i]})
        k_inner = min(5, low_videos, high_videos)
        x_tr = [qcv.all_text[i] for i in idx]
        if k_inner >= 2:
            inner = StratifiedGroupKFold(k_inner, shuffle=True, random_state=seed)
            model = GridSearchCV(pipe, {"lr__C": [1.0, 10.0, 100.0]}, cv=inner, scoring="roc_auc")
            model.fit(x_tr, pos[tr], groups=[qcv.videos[i] for i in idx])
        else:  # too few videos of one class to choose C on: the default C = 1
            model = pipe.fit(x_tr, pos[tr])
        p[te] = model.predict_proba([qcv.all_text[i] for i in np.flatnonzero(te)])[:, 1]
    return p
