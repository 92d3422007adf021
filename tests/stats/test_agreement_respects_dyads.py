"""Agreement over repeated sessions: dyads, not dyad-sessions, are the independent units."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from alliance.stats.agreement import icc_wide
from alliance.stats.agreement_nested import first_session_pairs, icc_dyad_bootstrap


def dyads(n: int, sessions: int, seed: int) -> pl.DataFrame:
    """Each dyad has its own level (shared by both raters) and its own therapist offset."""
    rng = np.random.default_rng(seed)
    d = np.repeat(np.arange(n), sessions)
    level = rng.normal(4.0, 0.5, n)[d]
    offset = rng.normal(0.0, 0.3, n)[d]  # persists over the dyad's sessions
    return pl.DataFrame(
        {
            "id": d,
            "session": np.tile(np.arange(1, sessions + 1), n),
            "c": level + rng.normal(0, 0.3, n * sessions),
            "t": level + offset + rng.normal(0, 0.3, n * sessions),
        }
    )


def test_point_estimates_equal_the_pooled_shrout_fleiss_iccs() -> None:
    df = dyads(40, 6, seed=1).with_columns(pl.col("id").cast(pl.String))
    nested = icc_dyad_bootstrap(df, id_col="id", client_col="c", therapist_col="t")
    pooled = icc_wide(df["c"], df["t"])
    assert nested.agreement == pytest.approx(pooled.agreement.icc, rel=1e-10)
    assert nested.consistency == pytest.approx(pooled.consistency.icc, rel=1e-10)
    assert (nested.dyads, nested.sessions) == (40, 240)


def test_dyad_bootstrap_interval_is_wider_than_the_pooled_f_interval() -> None:
    df = dyads(60, 10, seed=2)
    nested = icc_dyad_bootstrap(df, id_col="id", client_col="c", therapist_col="t")
    pooled = icc_wide(df["c"], df["t"]).consistency
    assert (nested.consistency_ci_high - nested.consistency_ci_low) > 1.5 * (
        pooled.ci_high - pooled.ci_low
    )


def test_dyad_bootstrap_covers_the_population_icc() -> None:
    # Population consistency ICC of one dyad-session: between-dyad covariance 0.25 over
    # sqrt((0.25 + 0.09) * (0.25 + 0.09 + 0.09)).
    truth = 0.25 / np.sqrt(0.34 * 0.43)
    covered = []
    for seed in range(40):
        r = icc_dyad_bootstrap(
            dyads(30, 8, seed=100 + seed), id_col="id", client_col="c", therapist_col="t",
            n_boot=400, seed=seed,
        )  # fmt: skip
        covered.append(r.consistency_ci_low <= truth <= r.consistency_ci_high)
    pooled_covered = [
        (lambda e: e.ci_low <= truth <= e.ci_high)(
            icc_wide(*(dyads(30, 8, seed=100 + s)[col] for col in ("c", "t"))).consistency
        )
        for s in range(40)
    ]
    assert np.mean(covered) >= 0.85  # nominal 0.95, bootstrap of 30 clusters runs a little low
    assert np.mean(pooled_covered) < np.mean(covered)


def test_first_session_pairs_keep_one_row_per_dyad() -> None:
    df = dyads(12, 4, seed=3)
    first = first_session_pairs(
        df, id_col="id", session_col="session", client_col="c", therapist_col="t"
    )
    assert first.height == 12 and first["session"].to_list() == [1] * 12


def test_needs_three_dyads_and_enough_resamples() -> None:
    df = dyads(2, 5, seed=4)
    with pytest.raises(ValueError, match="at least 3 dyads"):
        icc_dyad_bootstrap(df, id_col="id", client_col="c", therapist_col="t")
    with pytest.raises(ValueError, match="n_boot"):
        icc_dyad_bootstrap(
            dyads(5, 2, seed=5), id_col="id", client_col="c", therapist_col="t", n_boot=10
        )
