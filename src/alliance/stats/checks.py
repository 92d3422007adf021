"""Input checks shared by the statistics functions and the report builder (one place, one wording)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from alliance.errors import DataError

__all__ = [
    "require_columns",
    "require_integer_sessions",
    "require_no_nulls",
    "require_numeric",
    "require_one_row_per_session",
]


def require_columns(frame: object, columns: Sequence[str]) -> pl.DataFrame:
    """Check ``frame`` is a polars DataFrame holding ``columns`` (all different)."""
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"frame must be a polars DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks column(s) {missing}; it has {frame.columns}")
    if len(set(columns)) != len(columns):
        raise ValueError(f"column arguments must name different columns, got {list(columns)}")
    return frame


def require_numeric(frame: pl.DataFrame, column: str) -> None:
    if not frame.schema[column].is_numeric():
        raise TypeError(f"column {column!r} must be numeric, got {frame.schema[column]}")


def require_integer_sessions(frame: pl.DataFrame, column: str) -> None:
    if not frame.schema[column].is_integer():
        raise TypeError(
            f"column {column!r} must hold integer session numbers, got {frame.schema[column]}"
        )


def require_no_nulls(frame: pl.DataFrame, column: str) -> None:
    """A DataError naming the first missing value's 1-based data row."""
    nulls = frame.get_column(column).null_count()
    if nulls:
        row = int(frame.get_column(column).is_null().arg_true()[0]) + 1
        raise DataError(
            f"column {column!r} has {nulls} missing value(s), first at row {row}",
            row=row,
            column=column,
            value=None,
        )


def require_one_row_per_session(frame: pl.DataFrame, id_col: str, session_col: str) -> None:
    """A DataError when a client has two rows for the same session."""
    dup = (
        frame.group_by(id_col)
        .agg(pl.len().alias("rows"), pl.col(session_col).n_unique().alias("sessions"))
        .filter(pl.col("rows") != pl.col("sessions"))
    )
    raise_repeated_sessions(dup, id_col, session_col)


def raise_repeated_sessions(dup: pl.DataFrame, id_col: str, session_col: str) -> None:
    """The DataError for ``dup``, the clients with more rows than sessions (none: no error)."""
    if dup.height:
        bad = dup.get_column(id_col)[0]
        raise DataError(
            f"{dup.height} client(s) have two rows for the same session in {session_col!r}, "
            f"first {id_col}={bad!r}; keep one row per client and session",
            column=session_col,
            value=bad,
        )
