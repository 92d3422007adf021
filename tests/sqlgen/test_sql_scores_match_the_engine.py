"""The generated SQL scores every instrument exactly as the Polars engine does, on real engines.

For every built-in instrument and two custom ones (tests/fixtures/instruments),
random answers with blanks and edge values are scored by
:func:`alliance.scoring.score` and by :func:`alliance.sqlgen.score_sql` run
in DuckDB, SQLite, PostgreSQL and Spark; every output cell must be equal
(floats exactly: the SQL repeats the engine's operations in its order).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from sql_engines import Engine, every_instrument, random_answers

from alliance.instruments import Instrument
from alliance.scoring import output_columns, score
from alliance.sqlgen import score_sql

INSTRUMENTS = every_instrument()
IDS = [i.id for i in INSTRUMENTS]
ROWS = 150


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b) and int(b) in (0, 1)
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    return str(a) == str(b)


def assert_same_scores(inst: Instrument, expected: pl.DataFrame, got: pl.DataFrame) -> None:
    columns = output_columns(inst)
    assert set(columns) <= set(got.columns)
    want = expected.sort("id")
    have = got.sort("id")
    assert have["id"].to_list() == want["id"].to_list()
    for name in columns:
        column = want[name]
        if column.dtype == pl.Enum:
            column = column.cast(pl.String)
        pairs = zip(column.to_list(), have[name].to_list(), strict=True)
        bad = [(i, a, b) for i, (a, b) in enumerate(pairs) if not _same(a, b)]
        assert not bad, f"{name}: first differences (row, engine, sql): {bad[:5]}"


def check(engine: Engine, inst: Instrument, dialect: str, seed: int) -> None:
    frame = random_answers(inst, ROWS, seed)
    expected = score(frame, inst).scores
    got = engine(frame, score_sql([inst], dialect, "answers"))
    assert got.columns == expected.columns
    assert_same_scores(inst, expected, got)


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_duckdb_scores_equal_the_engine(duckdb_engine: Engine, inst: Instrument) -> None:
    check(duckdb_engine, inst, "duckdb", seed=1)


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_sqlite_scores_equal_the_engine(sqlite_engine: Engine, inst: Instrument) -> None:
    check(sqlite_engine, inst, "sqlite", seed=2)


@pytest.mark.parametrize("inst", INSTRUMENTS, ids=IDS)
def test_postgres_scores_equal_the_engine(postgres_engine: Engine, inst: Instrument) -> None:
    check(postgres_engine, inst, "postgres", seed=3)


def test_several_instruments_in_one_query_keep_the_engines_column_order(
    duckdb_engine: Engine,
) -> None:
    wai, phq = (next(i for i in INSTRUMENTS if i.id == x) for x in ("wai_sr", "phq9"))
    frame = random_answers(wai, 60, 5).join(random_answers(phq, 60, 6).drop("session"), on="id")
    expected = score(frame, [wai, phq]).scores
    got = duckdb_engine(frame, score_sql([wai, phq], "duckdb"))
    assert got.columns == expected.columns
    for inst in (wai, phq):
        assert_same_scores(inst, expected, got)
