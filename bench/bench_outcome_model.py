"""Error rate and coverage of the alliance-outcome model's within-client effect.

Compares, on the same simulated data sets, the former model (person-mean
centring, client random intercepts, no prior outcome) with the current
default of :func:`alliance.stats.outcome.alliance_outcome_model`
(detrended within-client alliance, random intercepts and session slopes,
prior outcome). Three studies, one per argument (each under 5 minutes on
the project's 2-core machine; run with ``nice``):

* ``null-items``: :func:`alliance.simulate.simulate_cohort` (SAI and PHQ-9
  items, ruptures, dropout), 150 clients x 10 sessions, client alliance and
  symptom slopes correlated ``slope_r = -0.6``, no session-level link
  (``within_effect = 0``): the issue #11 null. Share of data sets with the
  within effect "significant" at 5%.
* ``null-scores``: :func:`alliance.simulate.simulate_scores` (scores
  without measurement error), 100 clients x 8 sessions, same null.
* ``planted``: the same generator with ``within_effect = -1.5`` (outcome
  points per alliance point): mean estimate, SD of the estimates, mean
  standard error, and coverage of the 95% interval.

``python bench/bench_outcome_model.py STUDY [DATA_SETS]`` (default 100).
Figures are recorded in bench/README.md, "Alliance-outcome model".
"""

from __future__ import annotations

import math
import sys
import time
import warnings

import numpy as np
import polars as pl

from alliance.scoring import score
from alliance.simulate import simulate_cohort, simulate_scores
from alliance.stats.outcome import WITHIN, alliance_outcome_model

OLD = {"detrend": False, "random_slope": False, "prior_outcome": False}
NEW: dict[str, bool] = {}
PLANTED = -1.5


def items_data(seed: int) -> tuple[pl.DataFrame, str, str]:
    cohort = simulate_cohort(150, 10, seed=seed, instruments=("sai", "phq9"), slope_r=-0.6)
    scored = score(score(cohort.data, "sai").scores, "phq9").scores
    return scored.select("id", "session", "sai_total", "phq9_total"), "sai_total", "phq9_total"


def scores_data(seed: int, effect: float) -> tuple[pl.DataFrame, str, str]:
    return simulate_scores(100, 8, seed=seed, within_effect=effect), "alliance", "outcome"


def within(frame: pl.DataFrame, a: str, o: str, options: dict[str, bool]) -> dict[str, float]:
    fit = alliance_outcome_model(
        frame, id_col="id", session_col="session", alliance_col=a, outcome_col=o, **options
    )
    return fit.params.filter(pl.col("term") == WITHIN).row(0, named=True)


def summary(name: str, rows: list[dict[str, float]], truth: float) -> str:
    est = np.array([r["estimate"] for r in rows])
    se = np.array([r["se"] for r in rows])
    p = np.array([r["p"] for r in rows])
    cover = np.mean([r["ci_low"] <= truth <= r["ci_high"] for r in rows])
    n = len(rows)
    reject = float(np.mean(p < 0.05))
    mc = math.sqrt(max(reject * (1 - reject), 0.05 * 0.95) / n)
    return (
        f"| {name} | {n} | {est.mean():+.3f} | {est.std(ddof=1):.3f} | {se.mean():.3f} | "
        f"{reject:.3f} (MC SE {mc:.3f}) | {cover:.3f} |"
    )


def main(study: str, n_sets: int) -> None:
    warnings.simplefilter("ignore")  # convergence chatter; failures raise
    truth = PLANTED if study == "planted" else 0.0
    rows: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    start = time.perf_counter()
    for seed in range(n_sets):
        if study == "null-items":
            frame, a, o = items_data(seed)
        elif study in ("null-scores", "planted"):
            frame, a, o = scores_data(seed, truth)
        else:
            raise SystemExit(f"unknown study {study!r}: null-items, null-scores or planted")
        rows["old"].append(within(frame, a, o, OLD))
        rows["new"].append(within(frame, a, o, NEW))
    print(f"{study}: {n_sets} data sets, true within effect {truth}, "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    print("| model | data sets | mean estimate | SD of estimates | mean SE | share p < .05 | "
          "95% CI coverage |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, found in rows.items():
        print(summary(name, found, truth))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100)
