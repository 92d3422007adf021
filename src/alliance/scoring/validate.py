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

__all__ = [
    "ROW",
    "ItemSpec",
    "check_columns",
    "check_duplicates",
    "count_invalid",
    "describe_allowed",
    "empty_report",
    "find_invalid",
    "item_specs",
    "raise_first_invalid",
    "raise_report_row",
    "strictly_increasing",
    "valid_expr",
]

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
            ok = col.cast(pl.Float64).is_in([float(o.value) for o in response.options])
    else:
        ok = (col >= response.low) & (col <= response.high)
        if response.step:
            ratio = (col - response.low) / response.step
            ok = ok & ((ratio - ratio.round(0)).abs() < 1e-9)
    return col.is_null() | ok.fill_null(False)


def check_columns(
    frame: pl.DataFrame, specs: Sequence[ItemSpec]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Require every required item column and make every item column numeric.

    Absent optional columns are added empty; empty (all-null) columns become
    Float64. Text columns are parsed strictly: a cell holding a number written
    as text ("3") is read as that number; any other text is a bad cell,
    returned in the second frame (row, column, value, reason) and never
    turned into a missing answer.
    """
    missing = [s.column for s in specs if s.required and s.column not in frame.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(
            f"missing item column(s): {shown}. Item columns are named "
            "{instrument}_{item number}; use a column-mapping file for other names.",
            column=missing[0],
        )
    absent = [
        pl.lit(None, dtype=pl.Float64).alias(s.column)
        for s in specs
        if s.column not in frame.columns
    ]
    if absent:
        frame = frame.with_columns(absent)
    fixes: list[pl.Expr] = []
    bad_cells: list[pl.DataFrame] = []
    for spec in specs:
        dtype = frame.schema[spec.column]
        if dtype.is_numeric():
            continue
        if dtype == pl.Null:
            fixes.append(pl.col(spec.column).cast(pl.Float64))
            continue
        if dtype != pl.String:
            raise DataError(
                f"column {spec.column}: holds {dtype} values, not numbers; "
                "convert the column to numbers first",
                column=spec.column,
            )
        text = pl.col(spec.column).str.strip_chars()
        parsed = text.cast(pl.Float64, strict=False)
        bad = frame.select(
            pl.int_range(1, pl.len() + 1).alias("row"),
            pl.col(spec.column).alias("text"),
            (text.is_not_null() & (text != "") & parsed.is_null()).alias("bad"),
        ).filter(pl.col("bad"))
        if bad.height:
            bad_cells.append(
                bad.select(
                    "row",
                    pl.lit(spec.column).alias("column"),
                    pl.col("text").alias("value"),
                    pl.lit("not a number").alias("reason"),
                )
            )
        fixes.append(parsed.alias(spec.column))
    if fixes:
        frame = frame.with_columns(fixes)
    text_invalid = pl.concat(bad_cells) if bad_cells else empty_report()
    return frame, text_invalid


def empty_report() -> pl.DataFrame:
    """The layout of the invalid-cell report."""
    return pl.DataFrame(
        schema={"row": pl.Int64, "column": pl.String, "value": pl.String, "reason": pl.String}
    )


def raise_report_row(report: pl.DataFrame) -> None:
    """Raise a DataError for the first line of an invalid-cell report (if any)."""
    if report.height == 0:
        return
    first = report.sort("row", "column").row(0, named=True)
    text = first["value"]
    more = (
        f" ({report.height - 1} more invalid cell(s) after this one)" if report.height > 1 else ""
    )
    message = (
        f"row {first['row']}, column {first['column']}: value {text!r} is {first['reason']}{more}"
    )
    value: object = text
    try:
        value = float(text)
    except (TypeError, ValueError):
        pass
    else:
        message = (
            f"row {first['row']}, column {first['column']}: value {text} is {first['reason']}{more}"
        )
    raise DataError(message, row=int(first["row"]), column=str(first["column"]), value=value)


def _as_text(col: pl.Expr) -> pl.Expr:
    """Numbers as a person writes them: 7 not 7.0; NaN as "NaN", infinities as "inf"/"-inf".

    (Polars counts NaN equal to itself, so without the first branch a NaN
    would pass the whole-number test, fail the cast and be named "None".)
    """
    as_float = col.cast(pl.Float64)
    return (
        pl.when(as_float.is_nan())
        .then(pl.lit("NaN"))
        .when(as_float.is_infinite())
        .then(pl.when(as_float > 0).then(pl.lit("inf")).otherwise(pl.lit("-inf")))
        .when(as_float == as_float.round(0))
        .then(as_float.cast(pl.Int64, strict=False).cast(pl.String))
        .otherwise(as_float.cast(pl.String))
    )


def find_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> pl.DataFrame:
    """Every invalid cell: row (1-based), column, value and the reason."""
    pieces = []
    for spec in specs:
        bad = frame.select(
            pl.int_range(1, pl.len() + 1).alias("row"),
            _as_text(pl.col(spec.column)).alias("value"),
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
        return empty_report()
    return pl.concat(pieces).sort("row", "column")


def _integer_range(frame: pl.DataFrame, spec: ItemSpec) -> tuple[float, float] | None:
    """(low, high) when an integer column is valid exactly where it lies in low..high."""
    response = spec.response
    if not frame.schema[spec.column].is_integer():
        return None
    if response.is_contiguous_integers():
        return response.low, response.high
    if response.kind == "numeric" and (response.step is None or response.step == 1):
        low, high = float(response.low), float(response.high)
        if low.is_integer() or response.step is None:
            return low, high
    return None


def count_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> int:
    """Number of invalid cells, in one parallel pass over the item columns.

    An integer column whose allowed answers are a range of whole numbers is
    checked by its minimum and maximum (no per-cell mask); its cells are
    counted one by one only when one of those lies outside the range.
    """
    if not specs:
        return 0
    ranges = {s.column: _integer_range(frame, s) for s in specs}
    exprs: list[pl.Expr] = []
    for s in specs:
        if ranges[s.column] is None:
            exprs.append((~valid_expr(s.column, s.response)).sum().alias(s.column))
        else:
            col = pl.col(s.column)
            exprs += [col.min().alias(f"min:{s.column}"), col.max().alias(f"max:{s.column}")]
    row = frame.select(exprs).row(0, named=True)
    count = 0
    for s in specs:
        bounds = ranges[s.column]
        if bounds is None:
            count += int(row[s.column])
            continue
        low, high = bounds
        lowest, highest = row[f"min:{s.column}"], row[f"max:{s.column}"]
        if lowest is not None and (lowest < low or highest > high):
            count += int(frame.select((~valid_expr(s.column, s.response)).sum()).item())
    return count


def raise_first_invalid(frame: pl.DataFrame, specs: Sequence[ItemSpec]) -> None:
    """Raise a DataError naming the first invalid cell (lowest row, then column order)."""
    raise_report_row(find_invalid(frame, specs))


_WINDOW_ROWS = 1 << 18  # rows per window of the sorted-keys check


def strictly_increasing(frame: pl.DataFrame, keys: Sequence[str]) -> bool:
    """True when every row's key is above the previous row's (so no key repeats).

    Only for integer and text keys without nulls, whose order is total and
    agrees with equality: a frame sorted that way can hold a repeated key
    only in adjacent rows, and strictly increasing rules that out -- one
    cheap pass with no hashing, in windows that overlap by one row.
    Anything else answers False (then the keys are checked by hash).
    """
    if frame.height < 2:
        return True
    for key in keys:
        column = frame[key]
        if column.null_count() or not (column.dtype.is_integer() or column.dtype == pl.String):
            return False
    if not frame[keys[0]].is_sorted():  # quick exit for unsorted data
        return False
    last = pl.col(keys[-1])
    above = last > last.shift(1)  # lexicographic "row above the one before", last key first
    for key in reversed(keys[:-1]):
        now, before = pl.col(key), pl.col(key).shift(1)
        above = (now > before) | ((now == before) & above)
    # Windows checked in parallel, each with small working columns.
    windows = [
        frame.lazy()
        .slice(max(start - 1, 0), _WINDOW_ROWS + (start > 0))
        .select(above.slice(1).all())
        for start in range(0, frame.height, _WINDOW_ROWS)
    ]
    return all(bool(w.item()) for w in pl.collect_all(windows, engine="in-memory"))


def _check_repeated_ids(frame: pl.DataFrame, id_col: str, absent: Sequence[str]) -> None:
    """Repeated ids with no column to tell their rows apart (e.g. no session) are an error."""
    ids = frame[id_col]
    if ids.null_count() == 0 and ids.is_unique().all():
        return
    repeated = frame.select(pl.int_range(1, pl.len() + 1).alias("row"), pl.col(id_col)).filter(
        pl.col(id_col).is_duplicated() & pl.col(id_col).is_not_null()
    )
    if repeated.height == 0:
        return
    first = repeated[id_col][0]
    rows = repeated.filter(pl.col(id_col) == first)["row"].to_list()
    raise DataError(
        f"rows {', '.join(map(str, rows[:5]))}: {id_col}={first!r} appears more than once and "
        f"there is no {' or '.join(absent)} column to tell the rows apart; add one (or map it "
        "with --map), or keep one row per id",
        row=rows[0],
        column=id_col,
        value=first,
    )


def check_duplicates(frame: pl.DataFrame, keys: Sequence[str]) -> None:
    """Raise a DataError when the same key (e.g. client and session) appears twice.

    Data sorted by the keys (as exported by most systems) are checked in one
    pass over neighbouring rows; other data by hashing the keys.
    """
    present = [k for k in keys if k in frame.columns]
    if not present or frame.height == 0:
        return
    if len(present) != len(keys):
        if present[0] != keys[0]:
            return
        _check_repeated_ids(frame, keys[0], [k for k in keys if k not in present])
        return
    if strictly_increasing(frame, present):
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
