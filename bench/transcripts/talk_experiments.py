"""Client talk type: variants tried on the grouped outer folds, clean AnnoMI text only.

    OMP_NUM_THREADS=1 nice .venv/bin/python bench/transcripts/talk_experiments.py \\
        --embeddings /tmp/trx/emb.npz

Every variant uses the same outer folds (grouped by video, seed 0), the same
penalty (10,000) and no class offsets, so the differences are those of the
features or the model alone (the shipped head adds inner-CV penalty and
offsets on top). Prints out-of-fold macro-F1 per variant.

Variants:

* ``shipped features``: the talk head's blocks as in ``train.DEFAULT_TASKS``;
* ``+ therapist label context``: the out-of-fold probabilities of the
  behaviour head for the therapist turn before (question / reflection /
  input / other), which says what the client is answering;
* ``stack: n-grams | dense``: two logistic regressions, one on the tf-idf
  n-grams, one on the dense blocks, log-probabilities averaged;
* ``unbalanced``: no class weights (argmax), for contrast.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from alliance.transcripts.features import assemble, build_vocabulary, context, lexical
from alliance.transcripts.linear import fit_softmax, grouped_folds, macro_f1
from alliance.transcripts.train import DEFAULT_TASKS, augment_asr, read_annomi

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "annomi"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument(
        "--embeddings",
        type=Path,
        required=True,
        help=".npz from alliance transcripts train --embedding-cache (with its default ASR copy)",
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
    fold = grouped_folds([str(v) for v in data["video_url"].to_list()], 5, 0)
    spec = next(t for t in DEFAULT_TASKS if t.name == "talk")
    b_spec = next(t for t in DEFAULT_TASKS if t.name == "behaviour")
    y_all = data["client_talk_type"].to_list()
    rows = np.flatnonzero(~therapist)
    y = np.asarray([str(y_all[i]) for i in rows], dtype=object)
    classes = ("change", "neutral", "sustain")
    dense_blocks = tuple(b for b in spec.blocks if b != "bow")

    # out-of-fold behaviour probabilities (for the label-context variant)
    t_rows = np.flatnonzero(therapist)
    yb_all = data["main_therapist_behaviour"].to_list()
    b_classes = ("other", "question", "reflection", "therapist_input")
    pb = np.zeros((data.height, 4), dtype=np.float32)
    for f in range(5):
        tr, te = t_rows[fold[t_rows] != f], t_rows[fold[t_rows] == f]
        voc = build_vocabulary(
            [texts[i] for i in tr], min_df=b_spec.min_df, max_terms=b_spec.max_terms
        )
        xa = np.hstack(
            [
                assemble(
                    tuple(b for b in b_spec.blocks if b != "bow"),
                    emb=emb,
                    lex=lex,
                    ctx=ctx,
                    rows=tr,
                ),
                voc.transform([texts[i] for i in tr]),
            ]
        )
        xb = np.hstack(
            [
                assemble(
                    tuple(b for b in b_spec.blocks if b != "bow"),
                    emb=emb,
                    lex=lex,
                    ctx=ctx,
                    rows=te,
                ),
                voc.transform([texts[i] for i in te]),
            ]
        )
        m = fit_softmax(xa, [str(yb_all[i]) for i in tr], l2=b_spec.l2, classes=b_classes)
        pb[te] = m.predict_proba(xb)
    prev_b = np.zeros((data.height, 4), dtype=np.float32)
    has = ctx.prev >= 0
    prev_b[has] = pb[ctx.prev[has]]

    def run(name: str, *, extra: bool = False, stack: bool = False, balanced: bool = True) -> None:
        t0 = time.perf_counter()
        pred = np.empty(rows.size, dtype=object)
        for f in range(5):
            tr, te = rows[fold[rows] != f], rows[fold[rows] == f]
            voc = build_vocabulary(
                [texts[i] for i in tr],
                negation=spec.negation,
                min_df=spec.min_df,
                max_terms=spec.max_terms,
            )
            da = assemble(dense_blocks, emb=emb, lex=lex, ctx=ctx, rows=tr)
            db = assemble(dense_blocks, emb=emb, lex=lex, ctx=ctx, rows=te)
            if extra:
                da, db = np.hstack([da, prev_b[tr]]), np.hstack([db, prev_b[te]])
            ba, bb = voc.transform([texts[i] for i in tr]), voc.transform([texts[i] for i in te])
            ytr = list(y[fold[rows] != f])
            if stack:
                m1 = fit_softmax(da, ytr, l2=spec.l2, classes=classes, balanced=balanced)
                m2 = fit_softmax(ba, ytr, l2=spec.l2 / 3, classes=classes, balanced=balanced)
                logp = np.log(m1.predict_proba(db)) + np.log(m2.predict_proba(bb))
            else:
                m = fit_softmax(
                    np.hstack([da, ba]), ytr, l2=spec.l2, classes=classes, balanced=balanced
                )
                logp = np.log(m.predict_proba(np.hstack([db, bb])))
            pred[fold[rows] == f] = [classes[k] for k in logp.argmax(axis=1)]
        f1 = macro_f1(list(y), list(pred), classes)
        print(f"{name:<40} macro-F1 {f1:.3f}   ({time.perf_counter() - t0:.0f} s)", flush=True)

    print(
        f"client talk, clean text, {rows.size:,} utterances, grouped 5-fold (seed 0), l2 {spec.l2:g}, no offsets"
    )
    run("shipped features")
    run("+ therapist label context", extra=True)
    run("stack: n-grams | dense", stack=True)
    run("unbalanced (argmax)", balanced=False)


if __name__ == "__main__":
    main()
