"""Read and write data files by extension: CSV, TSV, Excel, SPSS and Parquet.

Nothing is coerced on the way in: a column that mixes numbers and text
stays text, so the scoring engine can name the offending row and cell.
Row numbers in error messages count data rows from 1 (the first row under
the header).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import polars as pl

from alliance.errors import DataError

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


def read_table(
    path: str | Path, *, sheet: str | None = None, text_columns: tuple[str, ...] = ID_COLUMNS
) -> pl.DataFrame:
    """Read a table; the format follows the file extension.

    ``text_columns`` (by default ``id``) are read as text from CSV and TSV
    files, so identifiers such as ``007`` and ``7`` stay two different people.

    >>> read_table("answers.csv")  # doctest: +SKIP
    """
    p = Path(path)
    suffix = _suffix(p, READABLE, "read")
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        if suffix in (".csv", ".tsv", ".txt"):
            separator = "\t" if suffix == ".tsv" else ","
            header = pl.read_csv(p, separator=separator, n_rows=0).columns
            return pl.read_csv(
                p,
                separator=separator,
                infer_schema_length=None,
                null_values=[""],
                try_parse_dates=False,
                schema_overrides={c: pl.String for c in text_columns if c in header},
            )
        if suffix in (".parquet", ".pq"):
            return pl.read_parquet(p)
        if suffix in (".xlsx", ".xlsm"):
            return _read_excel(p, sheet)
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
    return read_table(p).lazy()


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


def _read_spss(path: Path) -> pl.DataFrame:
    import pyreadstat

    frame, _meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
    return _from_spss(pl.from_pandas(frame))


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
