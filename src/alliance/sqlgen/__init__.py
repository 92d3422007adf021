"""The instruments as SQL: one SELECT that scores a wide table on any engine.

Built from the instrument definitions (built-in or a clinic's own) through
sqlglot's expression tree and transpiled per dialect, so a warehouse table
(PostgreSQL, DuckDB, Spark/Databricks, BigQuery, Snowflake, SQLite) is
scored where it lives, with the numbers :func:`alliance.scoring.score` gives.
Needs the ``sql`` extra (sqlglot). Never imports Django.

>>> print(score_sql(["phq9"], "duckdb").splitlines()[0])
SELECT
"""

from __future__ import annotations

from collections.abc import Sequence

from alliance.instruments import Instrument
from alliance.sqlgen.query import DIALECTS, check_query, score_query, to_sql

__all__ = ["DIALECTS", "check_query", "check_sql", "score_query", "score_sql", "to_sql"]


def score_sql(instruments: Sequence[Instrument | str], dialect: str, table: str = "answers") -> str:
    """The scoring SELECT over ``table`` written in ``dialect``."""
    return to_sql(score_query(instruments, table), dialect)


def check_sql(
    instruments: Sequence[Instrument | str],
    dialect: str,
    table: str = "answers",
    keys: Sequence[str] = ("id", "session"),
) -> str:
    """The SELECT listing every invalid answer in ``table``, written in ``dialect``."""
    return to_sql(check_query(instruments, table, keys), dialect)
