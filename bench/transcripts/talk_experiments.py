"""Client talk type: variants tried on the grouped outer folds, clean AnnoMI text only.

    OMP_NUM_THREADS=1 nice .venv/bin/python bench/transcripts/talk_experiments.py \\
        --embeddings /tmp/transcripts-train/emb.npz [--variants a,b,...] [--offsets] [--seed 1] \\
        [--pooled /tmp/s5-pooling/pooled.npz]

The embeddings are the ``.npz`` that ``alliance transcripts train
--embedding-cache`` writes (its default ASR-style copy included; only the
clean rows are used here).

Every variant uses the same outer folds (grouped by video, seed 0 as in the
shipped model's CV unless ``--seed``; inner folds seed + 1), the same penalty (10,000) and, unless ``--offsets``, no
class offsets, so the differences are those of the features or the model
alone. With ``--offsets`` each variant also gets class offsets tuned on a
5-fold grouped inner CV of each outer training split (as the shipped head
does), so its number is comparable with the headline (0.543, penalty chosen
on inner folds too). Anything learnt from labels (the therapist-behaviour
context) is fitted inside the outer training split only (cross-fitted on its
folds for the training rows): no variant sees the held-out fold's labels.
Prints out-of-fold macro-F1 per variant.

Variants (names for ``--variants``):

* ``shipped``: the talk head's blocks as in ``train.DEFAULT_TASKS``;
* ``behaviour_ctx``: + the predicted behaviour of the therapist turn before
  (question / reflection / input / other probabilities from a behaviour
  model trained inside the fold; gold-free, as at inference);
* ``ngrams_neighbours``: + word n-grams (tf-idf, own vocabulary) of the
  utterance before and after (whoever spoke): a reflection of change talk
  that repeats the client's words, a question that invites it;
* ``stance_lexicon``: + counts of change-talk and sustain-talk cues (a fixed
  list written from the MI literature's DARN-CAT categories, negation-aware);
* ``running_stance``: + the mean embedding of the client's earlier turns in
  the session (the client's stance so far, gold-free);
* ``stack``: two logistic regressions (n-grams | dense blocks),
  log-probabilities added;
* ``unbalanced``: no class weights (argmax), for contrast;
* ``l2_3000`` / ``l2_30000``: other penalties, for scale;
* ``pool_tail8`` / ``pool_tail4`` / ``pool_max`` / ``pool_cls`` (session 5,
  need ``--pooled``, the ``.npz`` of ``pooling_embed.py``): + the utterance's
  own vector under another pooling of the same MiniLM forward pass (the mean
  of the last 8 / 4 word pieces, the element-wise maximum, the [CLS] vector);
* ``pool_tail8_ctx`` / ``pool_max_ctx``: the same pooling also for the
  client's previous and next turns and the utterance before and after (as the
  shipped head has them for the mean).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from annomi_data import data_dir
from numpy.typing import NDArray

from alliance.transcripts.features import (
    Context,
    assemble,
    build_vocabulary,
    context,
    lexical,
)
from alliance.transcripts.linear import fit_softmax, grouped_folds, macro_f1, tune_offsets
from alliance.transcripts.train import DEFAULT_TASKS, augment_asr, read_annomi

CLASSES = ("change", "neutral", "sustain")
B_CLASSES = ("other", "question", "reflection", "therapist_input")

# DARN-CAT (desire, ability, reasons, need, commitment, activation, taking steps)
# for change, and their mirror images for sustain; written before any run.
_CHANGE = (
    r"\bi (really )?(want|wanna|wish|hope|would like|'d like) to\b",
    r"\bi (can|could|will|'ll|am going to|'m going to|gonna|plan to|intend to)\b",
    r"\bi (need|have|got) to\b",
    r"\bi should\b",
    r"\b(ready|willing|determined|committed)\b",
    r"\b(cut down|cut back|quit|stop|give up|change|try|tried|start(ed)?)\b",
    r"\b(worried|worry|scared|afraid|concerned|bad for)\b",
    r"\b(better|healthier|healthy)\b",
)
_SUSTAIN = (
    r"\bi (don't|do not|dont) (want|wanna|need|think)\b",
    r"\bi (can't|cannot|cant|won't|wont)\b",
    r"\b(not|never) (going to|gonna|a problem|that bad|worried)\b",
    r"\b(enjoy|like it|love it|relax(es|ing)?|helps me|fun)\b",
    r"\b(fine|no big deal|not a big deal|everybody|everyone does)\b",
    r"\b(why should|what's the point|no point)\b",
    r"\bbut\b",
)
_CHANGE_RE = [re.compile(p) for p in _CHANGE]
_SUSTAIN_RE = [re.compile(p) for p in _SUSTAIN]


def stance_lexicon(texts: Sequence[str]) -> NDArray[np.float32]:
    """Per text: matches of each change cue, each sustain cue, and the two totals (log1p)."""
    out = np.zeros((len(texts), len(_CHANGE_RE) + len(_SUSTAIN_RE) + 2), dtype=np.float32)
    for i, t in enumerate(texts):
        low = t.lower()
        c = [len(r.findall(low)) for r in _CHANGE_RE]
        s = [len(r.findall(low)) for r in _SUSTAIN_RE]
        out[i] = np.log1p([*c, *s, sum(c), sum(s)])
    return out


def running_mean(emb: NDArray[np.float32], ctx: Context) -> NDArray[np.float32]:
    """Mean embedding of the same role's earlier utterances in the transcript (zeros if none)."""
    out = np.zeros_like(emb)
    for r in range(emb.shape[0]):
        p = ctx.prev_same[r]
        if p >= 0:
            # mean over p's own history and p: out[p] holds the mean before p
            k = _count(ctx, p)
            out[r] = (out[p] * k + emb[p]) / (k + 1)
    return out


