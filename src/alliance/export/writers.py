"""Write a de-identified table as CSV, Parquet or SPSS, with its codebook beside it.

``out.csv`` gets ``out.codebook.csv`` and ``out.codebook.md``. SPSS files
carry variable labels and value labels (score bands, item answers, yes/no);
column names SPSS cannot hold are renamed and the codebook says so.

>>> import polars as pl, tempfile, pathlib
>>> from alliance.export import deidentify
>>> out = deidentify(pl.DataFrame({"id": ["a"], "phq9_1": [2]}), ids=["id"])
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in write_export(out, folder / "x.sav").paths]
['x.sav', 'x.codebook.csv', 'x.codebook.md']
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from alliance import io
from alliance.errors import DataError
from alliance.export.codebook import (
    CodebookRow,
    build_codebook,
    codebook_frame,
    codebook_markdown,
    instrument_columns,
)
from alliance.export.deidentify import Deidentified
from alliance.instruments import Instrument, registry

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".sav": "spss"}
SPSS_RESERVED = frozenset(
    {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
)
_SPSS_BAD = re.compile(r"[^A-Za-z0-9_.@#$]")
SPSS_NAME_BYTES = 64
SPSS_LABEL_BYTES = 256


@dataclass(frozen=True)
class ExportFiles:
    data: Path
    codebook_csv: Path
    codebook_md: Path

    @property
    def paths(self) -> tuple[Path, Path, Path]:
        return (self.data, self.codebook_csv, self.codebook_md)


def codebook_paths(path: Path) -> tuple[Path, Path]:
    """``out.csv`` -> ``out.codebook.csv`` and ``out.codebook.md``."""
    stem = path.with_suffix("")
    return stem.with_name(stem.name + ".codebook.csv"), stem.with_name(stem.name + ".codebook.md")


def export_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"{path}: cannot export to {suffix or '(no extension)'}; use .csv, .parquet or .sav"
        )
    return FORMATS[suffix]


def spss_names(columns: list[str]) -> dict[str, str]:
    """Valid, distinct SPSS names for ``columns`` (only those that change are listed).

    Valid: at most 64 bytes, a letter first, then letters, digits and ``_ . @ # $``;
    not ending in ``.`` or ``_``; not a reserved word; distinct ignoring case.

    >>> spss_names(["ok_1", "2nd visit", "BY", "a-b", "A_B"])
    {'2nd visit': 'v2nd_visit', 'BY': 'BY_v', 'a-b': 'a_b', 'A_B': 'A_B_2'}
    """
    taken: set[str] = set()
    renamed: dict[str, str] = {}
    for column in columns:
        name = _SPSS_BAD.sub("_", column)
        if not name[:1].isalpha() or not name[:1].isascii():
            name = "v" + name
        name = name.encode("utf-8")[:SPSS_NAME_BYTES].decode("utf-8", "ignore").rstrip("._")
        if name.upper() in SPSS_RESERVED:
            name += "_v"
        base, n = name, 2
        while name.upper() in taken:
            tail = f"_{n}"
            name = base[: SPSS_NAME_BYTES - len(tail)] + tail
            n += 1
        taken.add(name.upper())
        if name != column:
            renamed[column] = name
    return renamed


def _truncate(text: str, limit: int = SPSS_LABEL_BYTES) -> str:
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def _spss_frame(
    frame: pl.DataFrame, index: Mapping[str, Any], sources: Mapping[str, str]
) -> tuple[pl.DataFrame, dict[str, dict[Any, str]]]:
    """Enum/Categorical -> codes 1..k, booleans -> 0/1, each with value labels."""
    value_labels: dict[str, dict[Any, str]] = {}
    fixes: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Enum | pl.Categorical):
            cats = (
                dtype.categories.to_list()
                if isinstance(dtype, pl.Enum)
                else sorted(frame[name].cast(pl.String).drop_nulls().unique().to_list())
            )
            codes = {c: i for i, c in enumerate(cats, start=1)}
            fixes.append(
                pl.col(name)
                .cast(pl.String)
                .replace_strict(codes, default=None, return_dtype=pl.Int32)
            )
            value_labels[name] = {i: c for c, i in codes.items()}
        elif dtype == pl.Boolean:
            fixes.append(pl.col(name).cast(pl.Int8))
            value_labels[name] = {0: "no", 1: "yes"}
        elif dtype == pl.Null:
            fixes.append(pl.col(name).cast(pl.Float64))
        else:
            known = index.get(sources[name])
            if known is not None and known.item is not None:
                scale = known.instrument.response_for(known.item)
                whole = all(float(o.value).is_integer() for o in scale.options)
                if scale.kind == "choice" and (dtype.is_float() or whole):
                    value_labels[name] = {
                        (float(o.value) if dtype.is_float() else int(o.value)): o.label
                        for o in scale.options
                    }
    return (frame.with_columns(fixes) if fixes else frame), value_labels


def _write_spss(
    out: Deidentified, rows: list[CodebookRow], path: Path, index: Mapping[str, Any]
) -> list[CodebookRow]:
    import pyreadstat

    renamed = spss_names(out.frame.columns)
    sources = {c: out.decision_for(c).column for c in out.frame.columns}
    frame, value_labels = _spss_frame(out.frame, index, sources)
    frame = frame.rename(renamed)
    value_labels = {renamed.get(k, k): v for k, v in value_labels.items()}
    labels: list[str | None] = [_truncate(r.label) for r in rows]
    pyreadstat.write_sav(
        frame.to_pandas(),
        str(path),
        column_labels=labels,
        variable_value_labels=value_labels,
    )
    return [
        dataclasses.replace(
            r,
            name=renamed[r.name],
            transformation=f"{r.transformation}; renamed for SPSS (was {r.name!r})",
        )
        if r.name in renamed
        else r
        for r in rows
    ]


def write_export(
    out: Deidentified, path: str | Path, *, instruments: Mapping[str, Instrument] | None = None
) -> ExportFiles:
    """Write the data file (format from the extension) and its two codebook files."""
    p = Path(path)
    fmt = export_format(p)
    if not p.parent.exists():
        raise DataError(f"{p}: folder {p.parent} does not exist")
    known = instruments if instruments is not None else registry()
    rows = build_codebook(out, instruments=known)
    if fmt == "spss":
        rows = _write_spss(out, rows, p, instrument_columns(known))
    else:
        io.write_table(out.frame, p)
    book_csv, book_md = codebook_paths(p)
    codebook_frame(rows).write_csv(book_csv)
    book_md.write_text(codebook_markdown(rows, out, data_name=p.name), encoding="utf-8")
    return ExportFiles(p, book_csv, book_md)
