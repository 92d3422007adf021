"""`alliance sql --ruptures`: the window-function flags equal the calibrated detector's.

A simulated cohort with injected ruptures (and some sessions left
unanswered, so not every session is a reference) is scored and checked by
the Polars engine (:func:`find_ruptures`, the pooled noise SD estimated from
the data) and by the generated SQL given that SD; the rupture, rule, drop,
repair and repair-session columns must agree in every row.
"""

from __future__ import annotations

import polars as pl
import pytest
from sql_engines import Engine

from alliance.scoring import score
from alliance.simulate import simulate_cohort
from alliance.sqlgen import score_query, to_sql
from alliance.sqlgen.ruptures import rupture_query
from alliance.stats.rupture_noise import RuptureSettings, estimate_noise_sd
from alliance.stats.ruptures import find_ruptures

PAIRS = {
    "rupture": "wai_sr_total_rupture",
    "rule": "wai_sr_total_rupture_rule",
    "drop": "wai_sr_total_rupture_drop",
    "repair": "wai_sr_total_repair",
    "repair_session": "wai_sr_total_repair_session",
}


def rupture_cohort() -> pl.DataFrame:
    raw = simulate_cohort(120, 10, seed=5, instruments=("wai_sr",)).data
    items = [f"wai_sr_{n}" for n in range(1, 13)]
    # Every 9th session unanswered: not scored, never a reference.
    blank = pl.int_range(pl.len()) % 9 == 4
    return raw.select("id", "session", *items).with_columns(
        pl.when(blank).then(None).otherwise(pl.col(c)).alias(c) for c in items
    )


@pytest.fixture(scope="module")
def cohort() -> pl.DataFrame:
    return rupture_cohort()


def check(engine: Engine, cohort: pl.DataFrame, dialect: str) -> None:
    scored = score(cohort, "wai_sr").scores.select("id", "session", "wai_sr_total")
    noise = estimate_noise_sd(scored, score="wai_sr_total").sd
    # A shorter baseline and repair window than the defaults: settings reach the SQL.
    settings = RuptureSettings(z_k=2.0, min_prior=2, repair_within=2)
    want = find_ruptures(scored, score="wai_sr_total", noise=noise, settings=settings)
    want = want.sort("id", "session")
    assert want["rupture"].sum() > 20 and want["wai_sr_total"].null_count() > 50
    assert want["repair"].drop_nulls().n_unique() == 3
    assert set(want["rule"].drop_nulls()) == {"baseline"}
    query = rupture_query(
        score_query(["wai_sr"]), score="wai_sr_total", noise_sd=noise, settings=settings
    )
    got = engine(cohort, to_sql(query, dialect)).sort("id", "session")
    assert got.height == want.height
    for theirs, ours in PAIRS.items():
        a, b = want[theirs].to_list(), got[ours].to_list()
        if theirs == "rupture":
            b = [None if v is None else bool(v) for v in b]
        bad = [(i, x, y) for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        assert not bad, f"{ours}: first differences (row, detector, sql): {bad[:5]}"


def test_duckdb_ruptures_equal_the_detector(duckdb_engine: Engine, cohort: pl.DataFrame) -> None:
    check(duckdb_engine, cohort, "duckdb")


def test_sqlite_ruptures_equal_the_detector(sqlite_engine: Engine, cohort: pl.DataFrame) -> None:
    check(sqlite_engine, cohort, "sqlite")


def test_postgres_ruptures_equal_the_detector(
    postgres_engine: Engine, cohort: pl.DataFrame
) -> None:
    check(postgres_engine, cohort, "postgres")


def test_symptom_scale_ruptures_are_rises(duckdb_engine: Engine, cohort: pl.DataFrame) -> None:
    raw = simulate_cohort(80, 8, seed=9, instruments=("phq9",)).data
    items = [f"phq9_{n}" for n in range(1, 10)]
    frame = raw.select("id", "session", *items)
    scored = score(frame, "phq9").scores.select("id", "session", "phq9_total")
    want = find_ruptures(scored, score="phq9_total", noise=1.5, higher_is_better=False).sort(
        "id", "session"
    )
    query = rupture_query(
        score_query(["phq9"]), score="phq9_total", noise_sd=1.5, higher_is_better=False
    )
    got = duckdb_engine(frame, to_sql(query, "duckdb")).sort("id", "session")
    assert want["rupture"].sum() > 0
    assert got["phq9_total_rupture"].to_list() == want["rupture"].to_list()
    assert got["phq9_total_repair"].to_list() == want["repair"].to_list()
