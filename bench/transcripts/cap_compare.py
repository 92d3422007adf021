"""Two training runs on the same folds (e.g. token cap 64 and 32): every head and the quality model.

    OMP_NUM_THREADS=1 nice python bench/transcripts/cap_compare.py \\
        --a /tmp/transcripts-train --b /tmp/cap32-train [--names "cap 64,cap 32"]

Each folder holds what ``alliance transcripts train`` stored with
``--embedding-cache emb.npz --oof-cache oof.npz --cv-json cv.json`` (same
data, ``--seed`` and ``--asr-seed``; the script checks the row counts).

* Heads: the out-of-fold macro-F1 of every head on clean and on ASR-style
  text, read from each run's ``cv.json``, and the difference b - a; the
  same recomputed from the out-of-fold caches (argmax, as the training run
  scores them; checked against cv.json when both runs' cv.json are their
  own), with a 95 % interval of b - a from a bootstrap over videos (the CV's
  groups; 2,000 replicates, both runs scored on the same draw).
* Session quality: refitted for each run from its own caches with the
  shipped views (:data:`alliance.transcripts.quality.VIEWS`) on the shipped
  outer folds (as ``quality_compare.py`` and ``--quality-only`` do, so it
  does not matter which views the run itself fitted), AUC and Brier per copy,
  and the paired bootstrap (stratified by quality, same held-out sessions)
  of AUC b - a and of Brier b - a.

``--cv-a`` / ``--cv-b`` name other cv.json files (e.g. the shipped model's
``bench/transcripts/cv.json``) when a run folder's own is not the reference.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from annomi_data import data_dir
from quality_compare import _paired, _paired_brier

from alliance.transcripts.linear import grouped_folds
from alliance.transcripts.quality import VIEWS
from alliance.transcripts.train import (
    DEFAULT_TASKS,
    _oof_frame,
    _quality,
    augment_asr,
    read_annomi,
)


def _caches(folder: Path, rows: int) -> tuple[np.ndarray, dict[str, Any]]:
    with np.load(folder / "emb.npz", allow_pickle=False) as z:
        emb = np.asarray(z["emb"], dtype=np.float32)
    with np.load(folder / "oof.npz", allow_pickle=False) as z:
        heads = sorted({k.split("__")[0] for k in z.files})
        oof = {
            h: (tuple(str(c) for c in z[f"{h}__classes"]), np.asarray(z[f"{h}__proba"]))
            for h in heads
        }
    if emb.shape[0] != rows or any(p.shape[0] != rows for _, p in oof.values()):
        raise SystemExit(f"{folder}: the caches do not match the data ({rows} rows)")
    return emb, oof


def _head_rows(data: Any, therapist: np.ndarray, spec: Any) -> np.ndarray:
    """The rows a training run scores for ``spec`` (as :func:`alliance.transcripts.train.train`)."""
    y_all = data[spec.target].to_list()
    sel = (therapist if spec.role == "therapist" else ~therapist) & np.asarray(
        [v is not None for v in y_all]
    )
    if spec.where is not None:
        sel &= data[spec.where].to_numpy().astype(bool)
    return np.flatnonzero(sel)


def _weighted_macro_f1(y: np.ndarray, p: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Macro-F1 for each row of weights ``w`` (replicates x cases); classes absent count 0."""
    out = np.zeros(w.shape[0])
    for c in range(k):
        tp = w[:, (y == c) & (p == c)].sum(axis=1)
        fp = w[:, (y != c) & (p == c)].sum(axis=1)
        fn = w[:, (y == c) & (p != c)].sum(axis=1)
        den = 2 * tp + fp + fn
        out += np.where(den > 0, 2 * tp / np.maximum(den, 1e-12), 0.0)
    return out / k


