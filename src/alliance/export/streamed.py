"""``alliance export`` of files larger than memory: the in-memory export, batch by batch.

:func:`export_file` writes the file :func:`alliance.export.deidentify` and
:func:`alliance.export.write_export` would write (same decisions, same
pseudonyms for the same key, same days since intake, same rows in the same
order, same codebook) while holding a batch at a time:

1. a first pass reads the batches to decide each column (a band column
   stays a category only if no batch holds text outside its labels), to
   check the dates, and -- without an intake column -- to find each
   person's earliest date;
2. a second pass de-identifies batch by batch and sends each row to one of
   a few temporary Parquet files by the first characters of its first
   pseudonym (the export's row order is pseudonym order, so these are
   ranges of the final order), gathering what the codebook reports
   (observed minimum and maximum, categories, row count);
3. each temporary file is then sorted alone and appended to the output.

Memory: a batch (``--memory``), plus what grows with the number of
*people* rather than rows: each person's intake date and every distinct
identifier with its pseudonym (to refuse two values sharing one code, as
the in-memory export does). CSV and Parquet only; SPSS files are written
whole.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from alliance.errors import DataError
from alliance.export.codebook import build_codebook, codebook_frame, codebook_markdown
from alliance.export.dates import as_dates
from alliance.export.deidentify import (
    Decision,
    Deidentified,
    _check_request,
    _decide,
    _id_prefixes,
    _with_refusals,
    band_categories,
)
from alliance.export.pseudonyms import DEFAULT_LENGTH, new_key, pseudonymise
from alliance.export.writers import ExportFiles, codebook_paths, export_format
from alliance.instruments import Instrument, registry

__all__ = ["StreamedExport", "export_file"]

#: Hex characters of the first pseudonym that choose its temporary file.
_BUCKET_CHARS = 4


@dataclass
class StreamedExport:
    """What a streamed export wrote: its files, decisions and row count."""

    files: ExportFiles
    decisions: tuple[Decision, ...]
    rows: int
    columns: int
    left_out: tuple[Decision, ...] = field(default=())


def _frame_from_schema(schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(schema=dict(schema))


@dataclass
class _Observed:
    """Per output column, what the codebook reports: least and greatest value, categories."""

    lowest: dict[str, Any] = field(default_factory=dict)
    highest: dict[str, Any] = field(default_factory=dict)
    categories: dict[str, set[str]] = field(default_factory=dict)

    def add(self, frame: pl.DataFrame) -> None:
        numeric = [c for c, t in frame.schema.items() if t.is_numeric()]
        if numeric and frame.height:
            row = frame.select(
                *(pl.col(c).min().alias(f"min:{c}") for c in numeric),
                *(pl.col(c).max().alias(f"max:{c}") for c in numeric),
            ).row(0, named=True)
            for c in numeric:
                low, high = row[f"min:{c}"], row[f"max:{c}"]
                if low is not None:
                    self.lowest[c] = low if c not in self.lowest else min(self.lowest[c], low)
                    self.highest[c] = high if c not in self.highest else max(self.highest[c], high)
        for c, t in frame.schema.items():
            if isinstance(t, pl.Categorical):
                seen = self.categories.setdefault(c, set())
                seen.update(frame[c].cast(pl.String).drop_nulls().unique().to_list())

    def sample(self, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
        """A small frame of this schema whose per-column minimum, maximum and categories are these."""
        columns: dict[str, list[Any]] = {}
        for c, t in schema.items():
            if isinstance(t, pl.Categorical):
                columns[c] = sorted(self.categories.get(c, set()))
            elif t.is_numeric() and c in self.lowest:
                columns[c] = [self.lowest[c], self.highest[c]]
            else:
                columns[c] = []
        height = max((len(v) for v in columns.values()), default=0)
        return pl.DataFrame(
            [
                pl.Series(c, v + [None] * (height - len(v)), dtype=pl.String)
                if isinstance(schema[c], pl.Categorical)
                else pl.Series(c, v + [None] * (height - len(v)), dtype=schema[c])
                for c, v in columns.items()
            ]
        ).cast({c: t for c, t in schema.items() if isinstance(t, pl.Categorical)})


def export_file(
    path: Path,
    output: Path,
    *,
    ids: Sequence[str] | Mapping[str, str],
    intake: str | None = None,
    include_text: Sequence[str] = (),
    allow_text: bool = False,
    memory: int,
    key: bytes | None = None,
    pseudonym_length: int = DEFAULT_LENGTH,
    instruments: Mapping[str, Instrument] | None = None,
    progress: Any = None,
    stage: Callable[[str], None] | None = None,
) -> StreamedExport:
    """De-identify ``path`` into ``output`` (.csv or .parquet) and its codebook, in batches.

    ``progress(rows)`` is told the rows of each batch in every pass;
    ``stage(description)`` is called when the second and third passes begin.
    """
    from alliance.streaming import (
        WORKING_FACTOR,
        TableSink,
        batch_rows,
        batches,
        column_width,
        scan,
        shift_rows,
    )

    fmt = export_format(output)
    if fmt not in ("csv", "parquet"):
        raise DataError(f"{output}: a streamed export is written as .csv or .parquet")
    if not output.parent.exists():
        raise DataError(f"{output}: folder {output.parent} does not exist")
    prefixes = _id_prefixes(ids)
    if not prefixes:
        raise ValueError("name at least one identifier column (e.g. the client id)")
    person = next(iter(prefixes))
    lazy = scan(path, text_columns=tuple(prefixes))
    schema = lazy.collect_schema()
    _check_request(
        _frame_from_schema(schema), prefixes, intake, person, (), include_text, allow_text
    )
    rows = batch_rows(schema, memory)
    labels = {c: v for c, v in band_categories().items() if c not in prefixes}
    fixed = {c: v for c, v in labels.items() if schema.get(c) == pl.String}

    # Pass 1: categories, dates, each person's intake.
    refused: dict[str, str] = {}
    casts: dict[str, pl.DataType] = {c: pl.Enum(list(v)) for c, v in fixed.items()}
    typed = dict(schema) | casts
    decisions = _decisions(typed, prefixes, intake, include_text)
    day_columns = [d.column for d in decisions if d.action == "days since intake"]
    starts: pl.DataFrame | None = None
    offset = 0
    for batch in batches(lazy, rows):
        for name, allowed in fixed.items():
            values = batch[name].drop_nulls()
            if name not in refused and values.filter(~values.is_in(list(allowed))).len():
                refused[name] = "text outside its known categories; left out as possible free text"
        try:
            dates = {c: as_dates(batch, c) for c in day_columns}
            if intake is not None:
                as_dates(batch, intake)
        except DataError as exc:
            raise shift_rows(exc, offset) from None
        if intake is None and dates:
            first = pl.DataFrame(
                {"__person__": batch[person], "_start": pl.DataFrame(list(dates.values()))
                 .select(pl.min_horizontal(list(dates))).to_series()}
            ).group_by("__person__").agg(pl.col("_start").min())  # fmt: skip
            starts = first if starts is None else pl.concat([starts, first]).group_by(
                "__person__"
            ).agg(pl.col("_start").min())  # fmt: skip
        offset += batch.height
        if progress is not None:
            progress(batch.height)
    if refused:
        for name in refused:
            casts.pop(name)
        typed = dict(schema) | casts
        decisions = _with_refusals(_decisions(typed, prefixes, intake, include_text), refused)
        day_columns = [d.column for d in decisions if d.action == "days since intake"]

    kept = [d for d in decisions if d.output is not None]
    by = [d.output for d in kept if d.column in prefixes and d.output is not None]
    first_id = next(d.column for d in kept if d.output == by[0])
    row_bytes = sum(column_width(t) for t in typed.values()) or 8
    total = int(lazy.select(pl.len()).collect(engine="streaming").item())
    parts = max(1, min(16**_BUCKET_CHARS, math.ceil(total * row_bytes * WORKING_FACTOR / memory)))
    secret = key if key is not None else new_key()
    folder = Path(tempfile.mkdtemp(prefix="alliance-export-"))
    observed = _Observed()
    codes: dict[str, pl.DataFrame] = {}
    out_schema: dict[str, pl.DataType] | None = None
    try:
        # Pass 2: de-identify each batch into temporary files by pseudonym range.
        if stage is not None:
            stage(f"de-identifying {path.name}")
        writers: dict[int, TableSink] = {}
        offset = 0
        for batch in batches(lazy, rows):
            work = batch.cast(casts) if casts else batch  # type: ignore[arg-type]
            try:
                work = _days(work, day_columns, person, intake, starts)
            except DataError as exc:
                raise shift_rows(exc, offset) from None
            coded = {
                c: pseudonymise(work.get_column(c), key=secret, prefix=p, length=pseudonym_length)
                for c, p in prefixes.items()
            }
            for c, code in coded.items():
                pair = pl.DataFrame(
                    {"value": work.get_column(c).cast(pl.String), "code": code}
                ).drop_nulls().unique()  # fmt: skip
                codes[c] = pair if c not in codes else pl.concat([codes[c], pair]).unique()
            work = work.with_columns(coded.values())
            out = work.select(pl.col(d.column).alias(d.output or d.column) for d in kept)
            out_schema = out_schema or dict(out.schema)
            observed.add(out)
            start = len(prefixes[first_id])
            head = pl.col(by[0]).str.slice(start, _BUCKET_CHARS).str.to_integer(base=16)
            bucket = (head * parts // 16**_BUCKET_CHARS).fill_null(parts)
            for (number,), piece in out.with_columns(bucket.alias("__part")).group_by(
                "__part", maintain_order=True
            ):
                sink = writers.setdefault(
                    int(number), TableSink(folder / f"{int(number):06d}.parquet")
                )
                sink.write(piece.drop("__part"))
            offset += batch.height
            if progress is not None:
                progress(batch.height)
        for c, pair in codes.items():
            if pair["code"].n_unique() != pair.height:
                raise DataError(
                    f"column {c!r}: two different values got the same {pseudonym_length}-character "
                    "pseudonym; export again with a longer pseudonym length",
                    column=c,
                )
        codes.clear()
        for sink in writers.values():
            sink.commit()
        # Pass 3: each pseudonym range sorted alone, appended in order.
        if stage is not None:
            stage(f"sorting into {output.name}")
        result = TableSink(output)
        try:
            for number in sorted(writers):
                part = pl.read_parquet(writers[number].path)
                result.write(part.sort(by, maintain_order=True, nulls_last=True))
                if progress is not None:
                    progress(part.height)
            if result.rows == 0:
                result.write(pl.DataFrame(schema=out_schema or {}))
            written = result.commit()
        except BaseException:
            result.discard()
            raise
    finally:
        del secret
        shutil.rmtree(folder, ignore_errors=True)
    final_schema = out_schema or {}
    sample = Deidentified(
        frame=observed.sample(final_schema),
        decisions=decisions,
        prefixes=dict(prefixes),
        pseudonym_length=pseudonym_length,
        intake=intake,
        person=person,
    )
    known = instruments if instruments is not None else registry()
    book = build_codebook(sample, instruments=known)
    book_csv, book_md = codebook_paths(output)
    codebook_frame(book).write_csv(book_csv)
    markdown = codebook_markdown(book, sample, data_name=output.name, n_rows=written)
    book_md.write_text(markdown, encoding="utf-8")
    left = tuple(d for d in decisions if d.action == "left out")
    return StreamedExport(
        ExportFiles(output, book_csv, book_md), decisions, written, len(final_schema), left
    )


def _decisions(
    schema: Mapping[str, pl.DataType],
    prefixes: Mapping[str, str],
    intake: str | None,
    include_text: Sequence[str],
) -> tuple[Decision, ...]:
    return tuple(
        _decide(c, t, ids=prefixes, intake=intake, dates=(), include_text=include_text, names={})
        for c, t in schema.items()
    )


def _days(
    frame: pl.DataFrame,
    columns: Sequence[str],
    person: str,
    intake: str | None,
    starts: pl.DataFrame | None,
) -> pl.DataFrame:
    """:func:`alliance.export.dates.days_since_intake`, each person's intake found beforehand."""
    from alliance.export.dates import days_since_intake

    if intake is not None or not columns:
        return days_since_intake(frame, columns, person=person, intake=intake)
    dates = {c: as_dates(frame, c) for c in columns}
    keyed = pl.DataFrame({"__person__": frame.get_column(person)})
    if starts is None:  # no batch held a date
        return frame.with_columns(pl.lit(None, dtype=pl.Int32).alias(c) for c in columns)
    start = keyed.join(
        starts, on="__person__", how="left", maintain_order="left", nulls_equal=True
    )["_start"]
    return frame.with_columns(
        (s - start).dt.total_days().cast(pl.Int32).alias(c) for c, s in dates.items()
    )
