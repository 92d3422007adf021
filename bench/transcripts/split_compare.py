"""Same training procedure as `alliance transcripts train`, outer folds swapped.

Usage: OMP_NUM_THREADS=1 python bench/transcripts/split_compare.py MODE [SEED] > out.json
(training data: $ALLIANCE_ANNOMI or ../shared/data/annomi; embeddings cached in
~/.cache/alliance/split-compare-emb.npz)
MODE:
  grouped    - the shipped procedure (outer folds by video_url), to check the harness
  utterance  - outer folds: stratified random utterance-level 5-fold (seed), no grouping;
               inner tuning (penalty + offsets) unchanged: grouped by video inside each split
  utterance_all - as `utterance`, and the inner tuning folds are random utterance-level too
               (every row its own group), i.e. no grouping anywhere
Stratum of a row: interlocutor + its main label (therapist behaviour / client talk type).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import polars as pl
from annomi_data import data_dir

import alliance.transcripts.train as T
from alliance.transcripts.embed import MiniLM
from alliance.transcripts.linear import grouped_folds as _orig

mode = sys.argv[1]
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
data = data_dir()
frame = T.read_annomi(data)
embedder = MiniLM.load()
key = f"minilm quantize={embedder.quantize} max_tokens={embedder.max_tokens} head={embedder.head}"
emb = T.embed_cached(
    frame["utterance_text"].to_list(),
    embedder,
    Path.home() / ".cache/alliance/split-compare-emb.npz",
    key,
)

strata = [
    f"{who}:{b if who == 'therapist' else c}"
    for who, b, c in zip(
        frame["interlocutor"].to_list(),
        frame["main_therapist_behaviour"].to_list(),
        frame["client_talk_type"].to_list(),
        strict=True,
    )
]


def stratified_folds(k: int, s: int) -> np.ndarray:
    """Random stratified k-fold: within each stratum, shuffle and deal rows round-robin."""
    rng = np.random.default_rng(s)
    fold = np.empty(len(strata), dtype=np.int64)
    start = 0
    arr = np.asarray(strata, dtype=object)
    for lab in sorted(set(strata)):
        idx = rng.permutation(np.flatnonzero(arr == lab))
        fold[idx] = (np.arange(idx.size) + start) % k
        start = (start + idx.size) % k  # keep fold sizes balanced across strata
    return fold


calls = {"n": 0}


def patched(groups, k=5, s=0):  # type: ignore[no-untyped-def]
    calls["n"] += 1
    if calls["n"] == 1 and mode != "grouped":  # first call = the outer split
        if len(groups) != frame.height:
            raise RuntimeError("first call is not the outer split")
        return stratified_folds(k, s)
    return _orig(groups, k, s)


T.grouped_folds = patched  # type: ignore[assignment]
data = frame
if mode == "utterance_all":
    data = frame.with_columns(pl.Series("video_url", [f"row{i}" for i in range(frame.height)]))
elif mode not in ("grouped", "utterance"):
    raise SystemExit(f"unknown mode {mode}")
res = T.train(
    data,
    embed=embedder,
    embeddings=emb,
    folds=5,
    seed=seed,
    log=lambda m: print(m, file=sys.stderr),
)
out = {"mode": mode, "seed": seed, "outer_calls": calls["n"], "cv": res.cv}
print(json.dumps(out, indent=1))
