"""One SELECT that scores a wide table exactly as :func:`alliance.scoring.score` does.

The query has two levels, because a column alias cannot be read in the
SELECT that defines it (bands and scale flags read the scores)::

    SELECT s.*, <bands>, <flags>
    FROM (SELECT t.*, <scores, item means, notes> FROM <table> AS t) AS s

so the output keeps every input column, followed by the scored columns in
the order of :func:`alliance.scoring.output_columns` (each instrument's
scores, item means and note, then each instrument's bands and flags, as the
Polars engine adds them). It is built as a sqlglot tree and transpiled to
the dialect asked for; no dialect has hand-written SQL.

What the query does not do: check the answers. The Polars engine refuses
an answer outside an item's allowed values and repeated (id, session)
rows; :func:`check_query` lists the invalid cells of a table in SQL, and
should come back empty before the scores are used.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlglot
from sqlglot import exp

from alliance.instruments import Instrument, resolve
from alliance.instruments.schema import ResponseScale
from alliance.scoring.expressions import band_column, score_column
from alliance.sqlgen.scales import (
    DOUBLE,
    band_sql,
    column,
    flag_sql,
    note_sql,
    number,
    scale_sql,
)

__all__ = ["DIALECTS", "check_query", "score_query", "to_sql"]

#: Dialects the generated SQL is written for; the first four run in the tests.
DIALECTS = ("duckdb", "postgres", "sqlite", "spark", "databricks", "bigquery", "snowflake")


def _instruments(instruments: Sequence[Instrument | str]) -> list[Instrument]:
    chosen = [i if isinstance(i, Instrument) else resolve(i) for i in instruments]
    if not chosen:
        raise ValueError("name at least one instrument")
    ids = [i.id for i in chosen]
    if len(set(ids)) != len(ids):
        raise ValueError(f"an instrument is listed twice: {ids}")
    return chosen


def _star(table: str) -> exp.Column:
    return exp.Column(this=exp.Star(), table=exp.to_identifier(table))


def score_query(instruments: Sequence[Instrument | str], table: str = "answers") -> exp.Select:
    """The scoring SELECT over ``table`` (a name, optionally ``schema.table``), as a sqlglot tree.

    >>> from alliance.sqlgen import score_query, to_sql
    >>> sql = to_sql(score_query(["phq9"], "answers"), "duckdb")
    >>> "phq9_band" in sql and "FROM answers AS t" in sql
    True
    """
    chosen = _instruments(instruments)
    inner = exp.select(_star("t")).from_(exp.alias_(exp.to_table(table), "t", table=True))
    outer_columns: list[exp.Expr] = []
    for inst in chosen:
        for scale in inst.scales:
            score, mean = scale_sql(inst, scale)
            name = score_column(inst, scale)
            inner = inner.select(exp.alias_(score, name))
            if scale.method == "sum":
                inner = inner.select(exp.alias_(mean, f"{name}_mean"))
        if inst.scales:
            inner = inner.select(exp.alias_(note_sql(inst), f"{inst.id}_note"))
    for inst in chosen:
        for scale in inst.scales:
            if scale.bands:
                band = band_sql(column(score_column(inst, scale)), scale.bands)
                outer_columns.append(exp.alias_(band, band_column(inst, scale)))
        for flag in inst.flags:
            outer_columns.append(exp.alias_(flag_sql(inst, flag), f"{inst.id}_flag_{flag.id}"))
    return exp.select(_star("s"), *outer_columns).from_(
        exp.alias_(exp.Subquery(this=inner), "s", table=True)
    )


def _valid(col: exp.Expr, response: ResponseScale) -> exp.Expr:
    """True where ``col`` (a double) holds an allowed answer (the SQL of ``valid_expr``)."""
    if response.kind == "choice" and not response.is_contiguous_integers():
        return exp.In(this=col, expressions=[number(o.value) for o in response.options])
    ok: exp.Expr = exp.and_(
        exp.GTE(this=col.copy(), expression=number(response.low)),
        exp.LTE(this=col.copy(), expression=number(response.high)),
    )
    if response.kind == "choice":
        ok = exp.and_(ok, exp.EQ(this=exp.Floor(this=col.copy()), expression=col.copy()))
    elif response.step:
        ratio = exp.Paren(
            this=exp.Div(
                this=exp.Paren(this=exp.Sub(this=col.copy(), expression=number(response.low))),
                expression=number(response.step),
            )
        )
        off = exp.Abs(this=exp.Sub(this=ratio, expression=exp.Round(this=ratio.copy())))
        ok = exp.and_(ok, exp.LT(this=off, expression=number(1e-9)))
    return ok


def check_query(
    instruments: Sequence[Instrument | str],
    table: str = "answers",
    keys: Sequence[str] = ("id", "session"),
) -> exp.Select:
    """Every invalid answer in ``table``: one row per bad cell (the key columns, column, value).

    The SQL of :mod:`alliance.scoring.validate`'s range checks, for engines
    the scorer cannot read directly. An empty result means every answer is
    allowed. (Text in a numeric item column is an error of the table's
    types and fails the cast in the engine itself.)
    """
    chosen = _instruments(instruments)
    parts: list[exp.Select] = []
    for inst in chosen:
        for n in inst.scored_items():
            name = inst.item_column(n)
            value = exp.Cast(this=column(name), to=DOUBLE.copy())
            bad = exp.and_(
                exp.Not(this=exp.Is(this=column(name), expression=exp.Null())),
                exp.Not(this=exp.Paren(this=_valid(value, inst.response_for(n)))),
            )
            parts.append(
                exp.select(
                    *(column(k) for k in keys),
                    exp.alias_(exp.Literal.string(name), "item_column"),
                    exp.alias_(value.copy(), "value"),
                )
                .from_(exp.to_table(table))
                .where(bad)
            )
    query: exp.Select = parts[0]
    for part in parts[1:]:
        query = exp.union(query, part, distinct=False)  # type: ignore[assignment]
    return query


def to_sql(query: exp.Expr, dialect: str, *, pretty: bool = True) -> str:
    """``query`` written in ``dialect`` (one of :data:`DIALECTS`)."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    return query.sql(dialect=dialect, pretty=pretty, unsupported_level=sqlglot.ErrorLevel.RAISE)
