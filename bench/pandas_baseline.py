"""The pandas code a researcher would typically write, as a baseline.

Row-wise ``apply`` for scoring and ``groupby().apply`` for ruptures: the
common idiom in analysis scripts. It implements the same rules as the core
(WAI-SR subscales with proration of one missing item, PHQ-9 total and band,
ruptures by drop and by 2 SDs below the running mean) so the timing
compares like with like. Used only by bench/bench_core.py.
"""

from __future__ import annotations

import math

import pandas as pd

WAI_SCALES = {
    "total": list(range(1, 13)),
    "goal": [4, 6, 8, 11],
    "task": [1, 2, 10, 12],
    "bond": [3, 5, 7, 9],
}
PHQ_BANDS = [
    (0, "minimal"),
    (5, "mild"),
    (10, "moderate"),
    (15, "moderately severe"),
    (20, "severe"),
]


def _prorated(values: list[float], max_missing: int = 1) -> float:
    answered = [v for v in values if not (v is None or (isinstance(v, float) and math.isnan(v)))]
    if len(values) - len(answered) > max_missing or not answered:
        return math.nan
    return sum(answered) / len(answered) * len(values)


def score_row(row: pd.Series) -> pd.Series:
    out = {}
    for scale, items in WAI_SCALES.items():
        out[f"wai_sr_{scale}"] = _prorated([row[f"wai_sr_{n}"] for n in items])
    phq = _prorated([row[f"phq9_{n}"] for n in range(1, 10)])
    out["phq9_total"] = phq
    band = None
    if not math.isnan(phq):
        for lower, label in PHQ_BANDS:
            if phq >= lower:
                band = label
    out["phq9_band"] = band
    out["phq9_flag_risk"] = row["phq9_9"] > 0
    return pd.Series(out)


def ruptures_for_client(g: pd.DataFrame, min_drop: float, sd_k: float = 2.0) -> pd.DataFrame:
    g = g.sort_values("session")
    scores = g["wai_sr_total"].tolist()
    flags = []
    for i, s in enumerate(scores):
        prior = scores[:i]
        drop = i > 0 and prior[-1] - s >= min_drop
        sd_rule = False
        if len(prior) >= 3:
            mean = sum(prior) / len(prior)
            sd = (sum((p - mean) ** 2 for p in prior) / (len(prior) - 1)) ** 0.5
            sd_rule = sd > 0 and (mean - s) >= sd_k * sd
        flags.append(drop or sd_rule)
    return pd.DataFrame({"session": g["session"].to_numpy(), "rupture": flags})


def run(frame: pd.DataFrame, min_drop: float) -> pd.DataFrame:
    scored = frame.apply(score_row, axis=1)
    scored["id"] = frame["id"].to_numpy()
    scored["session"] = frame["session"].to_numpy()
    ruptures = scored.groupby("id").apply(ruptures_for_client, min_drop=min_drop)
    return ruptures
