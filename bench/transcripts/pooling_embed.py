"""Other poolings of the same MiniLM forward pass, for the client-talk experiments.

    OMP_NUM_THREADS=1 nice python bench/transcripts/pooling_embed.py \\
        --out /tmp/s5-pooling/pooled.npz [--check /tmp/transcripts-train/emb.npz]

Embeds the AnnoMI utterances (the training frame's normalised text, clean and
ASR-style, as ``alliance transcripts train`` embeds them; the clean rows are
kept) once with the shipped
:class:`~alliance.transcripts.embed.MiniLM` settings (cap 64: first 46 + last
16 word pieces, int8-dynamic graph, the same length batching) and keeps, per
utterance and from the same last-layer token vectors:

* ``mean``: the shipped pooling (mean over [CLS], word pieces and [SEP]);
* ``tail4`` / ``tail8``: the mean of the last 4 / 8 word pieces before [SEP]
  (all of them when there are fewer; for an empty text, the mean);
* ``max``: the element-wise maximum over all tokens;
* ``cls``: the [CLS] vector.

Each is L2-normalised. With ``--check`` the ``mean`` block is compared with
the clean rows of a training run's embedding cache (they must agree). The
shipped embedder is not changed: this reruns its steps here.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from annomi_data import data_dir

from alliance.transcripts.embed import DIM, MiniLM
from alliance.transcripts.train import augment_asr, read_annomi

POOLS = ("mean", "tail4", "tail8", "max", "cls")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--check", type=Path, default=None)
    args = ap.parse_args()
    frame = augment_asr(read_annomi(args.data), seed=0)
    clean = np.asarray(frame["copy"].to_list()) == "clean"
    # every row (clean + ASR-style), as training embeds them: the int8 graph quantises
    # activations per batch, so the batches (and the vectors) depend on the whole set
    texts = [str(t) for t in frame["utterance_text"].to_list()]
    m = MiniLM.load(threads=1)
    t0 = time.perf_counter()
    uniq = sorted(set(texts))
    where = {t: i for i, t in enumerate(uniq)}
    seqs = m.token_ids(uniq)
    lens = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    out = {p: np.zeros((len(uniq), DIM), dtype=np.float32) for p in POOLS}
    for idx in m._batches(lens):
        width = int(lens[idx[-1]])
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for j, k in enumerate(idx):
            ids[j, : lens[k]] = seqs[k]
            mask[j, : lens[k]] = 1
        hidden = m.session.run(  # type: ignore[attr-defined]
            None,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )[0]
        mk = mask[:, :, None].astype(np.float32)
        out["mean"][idx] = (hidden * mk).sum(axis=1) / mk.sum(axis=1)
        out["max"][idx] = np.where(mk > 0, hidden, -np.inf).max(axis=1)
        out["cls"][idx] = hidden[:, 0]
        for j, k in enumerate(idx):
            n = int(lens[k])  # [CLS] + n - 2 word pieces + [SEP]
            for tk in (4, 8):
                lo, hi = max(1, n - 1 - tk), n - 1
                if hi <= lo:  # no word piece (an empty text): all tokens, as the mean
                    lo, hi = 0, n
                out[f"tail{tk}"][idx[j]] = hidden[j, lo:hi].mean(axis=0)
    for p in POOLS:
        v = out[p]
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    inv = np.fromiter((where[t] for t in texts), dtype=np.int64, count=len(texts))
    res = {p: out[p][inv][clean] for p in POOLS}
    print(f"{len(texts):,} utterances, {int(clean.sum()):,} clean ({len(uniq):,} distinct) in {time.perf_counter() - t0:.1f} s")
    if args.check is not None:
        with np.load(args.check, allow_pickle=False) as z:
            ref = np.asarray(z["emb"], dtype=np.float32)[clean]
        # the cache holds float32 vectors computed the same way
        diff = float(np.abs(ref - res["mean"]).max())
        print(f"mean block vs {args.check}: max |diff| {diff:.2e}")
    for p in POOLS:
        cos = (res[p] * res["mean"]).sum(axis=1)
        print(f"{p:<6} cosine with mean: median {np.median(cos):.3f}, 5% {np.quantile(cos, 0.05):.3f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.out, **res)


if __name__ == "__main__":
    main()
