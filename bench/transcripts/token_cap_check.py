"""Does a shorter token cap hold accuracy? Behaviour and client talk, clean text, grouped CV.

    OMP_NUM_THREADS=1 nice python bench/transcripts/token_cap_check.py [--caps 64,32]

For each cap (64 = shipped, first 46 + last 16 word pieces; 48: 34 + 12; 32:
22 + 8) the clean AnnoMI training utterances (after ``normalise``) are
embedded, and the behaviour and client-talk heads (the shipped blocks and
penalties, 3,000 / 10,000; argmax, no class offsets) are cross-validated on
the shipped CV's outer folds (grouped by video, seed 0). Prints out-of-fold
macro-F1 per head and cap. Only the ordering of caps is meaningful here:
the shipped numbers (offsets, ASR-style copies) are in bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np
from annomi_data import data_dir

from alliance.transcripts.embed import MiniLM
from alliance.transcripts.features import assemble, build_vocabulary, context, lexical
from alliance.transcripts.linear import fit_softmax, grouped_folds, macro_f1
from alliance.transcripts.train import DEFAULT_TASKS, augment_asr, read_annomi

HEADS = {64: 46, 48: 34, 32: 22}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument("--caps", default="64,32")
    args = ap.parse_args()
    frame = augment_asr(read_annomi(args.data), seed=0)
    data = frame.filter(frame["copy"] == "clean")
    texts = [str(t) for t in data["utterance_text"].to_list()]
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    lex = lexical(texts)
    ctx = context(data["transcript_id"].to_list(), list(therapist))
    fold = grouped_folds([str(v) for v in data["video_url"].to_list()], 5, 0)
    base = MiniLM.load()
    for cap in (int(c) for c in args.caps.split(",")):
        emb = dataclasses.replace(base, max_tokens=cap, head=HEADS[cap])(texts)
        for name in ("behaviour", "talk"):
            t0 = time.perf_counter()
            spec = next(t for t in DEFAULT_TASKS if t.name == name)
            y_all = data[spec.target].to_list()
            rows = np.flatnonzero(therapist if spec.role == "therapist" else ~therapist)
            y = [str(y_all[i]) for i in rows]
            classes = tuple(sorted(set(y)))
            dense = tuple(b for b in spec.blocks if b != "bow")
            pred = np.empty(rows.size, dtype=object)
            for f in range(5):
                tr, te = rows[fold[rows] != f], rows[fold[rows] == f]
                voc = build_vocabulary(
                    [texts[i] for i in tr],
                    negation=spec.negation,
                    min_df=spec.min_df,
                    max_terms=spec.max_terms,
                )

                xa, xb = (
                    np.hstack(
                        [
                            assemble(dense, emb=emb, lex=lex, ctx=ctx, rows=r),
                            voc.transform([texts[i] for i in r]),
                        ]
                    )
                    for r in (tr, te)
                )
                m = fit_softmax(xa, [str(y_all[i]) for i in tr], l2=spec.l2, classes=classes)
                pred[fold[rows] == f] = m.predict(xb)
            f1 = macro_f1(y, list(pred), classes)
            print(
                f"cap {cap:>2}  {name:<10} macro-F1 {f1:.3f}  ({time.perf_counter() - t0:.0f} s)",
                flush=True,
            )


if __name__ == "__main__":
    main()
