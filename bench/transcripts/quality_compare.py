"""Session quality: the quality model beside the tf-idf baseline, from a training run's caches.

    nice python bench/transcripts/quality_compare.py \\
        --embeddings /tmp/transcripts-train/emb.npz --oof /tmp/transcripts-train/oof.npz

Reruns only the session-quality part of ``alliance transcripts train``
(:func:`alliance.transcripts.train._quality` and :func:`quality_baseline`,
clean-trained and clean + ASR-trained) on the same outer folds, from the
embeddings (``--embedding-cache``) and the heads' out-of-fold probabilities
(``--oof-cache``) that a training run stored: a few minutes instead of the
full run. With the caches of the run that wrote bench/transcripts/cv.json it
gives the same numbers (the quality model and both baselines).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from annomi_data import data_dir

from alliance.transcripts.linear import grouped_folds
from alliance.transcripts.train import (
    _oof_frame,
    _quality,
    augment_asr,
    quality_baseline,
    read_annomi,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument("--embeddings", type=Path, required=True)
    ap.add_argument("--oof", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--asr-seed", type=int, default=0)
    args = ap.parse_args()
    data = augment_asr(read_annomi(args.data), seed=args.asr_seed)
    with np.load(args.embeddings, allow_pickle=False) as z:
        emb = np.asarray(z["emb"], dtype=np.float32)
    with np.load(args.oof, allow_pickle=False) as z:
        heads = sorted({k.split("__")[0] for k in z.files})
        oof = {
            h: (tuple(str(c) for c in z[f"{h}__classes"]), np.asarray(z[f"{h}__proba"]))
            for h in heads
        }
    if emb.shape[0] != data.height or any(p.shape[0] != data.height for _, p in oof.values()):
        raise SystemExit("the caches do not match the data (other data, or another --asr-seed)")
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    fold = grouped_folds([str(v) for v in data["video_url"].to_list()], 5, args.seed)
    labelled = _oof_frame(data, therapist, oof)
    _, cv, qcv = _quality(data, labelled, emb, fold, args.seed, print)
    if qcv is None:
        raise SystemExit("one quality class only")
    cv["baseline"] = quality_baseline(qcv, seed=args.seed)
    cv["baseline_augmented"] = quality_baseline(qcv, augmented=True, seed=args.seed)
    cv.pop("reliability", None)
    print(json.dumps(cv, indent=1))


if __name__ == "__main__":
    main()