def _head_bootstrap(
    data: Any, oof_a: dict[str, Any], oof_b: dict[str, Any], seed: int, replicates: int = 2000
) -> dict[str, dict[str, dict[str, float]]]:
    """Macro-F1 of both runs per head and copy, and b - a with a bootstrap over videos."""
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    videos = np.asarray([str(v) for v in data["video_url"].to_list()], dtype=object)
    copies = data["copy"].to_numpy()
    out: dict[str, dict[str, dict[str, float]]] = {}
    for spec in DEFAULT_TASKS:
        if spec.name not in oof_a or spec.name not in oof_b:
            continue
        rows = _head_rows(data, therapist, spec)
        classes, pa = oof_a[spec.name]
        classes_b, pb = oof_b[spec.name]
        if classes != classes_b:
            raise SystemExit(f"{spec.name}: other classes in the two runs")
        y_all = data[spec.target].to_list()
        y = np.asarray([classes.index(str(y_all[i])) for i in rows])
        out[spec.name] = {}
        for copy in ("clean", "asr"):
            keep = (copies[rows] == copy) & ~np.isnan(pa[rows, 0]) & ~np.isnan(pb[rows, 0])
            r = rows[keep]
            yy, a, b = y[keep], pa[r].argmax(axis=1), pb[r].argmax(axis=1)
            groups, g = np.unique(videos[r], return_inverse=True)
            rng = np.random.default_rng(seed)
            draws = rng.integers(0, groups.size, (replicates, groups.size))
            counts = np.zeros((replicates, groups.size))
            np.add.at(counts, (np.arange(replicates)[:, None], draws), 1.0)
            w = counts[:, g]
            one = np.ones((1, yy.size))
            fa = float(_weighted_macro_f1(yy, a, len(classes), one)[0])
            fb = float(_weighted_macro_f1(yy, b, len(classes), one)[0])
            d = _weighted_macro_f1(yy, b, len(classes), w) - _weighted_macro_f1(
                yy, a, len(classes), w
            )
            q = np.quantile(d, [0.025, 0.975])
            out[spec.name][copy] = {
                "a": round(fa, 4),
                "b": round(fb, 4),
                "difference": round(fb - fa, 4),
                "low": round(float(q[0]), 4),
                "high": round(float(q[1]), 4),
                "n": int(yy.size),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument("--a", type=Path, required=True, help="reference run folder")
    ap.add_argument("--b", type=Path, required=True, help="candidate run folder")
    ap.add_argument("--cv-a", type=Path, default=None)
    ap.add_argument("--cv-b", type=Path, default=None)
    ap.add_argument("--names", default="a,b")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--asr-seed", type=int, default=0)
    args = ap.parse_args()
    name_a, name_b = args.names.split(",")
    cv_a = json.loads((args.cv_a or args.a / "cv.json").read_text())
    cv_b = json.loads((args.cv_b or args.b / "cv.json").read_text())
    print(
        f"heads: out-of-fold macro-F1 ({name_a}: {args.cv_a or args.a / 'cv.json'}; "
        f"{name_b}: {args.cv_b or args.b / 'cv.json'})"
    )
    print(f"{'head':<12}{'copy':<7}{name_a:>9}{name_b:>9}{'b - a':>9}")
    for head, ta in cv_a["tasks"].items():
        tb = cv_b["tasks"][head]
        for copy, fa, fb in (
            ("clean", ta["macro_f1"], tb["macro_f1"]),
            ("asr", ta["asr"]["macro_f1"], tb["asr"]["macro_f1"]),
        ):
            print(f"{head:<12}{copy:<7}{fa:9.4f}{fb:9.4f}{fb - fa:+9.4f}")

    data = augment_asr(read_annomi(args.data), seed=args.asr_seed)
    therapist = (data["interlocutor"] == "therapist").to_numpy()
    fold = grouped_folds([str(v) for v in data["video_url"].to_list()], 5, args.seed)
    caches = {
        name: _caches(folder, data.height) for name, folder in ((name_a, args.a), (name_b, args.b))
    }
    heads = _head_bootstrap(data, caches[name_a][1], caches[name_b][1], args.seed)
    print("\nheads recomputed from the out-of-fold caches; b - a with a 95 % bootstrap over videos")
    print(f"{'head':<12}{'copy':<7}{name_a:>9}{name_b:>9}{'b - a [95% CI]':>28}")
    for head, per in heads.items():
        for copy, r in per.items():
            print(
                f"{head:<12}{copy:<7}{r['a']:9.4f}{r['b']:9.4f}"
                f"{r['difference']:+10.4f} [{r['low']:+.4f}, {r['high']:+.4f}]"
            )
    runs = {}
    for name, folder in ((name_a, args.a), (name_b, args.b)):
        emb, oof = caches[name]
        print(f"== quality refit from {folder} (views {','.join(VIEWS)})", flush=True)
        _, cv, qcv = _quality(data, _oof_frame(data, therapist, oof), emb, fold, args.seed, print)
        if qcv is None:
            raise SystemExit("one quality class only")
        runs[name] = (cv, qcv)
    (cva, qa), (cvb, qb) = runs[name_a], runs[name_b]
    if (qa.y, qa.copy) != (qb.y, qb.copy):
        raise SystemExit("the two runs did not hold out the same sessions in the same order")
    auc = _paired(qb.y, qb.copy, qb.probability, qa.probability, args.seed)
    brier = _paired_brier(qb.y, qb.copy, qb.probability, qa.probability, args.seed)
    print(
        f"\nsession quality ({qa.copy.count('clean')} sessions per copy), views {','.join(VIEWS)}"
    )
    print(
        f"{'copy':<7}{'AUC ' + name_a:>12}{'AUC ' + name_b:>12}{'b - a [95% CI]':>26}"
        f"{'Brier ' + name_a:>14}{'Brier ' + name_b:>14}{'b - a [95% CI]':>26}"
    )
    for c in ("clean", "asr"):
        ra, rb, pa, pb = cva[c], cvb[c], auc[c], brier[c]
        print(
            f"{c:<7}{ra['auc']:12.4f}{rb['auc']:12.4f}"
            f"{pa['difference']:+10.4f} [{pa['low']:+.4f}, {pa['high']:+.4f}]"
            f"{ra['brier']:14.4f}{rb['brier']:14.4f}"
            f"{pb['difference']:+10.4f} [{pb['low']:+.4f}, {pb['high']:+.4f}]"
        )
    print(
        json.dumps(
            {"heads": heads, "paired_auc_b_minus_a": auc, "paired_brier_b_minus_a": brier},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
