"""The default alliance-outcome model under the correlated-slopes null and a planted effect.

Issue #11: with client alliance and symptom slopes correlated (r = -.6) and
no session-level link, the plain model (person-mean centring, random
intercepts) called the within effect "significant" in 8 of 8 data sets. The
default (detrended within-client alliance, random session slopes, prior
outcome) must not, and must recover a planted effect with its interval.
A small, fast version of bench/bench_outcome_model.py (100+ data sets there).
"""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest

from alliance.simulate import simulate_cohort, simulate_scores
from alliance.stats.outcome import WITHIN, alliance_outcome_model, detrend_within_client

PLAIN = {"detrend": False, "random_slope": False, "prior_outcome": False}
COLS = {
    "id_col": "id",
    "session_col": "session",
    "alliance_col": "alliance",
    "outcome_col": "outcome",
}


def within(frame: pl.DataFrame, **options: bool) -> dict[str, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = alliance_outcome_model(frame, **options, **COLS)  # type: ignore[arg-type]
    return fit.params.filter(pl.col("term") == WITHIN).row(0, named=True)


def test_detrending_removes_each_clients_own_line() -> None:
    # Client 1: x = 1, 3, 2 at t = 1, 2, 3: slope 0.5, line 1.5, 2.0, 2.5 -> -0.5, 1.0, -0.5.
    df = pl.DataFrame(
        {"id": [1, 1, 1, 2, 2], "s": [1, 2, 3, 1, 2], "x": [1.0, 3.0, 2.0, 5.0, None]}
    )
    out = detrend_within_client(df, id_col="id", session_col="s", col="x")
    assert out["x_detrended"].to_list()[:3] == pytest.approx([-0.5, 1.0, -0.5])
    assert out["x_detrended"].to_list()[3:] == [0.0, None]  # one value: no line


def test_detrended_values_are_uncorrelated_with_session_within_each_client() -> None:
    frame = simulate_scores(30, 8, seed=3)
    out = detrend_within_client(frame, id_col="id", session_col="session", col="alliance")
    per_client = out.group_by("id").agg(
        (pl.col("alliance_detrended") * (pl.col("session") - pl.col("session").mean())).sum()
    )
    assert np.abs(per_client["alliance_detrended"].to_numpy()).max() < 1e-9


def test_correlated_slopes_fool_the_plain_model_but_not_the_default() -> None:
    # One large item-level cohort (SAI and PHQ-9 answers), no session-level link.
    cohort = simulate_cohort(600, 10, seed=4, instruments=("sai", "phq9"), slope_r=-0.6)
    from alliance.scoring import score

    scored = score(score(cohort.data, "sai").scores, "phq9").scores.select(
        "id",
        "session",
        pl.col("sai_total").alias("alliance"),
        pl.col("phq9_total").alias("outcome"),
    )
    assert within(scored, **PLAIN)["p"] < 0.05
    assert within(scored)["p"] > 0.05


def test_false_positive_rate_and_coverage_over_small_data_sets() -> None:
    null = [within(simulate_scores(80, 8, seed=s)) for s in range(12)]
    planted = [within(simulate_scores(80, 8, seed=100 + s, within_effect=-1.5)) for s in range(12)]
    assert sum(r["p"] < 0.05 for r in null) <= 2  # about 0.6 expected at 5%
    assert sum(r["ci_low"] <= -1.5 <= r["ci_high"] for r in planted) >= 10  # 11.4 expected
    assert abs(np.mean([r["estimate"] for r in planted]) + 1.5) < 0.2
