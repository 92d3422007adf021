"""Session quality: the quality model beside the tf-idf baselines, from a training run's caches.

    OMP_NUM_THREADS=1 nice python bench/transcripts/quality_compare.py \\
        --embeddings /tmp/transcripts-train/emb.npz --oof /tmp/transcripts-train/oof.npz \\
        [--variants "text,embedding,shares;char,embedding,shares"]

Reruns only the session-quality part of ``alliance transcripts train``
(:func:`alliance.transcripts.train._quality` and :func:`quality_baseline`,
clean-trained and clean + ASR-trained) on the same outer folds, from the
embeddings (``--embedding-cache``) and the heads' out-of-fold probabilities
(``--oof-cache``) that a training run stored: a few minutes instead of the
full run. With the caches of the run that wrote bench/transcripts/cv.json it
gives the same numbers (the quality model and both baselines).

``--raw`` / ``--standardised``: views fitted on unstandardised / standardised
features (default: :data:`alliance.transcripts.quality.STANDARDISE`).
``--variants``: sets of views (``;``-separated, each ``,``-separated, from
:data:`alliance.transcripts.quality.KNOWN_VIEWS`), each run through the same
outer folds with every choice made on inner grouped folds; each is printed
with its per-view out-of-fold AUC, its AUC and Brier score per copy, and
its paired bootstrap interval against both baselines and against the first
variant (same held-out sessions), and the paired interval of its Brier score
minus the first variant's.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from annomi_data import data_dir

from alliance.transcripts import quality
from alliance.transcripts.linear import grouped_folds, paired_bootstrap_auc
from alliance.transcripts.quality import VIEWS
from alliance.transcripts.train import (
    PAIRED_REPLICATES,
    _oof_frame,
    _quality,
    augment_asr,
    baseline_probability,
    quality_baseline,
    read_annomi,
)


def _paired(
    y: list[str], copy: list[str], p_model: np.ndarray, p_base: np.ndarray, seed: int
) -> dict[str, Any]:
    pos = np.asarray([v == "high" for v in y])
    cp = np.asarray(copy, dtype=object)
    out: dict[str, Any] = {}
    for c in sorted(set(copy)):
        sel = cp == c
        r = paired_bootstrap_auc(
            pos[sel], p_model[sel], p_base[sel], replicates=PAIRED_REPLICATES, seed=seed
        )
        out[c] = r.to_dict()
    return out


def _paired_brier(
    y: list[str], copy: list[str], p_a: np.ndarray, p_b: np.ndarray, seed: int
) -> dict[str, Any]:
    """Brier(a) - Brier(b) per copy, 95 % interval of a bootstrap stratified by quality.

    The Brier score is a mean over sessions, so each replicate is the mean of
    ``(p_a - y)^2 - (p_b - y)^2`` over a draw of the high and of the low
    sessions with replacement (as :func:`paired_bootstrap_auc` draws them).
    """
    pos = np.asarray([v == "high" for v in y])
    cp = np.asarray(copy, dtype=object)
    out: dict[str, Any] = {}
    for c in sorted(set(copy)):
        sel = cp == c
        d = (p_a[sel] - pos[sel]) ** 2 - (p_b[sel] - pos[sel]) ** 2
        hi, lo = d[pos[sel]], d[~pos[sel]]
        rng = np.random.default_rng(seed)
        reps = np.concatenate(
            [
                hi[rng.integers(0, hi.size, (PAIRED_REPLICATES, hi.size))],
                lo[rng.integers(0, lo.size, (PAIRED_REPLICATES, lo.size))],
            ],
            axis=1,
        ).mean(axis=1)
        q = np.quantile(reps, [0.025, 0.975])
        out[c] = {
            "difference": round(float(d.mean()), 4),
            "low": round(float(q[0]), 4),
            "high": round(float(q[1]), 4),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=data_dir())
    ap.add_argument("--embeddings", type=Path, required=True)
    ap.add_argument("--oof", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--asr-seed", type=int, default=0)
    ap.add_argument("--variants", default=",".join(VIEWS))
    ap.add_argument(
        "--raw",
        default="",
        help="views to fit on unstandardised features, penalties quality.RAW_L2_GRID "
        "(default: the counted views, quality.COUNTED_VIEWS)",
    )
    ap.add_argument(
        "--standardised",
        default="",
        help="views to fit on standardised features, penalties 3 / 10 / 30",
    )
    args = ap.parse_args()
    for v in filter(None, args.raw.split(",")):
        quality.STANDARDISE[v] = False
        quality.L2_GRID[v] = quality.RAW_L2_GRID
    for v in filter(None, args.standardised.split(",")):
        quality.STANDARDISE[v] = True
        quality.L2_GRID[v] = (3.0, 10.0, 30.0)
    print(
        "standardised: "
        + ", ".join(
            f"{v} {quality.STANDARDISE[v]} {quality.L2_GRID[v]}" for v in quality.KNOWN_VIEWS
        )
    )
    variants = [tuple(v.split(",")) for v in args.variants.split(";") if v]
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
    summary: list[tuple[str, dict[str, Any]]] = []
    base: dict[str, Any] = {}
    base_p: dict[str, np.ndarray] = {}
    reference: np.ndarray | None = None
    for views in variants:
        print(f"== views {','.join(views)}", flush=True)
        _, cv, qcv = _quality(data, labelled, emb, fold, args.seed, print, views=views)
        if qcv is None:
            raise SystemExit("one quality class only")
        if not base:
            # the baselines do not depend on the views: run them once, on the same folds
            for name, aug in (("baseline", False), ("baseline_augmented", True)):
                base_p[name] = baseline_probability(qcv, augmented=aug, seed=args.seed)
                base[name] = quality_baseline(
                    qcv, augmented=aug, seed=args.seed, probability=base_p[name]
                )
        for name in ("baseline", "baseline_augmented"):
            cv[name] = {
                **{k: v for k, v in base[name].items() if k != "paired"},
                "paired": _paired(qcv.y, qcv.copy, qcv.probability, base_p[name], args.seed),
            }
        if reference is None:
            reference = qcv.probability
        else:  # this variant against the first one, on the same held-out sessions
            cv["paired_vs_first_variant"] = _paired(
                qcv.y, qcv.copy, qcv.probability, reference, args.seed
            )
            cv["brier_vs_first_variant"] = _paired_brier(
                qcv.y, qcv.copy, qcv.probability, reference, args.seed
            )
        cv.pop("reliability", None)
        print(json.dumps(cv, indent=1), flush=True)
        summary.append((",".join(views), cv))
    print("\nSummary (AUC / Brier per copy; paired = model AUC - augmented baseline AUC, 95% CI)")
    b = base["baseline_augmented"]
    print(
        f"{'baseline tf-idf + LR, clean + ASR':<34} clean {b['clean']['auc']:.3f} / {b['clean']['brier']:.3f}"
        f"   asr {b['asr']['auc']:.3f} / {b['asr']['brier']:.3f}"
    )
    for name, cv in summary:
        pr = cv["baseline_augmented"]["paired"]
        print(
            f"{name:<34} clean {cv['clean']['auc']:.3f} / {cv['clean']['brier']:.3f}"
            f"   asr {cv['asr']['auc']:.3f} / {cv['asr']['brier']:.3f}"
            f"   paired clean {pr['clean']['difference']:+.3f} [{pr['clean']['low']:+.3f}, {pr['clean']['high']:+.3f}]"
            f"   asr {pr['asr']['difference']:+.3f} [{pr['asr']['low']:+.3f}, {pr['asr']['high']:+.3f}]"
            f"   views clean {cv['clean']['view_auc']} asr {cv['asr']['view_auc']}"
        )
        if "paired_vs_first_variant" in cv:
            pv = cv["paired_vs_first_variant"]
            print(
                f"{'':<34} vs {summary[0][0]}: clean {pv['clean']['difference']:+.3f} "
                f"[{pv['clean']['low']:+.3f}, {pv['clean']['high']:+.3f}]   asr "
                f"{pv['asr']['difference']:+.3f} [{pv['asr']['low']:+.3f}, {pv['asr']['high']:+.3f}]"
            )
            bv = cv["brier_vs_first_variant"]
            print(
                f"{'':<34} Brier vs {summary[0][0]}: clean {bv['clean']['difference']:+.3f} "
                f"[{bv['clean']['low']:+.3f}, {bv['clean']['high']:+.3f}]   asr "
                f"{bv['asr']['difference']:+.3f} [{bv['asr']['low']:+.3f}, {bv['asr']['high']:+.3f}]"
            )


if __name__ == "__main__":
    main()
