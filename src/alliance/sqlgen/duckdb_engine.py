"""Score a data file with the generated SQL in DuckDB (``alliance score --engine duckdb``).

The same checks as the Polars engine come first, in SQL: required item
columns present (absent optional items are added empty), no repeated
(id, session) row, every answer allowed (:func:`alliance.sqlgen.check_query`).
A failure raises :class:`alliance.errors.DataError` naming the column, the
value and the row's id and session; nothing is written. Then the scoring
SELECT runs on the file: DuckDB writes CSV itself; Parquet and other
formats are written through Polars in the Polars engine's output types
(bands as an Enum, :func:`alliance.scoring.output_schema`), Parquet batch
by batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alliance.errors import DataError
from alliance.instruments import Instrument
from alliance.scoring.validate import describe_allowed
from alliance.sqlgen.query import check_query, score_query, to_sql

__all__ = ["score_file"]

SOURCE = "__alliance_source"
VIEW = "__alliance_answers"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _source(con: Any, path: Path) -> None:
    """A view over the input file: Parquet and CSV read by DuckDB, other formats via Polars."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix in (".parquet", ".pq"):
        path_sql = _quote(str(path))  # a quoted literal: the file name is data, not SQL
        con.execute(f"CREATE VIEW {SOURCE} AS SELECT * FROM read_parquet({path_sql})")  # noqa: S608
    elif suffix in (".csv", ".tsv", ".txt"):
        sep = "\t" if suffix == ".tsv" else ","
        con.execute(
            f"CREATE VIEW {SOURCE} AS SELECT * FROM read_csv({_quote(str(path))}, "  # noqa: S608
            f"delim={_quote(sep)}, header=true, types={{'id': 'VARCHAR'}})"
        )
    else:
        from alliance import io

        con.register(SOURCE, io.read_table(path).to_arrow())


def _columns(con: Any, relation: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()  # noqa: S608
    return {str(r[0]): str(r[1]) for r in rows}


def _prepare(con: Any, instruments: Sequence[Instrument], keys: Sequence[str]) -> None:
    """The answers view: item columns checked, absent optional items added empty."""
    present = _columns(con, SOURCE)
    missing: list[str] = []
    absent: list[str] = []
    for inst in instruments:
        for n in inst.scored_items():
            name = inst.item_column(n)
            if name not in present:
                (missing if inst.item(n).required else absent).append(name)
    if missing:
        raise DataError(
            f"missing item column(s): {', '.join(missing[:5])}. Item columns are named "
            "{instrument}_{item number}; use a column-mapping file for other names.",
            column=missing[0],
        )
    added = "".join(f", CAST(NULL AS DOUBLE) AS {_ident(a)}" for a in absent)
    con.execute(f"CREATE VIEW {VIEW} AS SELECT *{added} FROM {SOURCE}")  # noqa: S608
    have = [k for k in keys if k in present]
    if have:
        cols = ", ".join(_ident(k) for k in have)
        twice = con.execute(
            f"SELECT {cols}, COUNT(*) FROM {VIEW} GROUP BY ALL HAVING COUNT(*) > 1 LIMIT 1"  # noqa: S608
        ).fetchone()
        if twice is not None:
            raise DataError(
                f"rows repeat the key ({', '.join(have)}) = {tuple(twice[:-1])} "
                f"({twice[-1]} times); each must appear once",
                column=have[-1],
            )


def _check_answers(con: Any, instruments: Sequence[Instrument], keys: Sequence[str]) -> None:
    present = _columns(con, VIEW)
    have = [k for k in keys if k in present]
    try:
        bad = con.execute(
            to_sql(check_query(instruments, VIEW, have), "duckdb") + " LIMIT 1"
        ).fetchone()
    except Exception as exc:  # a text cell in a numeric item column fails the cast
        if type(exc).__module__.split(".")[0] == "duckdb":
            raise DataError(f"an item column holds text that is not a number: {exc}") from None
        raise
    if bad is not None:
        *where, column, value = bad
        inst = next(i for i in instruments if column.startswith(i.id + "_"))
        response = inst.response_for(int(column.rsplit("_", 1)[1]))
        at = ", ".join(f"{k} {v!r}" for k, v in zip(have, where, strict=True))
        raise DataError(
            f"{at}, column {column}: {value:g} is not allowed; expected "
            f"{describe_allowed(response)}",
            column=column,
            value=value,
        )


#: Rows DuckDB hands over at a time when the output is written through Polars.
BATCH_ROWS = 1 << 20


def _write_typed(result: Any, output: Path, instruments: Sequence[Instrument]) -> int:
    """Write DuckDB's result batch by batch in the Polars engine's output types.

    SQL has no Enum: the bands come back as text and are cast here to the
    Enum of :func:`alliance.scoring.output_schema`, so that a Parquet file
    from ``--engine duckdb`` has the schema of the Polars engine's (integer
    totals are integers in the SQL already). Parquet goes through
    :class:`alliance.streaming.TableSink` (bounded memory, nothing left on
    failure); other formats are collected and written by :mod:`alliance.io`.
    """
    import polars as pl

    from alliance import io
    from alliance.scoring import output_schema
    from alliance.streaming import TableSink

    dtypes = {c: t for inst in instruments for c, t in output_schema(inst).items()}
    reader = result.to_arrow_reader(BATCH_ROWS)

    def typed(batch: Any) -> pl.DataFrame:
        frame = pl.DataFrame(pl.from_arrow(batch))
        return frame.cast({c: t for c, t in dtypes.items() if c in frame.columns})

    if output.suffix.lower() not in (".parquet", ".pq"):
        frame = typed(reader.read_all())
        io.write_table(frame, output)
        return frame.height
    sink = TableSink(output)
    try:
        for batch in reader:
            sink.write(typed(batch))
        if sink.rows == 0:
            sink.write(typed(reader.schema.empty_table()))
        return sink.commit()
    except BaseException:
        sink.discard()
        raise


def score_file(
    data: Path,
    output: Path,
    instruments: Sequence[Instrument],
    *,
    keys: Sequence[str] = ("id", "session"),
    drop: Sequence[str] = (),
) -> int:
    """Check and score ``data`` into ``output`` with DuckDB; returns the number of rows written."""
    import duckdb

    con = duckdb.connect()
    try:
        _source(con, data)
        _prepare(con, instruments, keys)
        _check_answers(con, instruments, keys)
        query = to_sql(score_query(instruments, VIEW), "duckdb")
        present = _columns(con, VIEW)
        drop = [d for d in drop if d in present]
        if drop:
            query = f"SELECT * EXCLUDE ({', '.join(_ident(d) for d in drop)}) FROM ({query})"  # noqa: S608
        suffix = output.suffix.lower()
        if output.parent and not output.parent.exists():
            raise DataError(f"{output}: folder {output.parent} does not exist")
        if suffix in (".csv", ".tsv"):
            options = "FORMAT csv, HEADER" + (", DELIMITER '\t'" if suffix == ".tsv" else "")
            con.execute(f"COPY ({query}) TO {_quote(str(output))} ({options})")
            counted = con.execute(f"SELECT COUNT(*) FROM {VIEW}").fetchone()  # noqa: S608
            return int(counted[0]) if counted is not None else 0
        return _write_typed(con.sql(query), output, instruments)
    finally:
        con.close()
