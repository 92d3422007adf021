"""Engines the generated SQL runs on in the tests, and random answers to score.

DuckDB and SQLite are embedded. PostgreSQL is the server CI runs
(``TEST_POSTGRES_URL``, as the web tests use); Spark runs in local mode in
this process's JVM (pyspark plus a Java runtime, 17 or later), started once
per test session. Where PostgreSQL or Spark is missing the tests are
skipped on a developer's machine but FAIL in CI (CI=true), where .ci/run
provides both.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator

import polars as pl
import pytest
from sql_engines import Engine, to_frame


def _unavailable(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}: CI must provide it (.ci/run installs and starts it)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def duckdb_engine() -> Engine:
    import duckdb

    def run(frame: pl.DataFrame, sql: str) -> pl.DataFrame:
        con = duckdb.connect()
        try:
            con.register("answers", frame.to_arrow())
            return pl.from_arrow(con.sql(sql).to_arrow_table())  # type: ignore[return-value]
        finally:
            con.close()

    return run


def _sql_type(dtype: pl.DataType, dialect: str) -> str:
    if dtype == pl.String:
        return "TEXT"
    if dtype.is_integer():
        return "BIGINT" if dialect == "postgres" else "INTEGER"
    return "DOUBLE PRECISION" if dialect == "postgres" else "REAL"


@pytest.fixture(scope="session")
def sqlite_engine() -> Engine:
    def run(frame: pl.DataFrame, sql: str) -> pl.DataFrame:
        con = sqlite3.connect(":memory:")
        try:
            cols = ", ".join(f'"{c}" {_sql_type(t, "sqlite")}' for c, t in frame.schema.items())
            con.execute(f"CREATE TABLE answers ({cols})")
            marks = ", ".join("?" for _ in frame.columns)
            con.executemany(f"INSERT INTO answers VALUES ({marks})", frame.rows())  # noqa: S608
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return to_frame(cursor.fetchall(), names)
        finally:
            con.close()

    return run


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if not url:
        _unavailable("TEST_POSTGRES_URL is not set")
    try:
        import psycopg
    except ImportError:
        _unavailable("psycopg is not installed")
    from urllib.parse import urlsplit, urlunsplit

    # The maintenance database always exists; the tests only use temporary tables.
    parts = urlsplit(url)
    try:
        con = psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError as exc:
        _unavailable(f"cannot connect to PostgreSQL at TEST_POSTGRES_URL: {exc}")

    def run(frame: pl.DataFrame, sql: str) -> pl.DataFrame:
        with con.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS answers")
            cols = ", ".join(f'"{c}" {_sql_type(t, "postgres")}' for c, t in frame.schema.items())
            cur.execute(f"CREATE TEMP TABLE answers ({cols})")  # type: ignore[arg-type]
            with cur.copy("COPY answers FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in frame.iter_rows():
                    copy.write_row(row)
            cur.execute(sql)  # type: ignore[arg-type]
            names = [d.name for d in cur.description or []]
            return to_frame(cur.fetchall(), names)

    yield run
    con.close()


def _spark_type(dtype: pl.DataType) -> str:
    if dtype == pl.String:
        return "STRING"
    return "BIGINT" if dtype.is_integer() else "DOUBLE"


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Engine]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _unavailable("pyspark is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        _unavailable("no Java runtime (apt-get install default-jre-headless)")
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("alliance-sql-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )

    def run(frame: pl.DataFrame, sql: str) -> pl.DataFrame:
        ddl = ", ".join(f"`{c}` {_spark_type(t)}" for c, t in frame.schema.items())
        spark.createDataFrame(frame.rows(), ddl).createOrReplaceTempView("answers")
        result = spark.sql(sql)
        return to_frame([tuple(r) for r in result.collect()], result.columns)

    yield run
    spark.stop()
