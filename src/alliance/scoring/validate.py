"""Check item answers before scoring: nothing is silently coerced or dropped.

Every check is one vectorised pass. A failure names the row (1-based data
row, as a spreadsheet user counts rows below the header), the column and the
value. With ``on_invalid="skip"`` the offending rows are reported instead,
one line per bad cell, and left out of scoring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from alliance.errors import DataError
from alliance.instruments.schema import Instrument, ResponseScale

ROW = "__row"  # 1-based data row number carried through validation


@dataclass(frozen=True)
class ItemSpec:
    """One item column to check: its name, answer scale and whether it must exist."""

    column: str
    response: ResponseScale
    required: bool


def item_specs(instrument: Instrument) -> list[ItemSpec]:
    """The item columns of an instrument that hold numbers (free text excluded)."""
    return [
        ItemSpec(instrument.item_column(n), instrument.response_for(n), instrument.item(n).required)
        for n in instrument.scored_items()
    ]


def describe_allowed(response: ResponseScale) -> str:
    """Plain description of the allowed answers, for error messages."""
    if response.kind == "choice":
        values = ", ".join(_fmt(o.value) for o in response.options)
        return f"one of {values}"
    step = f" in steps of {_fmt(response.step)}" if response.step else ""
    return f"a number from {_fmt(response.low)} to {_fmt(response.high)}{step}"


def _fmt(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else str(x)


def valid_expr(column: str, response: ResponseScale) -> pl.Expr:
    """True where the cell is empty or holds an allowed answer."""
    col = pl.col(column)
    if response.kind == "choice":
        if response.is_contiguous_integers():
            ok = (col >= response.low) & (col <= response.high) & (col.round(0) == col)
        else:
            ok = col.is_in([o.value for o in response.options])
    else:
        ok = (col >= response.low) & (col <= response.high)
        if response.step:
            ratio = (col - response.low) / response.step
            ok = ok & ((ratio - ratio.round(0)).abs() < 1e-9)
    return col.is_null() | ok.fill_null(False)


def check_columns(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> pl.DataFrame:
    """Require every required item column; add absent optional ones as empty.

    Non-numeric columns are an error naming the first cell that is not a number.
    """
    missing = [s.column for s in specs if s.required and s.column not in frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(
            f"missing item column(s): {shown}. Item columns are named "
            "{instrument}_{item number}; use a column-mapping file for other names.",
            column=missing[0],
        )
    absent = [pl.lit(None, dtype=pl.Float64).alias(s.column) for s in specs if s.column not in frame.columns]
    if absent:
        frame = frame.with_columns(absent)
    for spec in specs:
        dtype = frame.schema[spec.column]
        if dtype.is_numeric() or dtype == pl.Null:
            continue
        _raise_not_numeric(frame, spec.column)
    return frame


def _raise_not_numeric(frame: pl.DataFrame, column: str) -> None:
    col = pl.col(column)
    as_text = col.cast(pl.String)
    stripped = as_text.str.strip_chars()
    bad = stripped.is_not_null() & (stripped != "") & stripped.cast(pl.Float64, strict=False).is_null()
    found = frame.select(pl.arg_where(bad).first().alias("i")).item()
    if found is None:
        raise DataError(
            f"column {column}: holds {frame.schema[column]} values, not numbers; "
            "convert the column to numbers first",
            column=column,
        )
    value = frame[column].cast(pl.String)[found]
    raise DataError(
        f"row {found + 1}, column {column}: {value!r} is not a number",
        row=found + 1,
        column=column,
        value=value,
    )


def find_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> pl.DataFrame:
    """Every invalid cell: row (1-based), column, value and the reason."""
    pieces = []
    for spec in specs:
        bad = frame.select(
            pl.int_range(1, pl.len() + 1).alias("row"),
            pl.col(spec.column).cast(pl.Float64).alias("value"),
            (~valid_expr(spec.column, spec.response)).alias("bad"),
        ).filter(pl.col("bad"))
        if bad.height:
            pieces.append(
                bad.select(
                    "row",
                    pl.lit(spec.column).alias("column"),
                    pl.col("value"),
                    pl.lit(f"not {describe_allowed(spec.response)}").alias("reason"),
                )
            )
    if not pieces:
        return pl.DataFrame(
            schema={"row": pl.Int64, "column": pl.String, "value": pl.Float64, "reason": pl.String}
        )
    return pl.concat(pieces).sort("row", "column")


def count_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> int:
    """Number of invalid cells, in one parallel pass over the item columns."""
    if not specs:
        return 0
    counts = frame.select(
        [(~valid_expr(s.column, s.response)).sum().alias(s.column) for s in specs]
    )
    return int(sum(counts.row(0)))


def raise_first_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> None:
    """Raise a DataError naming the first invalid cell (lowest row, then column order)."""
    invalid = find_invalid(frame, specs)
    if invalid.height == 0:
        return
    first = invalid.row(0, named=True)
    value = first["value"]
    shown = _fmt(value) if value is not None else "?"
    total = invalid.height
    more = f" ({total - 1} more invalid cell(s) after this one)" if total > 1 else ""
    raise DataError(
        f"row {first['row']}, column {first['column']}: value {shown} is {first['reason']}{more}",
        row=int(first["row"]),
        column=str(first["column"]),
        value=value,
    )


def check_duplicates(frame: pl.DataFrame, keys: Sequence[str]) -> None:
    """Raise a DataError when the same key (e.g. client and session) appears twice."""
    present = [k for k in keys if k in frame.columns]
    if len(present) != len(keys) or frame.height == 0:
        return
    dup = frame.select(
        pl.int_range(1, pl.len() + 1).alias("row"),
        pl.struct(present).is_duplicated().alias("dup"),
        *[pl.col(k) for k in present],
    ).filter(pl.col("dup"))
    if dup.height == 0:
        return
    first_key = dup.select(present).row(0)
    rows = dup.filter(
        pl.all_horizontal([pl.col(k) == v for k, v in zip(present, first_key, strict=True)])
    )["row"].to_list()
    key_text = ", ".join(f"{k}={v!r}" for k, v in zip(present, first_key, strict=True))
    raise DataError(
        f"rows {', '.join(map(str, rows[:5]))}: duplicated answers for {key_text}; "
        "each key may appear once",
        row=rows[0],
        column=present[0],
        value=first_key,
    )