def _count(ctx: Context, r: int) -> int:
    k, p = 0, ctx.prev_same[r]
    while p >= 0:
        k, p = k + 1, ctx.prev_same[p]
    return k


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument(
        "--embeddings",
        type=Path,
        required=True,
        help=".npz from alliance transcripts train --embedding-cache (with its default ASR copy)",
    )
    ap.add_argument(
        "--pooled",
        type=Path,
        default=None,
        help=".npz of pooling_embed.py (other poolings of the clean rows), for pool_* variants",
    )
    ap.add_argument(
        "--l2", type=float, default=None, help="penalty for every variant (default: 10,000)"
    )
    ap.add_argument("--variants", default="", help="comma-separated names (default: all)")
    ap.add_argument("--offsets", action="store_true", help="tune class offsets on inner folds")
    ap.add_argument(
        "--seed", type=int, default=0, help="outer fold assignment (0: the shipped CV's)"
    )
    args = ap.parse_args()
    frame = augment_asr(read_annomi(args.data), seed=0)
    with np.load(args.embeddings, allow_pickle=False) as z:
        emb_all = np.asarray(z["emb"], dtype=np.float32)
    if emb_all.shape[0] != frame.height:
        raise SystemExit(f"{emb_all.shape[0]} embeddings for {frame.height} rows: wrong cache")
    clean = np.asarray(frame["copy"].to_list()) == "clean"
    data = frame.filter(frame["copy"] == "clean")
    emb = emb_all[clean]
    texts = [str(t) for t in data["utterance_text"].to_list()]
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    lex = lexical(texts)
    ctx = context(data["transcript_id"].to_list(), list(therapist))
    videos = [str(v) for v in data["video_url"].to_list()]
    fold = grouped_folds(videos, 5, args.seed)
    spec = next(t for t in DEFAULT_TASKS if t.name == "talk")
    b_spec = next(t for t in DEFAULT_TASKS if t.name == "behaviour")
    y_all = data["client_talk_type"].to_list()
    rows = np.flatnonzero(~therapist)
    y = np.asarray([str(y_all[i]) for i in rows], dtype=object)
    dense_blocks = tuple(b for b in spec.blocks if b != "bow")
    b_dense = tuple(b for b in b_spec.blocks if b != "bow")
    t_rows = np.flatnonzero(therapist)
    yb_all = data["main_therapist_behaviour"].to_list()
    prev_text = [texts[p] if p >= 0 else "" for p in ctx.prev]
    next_text = [texts[p] if p >= 0 else "" for p in ctx.next]
    lexicon = stance_lexicon(texts)
    running = running_mean(emb, ctx)
    pooled: dict[str, NDArray[np.float32]] = {}
    if args.pooled is not None:
        with np.load(args.pooled, allow_pickle=False) as z:
            pooled = {k: np.asarray(z[k], dtype=np.float32) for k in z.files}
        if np.abs(pooled["mean"] - emb).max() > 0:
            raise SystemExit("--pooled: its mean block differs from the embedding cache")

    def behaviour_probs(train_t: NDArray[np.int64], pred: NDArray[np.int64]) -> NDArray[np.float64]:
        voc = build_vocabulary(
            [texts[i] for i in train_t], min_df=b_spec.min_df, max_terms=b_spec.max_terms
        )

        def x(r: NDArray[np.int64]) -> NDArray[np.float32]:
            return np.hstack(
                [
                    assemble(b_dense, emb=emb, lex=lex, ctx=ctx, rows=r),
                    voc.transform([texts[i] for i in r]),
                ]
            )

        m = fit_softmax(
            x(train_t), [str(yb_all[i]) for i in train_t], l2=b_spec.l2, classes=B_CLASSES
        )
        return m.predict_proba(x(pred))

    b_cache: dict[int, NDArray[np.float64]] = {}

    def behaviour_ctx(f: int) -> NDArray[np.float64]:
        """Predicted behaviour (all rows) for outer split ``f``, fitted on its training folds only.

        Therapist rows of the training folds: cross-fitted over those folds
        (fit on three, predict the fourth); of the held-out fold: the model
        fitted on all four. Returned shifted to the previous utterance.
        """
        if f in b_cache:
            return b_cache[f]
        pb = np.zeros((data.height, len(B_CLASSES)))
        t_train = t_rows[fold[t_rows] != f]
        for g in range(5):
            if g == f:
                continue
            pb_rows = t_rows[fold[t_rows] == g]
            pb[pb_rows] = behaviour_probs(t_train[fold[t_train] != g], pb_rows)
        t_test = t_rows[fold[t_rows] == f]
        pb[t_test] = behaviour_probs(t_train, t_test)
        out = np.zeros_like(pb)
        has = ctx.prev >= 0
        out[has] = pb[ctx.prev[has]]
        b_cache[f] = out
        return out

    def features(
        name: str, tr: NDArray[np.int64], te: NDArray[np.int64], f: int
    ) -> tuple[list[NDArray[np.float32]], list[NDArray[np.float32]]]:
        """Dense and n-gram blocks (train, test) for one variant; n-grams from ``tr`` only."""
        voc = build_vocabulary(
            [texts[i] for i in tr],
            negation=spec.negation,
            min_df=spec.min_df,
            max_terms=spec.max_terms,
        )
        a = [
            assemble(dense_blocks, emb=emb, lex=lex, ctx=ctx, rows=tr),
            voc.transform([texts[i] for i in tr]),
        ]
        b = [
            assemble(dense_blocks, emb=emb, lex=lex, ctx=ctx, rows=te),
            voc.transform([texts[i] for i in te]),
        ]
        if name == "behaviour_ctx":
            pb = behaviour_ctx(f).astype(np.float32)
            a.append(pb[tr])
            b.append(pb[te])
        elif name == "ngrams_neighbours":
            for side in (prev_text, next_text):
                v = build_vocabulary([side[i] for i in tr], min_df=3, max_terms=2000)
                a.append(v.transform([side[i] for i in tr]))
                b.append(v.transform([side[i] for i in te]))
        elif name == "stance_lexicon":
            a.append(lexicon[tr])
            b.append(lexicon[te])
        elif name == "running_stance":
            a.append(running[tr])
            b.append(running[te])
        elif name.startswith("pool_"):
            key = name.removeprefix("pool_").removesuffix("_ctx")
            if key not in pooled:
                raise SystemExit(f"variant {name} needs --pooled with a {key!r} block")
            blocks = (
                ("emb", "emb_prev", "emb_next", "emb_prev_same", "emb_next_same")
                if name.endswith("_ctx")
                else ("emb",)
            )
            a.append(assemble(blocks, emb=pooled[key], lex=lex, ctx=ctx, rows=tr))
            b.append(assemble(blocks, emb=pooled[key], lex=lex, ctx=ctx, rows=te))
        return a, b

    def fit_predict(
        name: str, a: list[NDArray[np.float32]], b: list[NDArray[np.float32]], ytr: list[str]
    ) -> NDArray[np.float64]:
        l2 = {"l2_3000": 3000.0, "l2_30000": 30000.0}.get(name, args.l2 or spec.l2)
        balanced = name != "unbalanced"
        if name == "stack":
            m1 = fit_softmax(a[0], ytr, l2=l2, classes=CLASSES)
            m2 = fit_softmax(a[1], ytr, l2=l2 / 3, classes=CLASSES)
            p = m1.predict_proba(b[0]) * m2.predict_proba(b[1])
            return np.asarray(p / p.sum(axis=1, keepdims=True))
        m = fit_softmax(np.hstack(a), ytr, l2=l2, classes=CLASSES, balanced=balanced)
        return np.asarray(m.predict_proba(np.hstack(b)))

    def run(name: str) -> None:
        t0 = time.perf_counter()
        pred = np.empty(rows.size, dtype=object)
        for f in range(5):
            tr, te = rows[fold[rows] != f], rows[fold[rows] == f]
            ytr = [str(v) for v in y[fold[rows] != f]]
            a, b = features(name, tr, te, f)
            logp = np.log(np.clip(fit_predict(name, a, b, ytr), 1e-12, 1.0))
            if args.offsets:
                # inner grouped CV over the training split only (features rebuilt per inner fold)
                inner = grouped_folds([videos[i] for i in tr], 5, args.seed + 1)
                pin = np.zeros((tr.size, len(CLASSES)))
                for k in range(5):
                    itr, ite = tr[inner != k], tr[inner == k]
                    ia, ib = features(name, itr, ite, f)
                    pin[inner == k] = fit_predict(
                        name, ia, ib, [ytr[j] for j in np.flatnonzero(inner != k)]
                    )
                logp = logp + tune_offsets(pin, ytr, CLASSES)
            pred[fold[rows] == f] = [CLASSES[k] for k in logp.argmax(axis=1)]
        f1 = macro_f1(list(y), list(pred), CLASSES)
        per = [macro_f1(list(y), list(pred), [c]) for c in CLASSES]
        print(
            f"{name:<22} macro-F1 {f1:.3f}  (change {per[0]:.3f} / neutral {per[1]:.3f} / "
            f"sustain {per[2]:.3f})  {time.perf_counter() - t0:.0f} s",
            flush=True,
        )

    names = [
        "shipped",
        "behaviour_ctx",
        "ngrams_neighbours",
        "stance_lexicon",
        "running_stance",
        "stack",
        "unbalanced",
        "l2_3000",
        "l2_30000",
        "pool_tail8",
        "pool_tail4",
        "pool_max",
        "pool_cls",
        "pool_tail8_ctx",
        "pool_max_ctx",
    ]
    chosen = [v for v in args.variants.split(",") if v] or [
        v for v in names if not v.startswith("pool_") or args.pooled is not None
    ]
    unknown = set(chosen) - set(names)
    if unknown:
        raise SystemExit(f"unknown variant(s): {', '.join(sorted(unknown))}")
    print(
        f"client talk, clean text, {rows.size:,} utterances, grouped 5-fold (seed {args.seed}), "
        f"l2 {args.l2 or spec.l2:g}, {'offsets tuned on inner folds' if args.offsets else 'no offsets'}",
        flush=True,
    )
    for name in chosen:
        run(name)


if __name__ == "__main__":
    main()
