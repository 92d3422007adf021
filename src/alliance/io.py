"""Read and write data files by extension: CSV, TSV, Excel, SPSS and Parquet.

Nothing is coerced on the way in: a column that mixes numbers and text
stays text, so the scoring engine can name the offending row and cell.
Row numbers in error messages count data rows from 1 (the first row under
the header).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from alliance.errors import DataError

__all__ = [
    "ID_COLUMNS",
    "READABLE",
    "WRITABLE",
    "TableRead",
    "read_table",
    "read_table_checked",
    "scan_table",
    "write_table",
]

READABLE = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".sav", ".zsav", ".parquet", ".pq")
WRITABLE = (".csv", ".tsv", ".xlsx", ".sav", ".parquet", ".pq")


def _suffix(path: Path, allowed: tuple[str, ...], verb: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise DataError(
            f"{path}: cannot {verb} files ending in {suffix or '(no extension)'}; "
            f"use one of {', '.join(allowed)}"
        )
    return suffix


ID_COLUMNS = ("id",)


@dataclass(frozen=True)
class TableRead:
    """A table read from a file, with what the reading did to it.

    ``notes``: sentences for the user about values changed on the way in
    (SPSS user-missing codes read as missing, counted and named);
    ``value_labels``: SPSS value labels by column (value -> label), without
    the user-missing codes, for checks against an instrument's coding
    (:func:`alliance.scoring.labels.check_value_labels`).
    """

    frame: pl.DataFrame
    notes: tuple[str, ...] = ()
    value_labels: Mapping[str, Mapping[float, str]] = field(default_factory=dict)


def read_table(
    path: str | Path, *, sheet: str | None = None, text_columns: tuple[str, ...] = ID_COLUMNS
) -> pl.DataFrame:
    """Read a table; the format follows the file extension.

    ``text_columns`` (by default ``id``) are read as text from CSV and TSV
    files, so identifiers such as ``007`` and ``7`` stay two different people.
    Use :func:`read_table_checked` where the user must be told what reading
    changed (SPSS user-missing codes) and value labels must be checked.

    >>> read_table("answers.csv")  # doctest: +SKIP
    """
    return read_table_checked(path, sheet=sheet, text_columns=text_columns).frame


def read_table_checked(
    path: str | Path, *, sheet: str | None = None, text_columns: tuple[str, ...] = ID_COLUMNS
) -> TableRead:
    """:func:`read_table`, with the notes and SPSS value labels of :class:`TableRead`."""
    p = Path(path)
    suffix = _suffix(p, READABLE, "read")
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            separator = "\t" if suffix == ".tsv" else ","
            header = pl.read_csv(p, separator=separator, n_rows=0).columns
            frame = pl.read_csv(
                p,
                separator=separator,
                infer_schema_length=None,
                null_values=[""],
                try_parse_dates=False,
                schema_overrides={c: pl.String for c in text_columns if c in header},
            )
            return TableRead(frame)
        if suffix in (".parquet", ".pq"):
            return TableRead(pl.read_parquet(p))
        if suffix in (".xlsx", ".xlsm"):
            return TableRead(_read_excel(p, sheet))
        return _read_spss(p)
    except DataError:
        raise
    except (pl.exceptions.PolarsError, OSError, ValueError, zipfile.BadZipFile, KeyError) as exc:
        raise DataError(f"{p}: cannot read as {suffix[1:]}: {exc}") from None
    except Exception as exc:
        # pyreadstat and openpyxl raise their own exception types for corrupt files.
        if type(exc).__module__.split(".")[0] in ("pyreadstat", "openpyxl"):
            raise DataError(f"{p}: cannot read as {suffix[1:]}: {exc}") from None
        raise


def scan_table(path: str | Path) -> pl.LazyFrame:
    """A lazy scan for data larger than memory (Parquet and CSV only)."""
    p = Path(path)
    suffix = _suffix(p, READABLE, "read")
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    if suffix in (".parquet", ".pq"):
        return pl.scan_parquet(p)
    if suffix in (".csv", ".tsv"):
        return pl.scan_csv(
            p,
            separator="\t" if suffix == ".tsv" else ",",
            infer_schema_length=None,
            null_values=[""],
        )
    return read_table(p).lazy()  # Excel and SPSS: read whole (no lazy reader)


def _read_excel(path: Path, sheet: str | None) -> pl.DataFrame:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise DataError(f"{path}: no sheet {sheet!r}; sheets: {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise DataError(f"{path}: the sheet is empty")
    header = [str(h) if h is not None else "" for h in rows[0]]
    if any(h == "" for h in header):
        raise DataError(f"{path}: column {header.index('') + 1} of the header row has no name")
    if len(set(header)) != len(header):
        twice = sorted({h for h in header if header.count(h) > 1})
        raise DataError(f"{path}: header names repeat: {', '.join(twice)}")
    columns: dict[str, list[Any]] = {h: [] for h in header}
    for row in rows[1:]:
        for h, v in zip(header, row, strict=False):
            columns[h].append(v)
    return pl.DataFrame({h: _column(v) for h, v in columns.items()}, strict=False)


def _column(values: list[Any]) -> pl.Series:
    """A column keeps numbers as numbers; any text makes the whole column text."""
    present = [v for v in values if v is not None]
    if all(isinstance(v, bool) for v in present) and present:
        return pl.Series(values, dtype=pl.Boolean)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pl.Series(values, dtype=pl.Int64)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pl.Series([None if v is None else float(v) for v in values], dtype=pl.Float64)
    return pl.Series([None if v is None else str(v) for v in values], dtype=pl.String)


def _read_spss(path: Path) -> TableRead:
    """An SPSS file with its declared user-missing codes read as missing, and said so.

    pyreadstat would turn user-missing codes (e.g. -99 "refused") into blanks
    without a word; they are read as they are, then set to missing here, and
    every column's count, codes and labels go into the notes.
    """
    import pyreadstat

    raw, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    frame = _from_spss(pl.from_pandas(raw))
    labels = {c: dict(v) for c, v in (meta.variable_value_labels or {}).items()}
    notes: list[str] = []
    fixes: list[pl.Expr] = []
    for column in frame.columns:
        declared = _declared_missing(meta, column)
        if declared is None:
            continue
        hit = frame.select(declared.alias("hit"))["hit"].fill_null(False)
        codes = frame.filter(hit)[column].unique().sort().to_list()
        if codes:
            named = ", ".join(_code_text(v, labels.get(column, {})) for v in codes)
            notes.append(
                f"{column}: {int(hit.sum())} cell(s) with SPSS user-missing code(s) {named} "
                "read as missing"
            )
            fixes.append(pl.when(declared).then(None).otherwise(pl.col(column)).alias(column))
        if column in labels:
            labels[column] = {
                v: t for v, t in labels[column].items() if not _in_missing(meta, column, v)
            }
    if fixes:
        frame = frame.with_columns(fixes)
    return TableRead(frame, tuple(notes), labels)


def _missing_specs(meta: Any, column: str) -> list[tuple[Any, Any]]:
    ranges = [(r["lo"], r["hi"]) for r in (meta.missing_ranges or {}).get(column, [])]
    values = [(v, v) for v in (meta.missing_user_values or {}).get(column, [])]
    return ranges + values


def _declared_missing(meta: Any, column: str) -> pl.Expr | None:
    specs = _missing_specs(meta, column)
    if not specs:
        return None
    col = pl.col(column)
    return pl.any_horizontal([(col >= lo) & (col <= hi) for lo, hi in specs])


def _in_missing(meta: Any, column: str, value: Any) -> bool:
    try:
        return any(lo <= value <= hi for lo, hi in _missing_specs(meta, column))
    except TypeError:
        return False


def _code_text(value: Any, labels: Mapping[Any, str]) -> str:
    number = f"{value:g}" if isinstance(value, float) else str(value)
    label = labels.get(value, labels.get(float(value)) if isinstance(value, int) else None)
    return f"{number} ({label!r})" if label else number


def _from_spss(frame: pl.DataFrame) -> pl.DataFrame:
    """SPSS stores every number as a double and blank text as "": undo both, losslessly.

    A numeric column becomes integer only when every value is a whole
    number; a text column's empty strings become missing values.
    """
    fixes: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype.is_float():
            values = frame[name].drop_nulls().drop_nans()
            whole = values.len() == frame[name].drop_nulls().len()
            top = values.abs().max()
            fits = isinstance(top, (int, float)) and top < 2**53
            if whole and fits and bool((values == values.round(0)).all()):
                fixes.append(col.fill_nan(None).cast(pl.Int64))
            else:
                fixes.append(col.fill_nan(None))
        elif dtype == pl.String:
            fixes.append(pl.when(col == "").then(None).otherwise(col).alias(name))
    return frame.with_columns(fixes) if fixes else frame


def write_table(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write a table; the format follows the file extension. Returns the path."""
    p = Path(path)
    suffix = _suffix(p, WRITABLE, "write")
    if p.parent and not p.parent.exists():
        raise DataError(f"{p}: folder {p.parent} does not exist")
    if suffix in (".csv", ".tsv"):
        frame.write_csv(p, separator="\t" if suffix == ".tsv" else ",")
    elif suffix in (".parquet", ".pq"):
        frame.write_parquet(p)
    elif suffix == ".xlsx":
        frame.to_pandas().to_excel(p, index=False, engine="openpyxl")
    else:
        import pyreadstat

        bad = [c for c in frame.columns if not c.replace("_", "a").isalnum() or len(c) > 64]
        if bad:
            raise DataError(f"{p}: SPSS cannot store column name {bad[0]!r}; rename it first")
        pyreadstat.write_sav(frame.to_pandas(), str(p))
    return p
