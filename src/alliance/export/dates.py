"""Dates turned into whole days since the person's intake.

``days = date - intake`` in whole calendar days (a datetime counts by its
calendar date, in its own time zone), so intake itself is day 0 and a
session a week later is day 7. The intake is the row's value in the named
intake column, or else the person's earliest date in any date column.

>>> import datetime as dt, polars as pl
>>> f = pl.DataFrame({"id": ["a", "a", "b"],
...                   "visit": [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 3, 1)]})
>>> days_since_intake(f, ["visit"], person="id", intake=None)["visit"].to_list()
[0, 7, 0]
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from alliance.errors import DataError


def is_temporal(dtype: pl.DataType) -> bool:
    return dtype == pl.Date or isinstance(dtype, pl.Datetime)


def as_dates(frame: pl.DataFrame, column: str) -> pl.Series:
    """One column as calendar dates; text must be ISO 8601 (``2024-01-31``, optionally a time).

    Raises ``DataError`` naming the first row (from 1) and the value that is not a date.
    """
    series = frame.get_column(column)
    if series.dtype == pl.Date:
        return series
    if isinstance(series.dtype, pl.Datetime):
        return series.dt.date()
    if series.dtype != pl.String:
        raise DataError(f"column {column!r}: expected dates, found {series.dtype}", column=column)
    text = series.str.strip_chars()
    parsed = text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    bad = (text.is_not_null() & (text != "") & parsed.is_null()).arg_true()
    if bad.len():
        row = int(bad[0])
        value = series[row]
        raise DataError(
            f"row {row + 1}, column {column!r}: {value!r} is not a date (use YYYY-MM-DD)",
            row=row + 1,
            column=column,
            value=value,
        )
    return parsed.alias(column)


def days_since_intake(
    frame: pl.DataFrame, columns: Sequence[str], *, person: str | None, intake: str | None
) -> pl.DataFrame:
    """Replace each date column by whole days since intake (Int32); the intake column goes.

    Raises ``DataError`` naming row and column where a row has a date but no
    intake date to count from, or a value that is not a date.
    """
    dates = {c: as_dates(frame, c) for c in columns}
    if intake is not None:
        start = as_dates(frame, intake)
        has_date = pl.any_horizontal([s.is_not_null() for s in dates.values()]) if dates else None
        if has_date is not None:
            missing = pl.select((has_date & start.is_null()).arg_true()).to_series()
            if missing.len():
                row = int(missing[0])
                raise DataError(
                    f"row {row + 1}, column {intake!r}: the intake date is missing, "
                    "so the row's dates cannot be turned into days since intake",
                    row=row + 1,
                    column=intake,
                )
    else:
        if not dates:
            return frame
        table = pl.DataFrame(list(dates.values())).with_columns(
            frame.get_column(person).alias("__person__")
            if person is not None
            else pl.lit(0).alias("__person__")
        )
        start = table.select(
            pl.min_horizontal(list(dates)).min().over("__person__").alias("_start")
        ).to_series()
    out = frame.with_columns(
        (s - start).dt.total_days().cast(pl.Int32).alias(c) for c, s in dates.items()
    )
    return out.drop(intake) if intake is not None else out
