"""Data larger than memory: read in batches, keep each client's sessions together, write as you go.

The in-memory functions (:func:`alliance.scoring.score`,
:func:`alliance.stats.ruptures.detect_ruptures`,
:func:`alliance.stats.change.classify_change`) do the work; this module only
feeds them pieces small enough for the memory setting and writes their
output piece by piece, so the numbers are the same as in memory:

* row-by-row steps (scoring) take the input in batches of rows
  (:func:`batches`; Polars' streaming reader, ``collect_batches``);
* per-client steps (ruptures, change) need all of a client's sessions at
  once. :func:`client_groups` yields frames of whole clients in ascending id
  order: sorted input (ids ascending, as exports usually come) streams
  directly, carrying a client split between two batches over to the next;
  other input is first split into id ranges (bounds from a sample of the
  ids) written to temporary Parquet files, each then read, sorted and
  processed alone. Either way the output rows come in the in-memory order
  (by id, then session).

Batch size follows the memory setting (default 2 GB): about
``memory / (12 x bytes per input row)`` rows, since scoring holds the batch,
its checks and its output columns at once. Output is written to
``OUTPUT.partial`` and renamed when every check has passed, so a data error
leaves no half-written file. Parquet and CSV inputs stream; other formats
are read whole.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from alliance.errors import DataError

__all__ = [
    "DEFAULT_MEMORY",
    "WORKING_FACTOR",
    "Progress",
    "TableSink",
    "batch_rows",
    "batches",
    "client_groups",
    "column_width",
    "parquet_options",
    "parse_memory",
    "per_client_file",
    "scan",
    "score_file",
    "shift_rows",
    "should_stream",
    "sorted_copy",
]

DEFAULT_MEMORY = 2 * 1024**3
#: Working memory of a batch, as a multiple of its input size (scoring: input, checks, outputs).
WORKING_FACTOR = 12
MIN_BATCH, MAX_BATCH = 10_000, 4_000_000

Progress = Callable[[int], None]


def parse_memory(text: str) -> int:
    """``"2GB"``, ``"512MB"``, ``"1.5G"`` or a number of bytes -> bytes.

    >>> parse_memory("2GB"), parse_memory("512MB")
    (2147483648, 536870912)
    """
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*", text.lower())
    if found is None:
        raise ValueError(f"memory must look like 2GB or 512MB, not {text!r}")
    scale = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}[found.group(2)]
    value = int(float(found.group(1)) * scale)
    if value < 16 * 1024**2:
        raise ValueError(f"memory {text!r} is too small; give at least 16MB")
    return value


def column_width(dtype: pl.DataType) -> int:
    """About how many bytes one value of ``dtype`` takes in memory (for sizing batches)."""
    if dtype == pl.String or dtype == pl.Categorical:
        return 24
    if dtype == pl.Boolean:
        return 1
    if dtype in (pl.Int8, pl.UInt8):
        return 1
    if dtype in (pl.Int16, pl.UInt16):
        return 2
    if dtype in (pl.Int32, pl.UInt32, pl.Float32, pl.Date):
        return 4
    return 8 if dtype.is_numeric() or dtype.is_temporal() else 16


def batch_rows(schema: pl.Schema, memory: int = DEFAULT_MEMORY) -> int:
    """Rows per batch for an input of this schema within ``memory`` bytes."""
    row = sum(column_width(t) for t in schema.values()) or 8
    return int(min(MAX_BATCH, max(MIN_BATCH, memory // (row * WORKING_FACTOR))))


def scan(path: Path, text_columns: Sequence[str] = ("id",)) -> pl.LazyFrame:
    """A lazy scan of a Parquet or CSV/TSV file, read as :func:`alliance.io.read_table` reads it."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if suffix in (".parquet", ".pq"):
        return pl.scan_parquet(path)
    if suffix in (".csv", ".tsv", ".txt"):
        separator = "\t" if suffix == ".tsv" else ","
        header = pl.read_csv(path, separator=separator, n_rows=0).columns
        return pl.scan_csv(
            path,
            separator=separator,
            infer_schema_length=None,
            null_values=[""],
            try_parse_dates=False,
            schema_overrides={c: pl.String for c in text_columns if c in header},
        )
    from alliance import io

    return io.read_table(path, text_columns=tuple(text_columns)).lazy()


def batches(lazy: pl.LazyFrame, rows: int) -> Iterator[pl.DataFrame]:
    """The frame in batches of at most ``rows`` rows, in input order."""
    pending: list[pl.DataFrame] = []
    held = 0
    for part in lazy.collect_batches(chunk_size=rows, maintain_order=True):
        pending.append(part)
        held += part.height
        while held >= rows:
            whole = pl.concat(pending, rechunk=False)
            yield whole.slice(0, rows)
            rest = whole.slice(rows)
            pending, held = ([rest], rest.height) if rest.height else ([], 0)
    if held:
        yield pl.concat(pending, rechunk=False)


def shift_rows(error: DataError, offset: int) -> DataError:
    """``error`` with its row numbers moved on by ``offset`` (rows in earlier batches)."""
    if offset == 0:
        return error

    def move(found: re.Match[str]) -> str:
        numbers = [str(int(n) + offset) for n in re.findall(r"\d+", found.group(2))]
        return found.group(1) + ", ".join(numbers)

    message = re.sub(r"^(rows? )(\d+(?:, \d+)*)", move, str(error), count=1)
    row = error.row + offset if error.row is not None else None
    return DataError(message, row=row, column=error.column, value=error.value)


#: Columns whose Parquet statistics (per row group minimum and maximum) are written.
STATISTICS_COLUMNS = ("id", "session")


class TableSink:
    """Writes frames one after another to Parquet or CSV/TSV, into ``path`` only when done.

    The rows go to ``path.partial``; :meth:`commit` renames it to ``path``
    and :meth:`discard` removes it, so a failed run leaves no partial output.

    Parquet (:func:`parquet_options`): zstd; integer columns (items, ids,
    sessions, whole-number totals) delta-encoded, every other column
    dictionary-encoded where it pays (pyarrow's default); min/max statistics
    only for the key columns (:data:`STATISTICS_COLUMNS`), which readers use
    to skip row groups when filtering by client. Both choices cut the writing
    time (bench/README.md, "Scale").

    With ``background=True`` each frame is encoded and written in one worker
    thread while the caller prepares the next one (pyarrow and Polars release
    the interpreter lock while they encode), so reading and scoring overlap
    with writing; at most one frame waits, and an error in the worker is
    raised by the next :meth:`write` or by :meth:`commit`.
    """

    def __init__(self, path: Path, *, background: bool = False) -> None:
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".pq", ".csv", ".tsv"):
            raise DataError(
                f"{path}: streamed output is written as .parquet, .csv or .tsv "
                "(or use --in-memory for other formats)"
            )
        if path.parent and not path.parent.exists():
            raise DataError(f"{path}: folder {path.parent} does not exist")
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self.rows = 0
        self._parquet = suffix in (".parquet", ".pq")
        self._separator = "\t" if suffix == ".tsv" else ","
        self._writer: Any = None
        self._schema: pl.Schema | None = None
        self._worker = ThreadPoolExecutor(1, "alliance-sink") if background else None
        self._pending: Future[None] | None = None

    def write(self, frame: pl.DataFrame) -> None:
        if self._schema is None:
            self._schema = frame.schema
        elif frame.schema != self._schema:
            frame = frame.cast(dict(self._schema))  # type: ignore[arg-type]
        first = self.rows == 0 and self._pending is None and self._writer is None
        self.rows += frame.height
        if self._worker is None:
            self._put(frame, first)
            return
        self._wait()
        self._pending = self._worker.submit(self._put, frame, first)

    def _put(self, frame: pl.DataFrame, first: bool) -> None:
        if self._parquet:
            import pyarrow.parquet as pq

            table = frame.to_arrow()
            if self._writer is None:
                self._writer = pq.ParquetWriter(self.partial, table.schema, **parquet_options(table.schema))
            self._writer.write_table(table)
        else:
            with self.partial.open("wb" if first else "ab") as out:
                frame.write_csv(out, separator=self._separator, include_header=first)

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def _close(self) -> None:
        try:
            self._wait()
        finally:
            if self._worker is not None:
                self._worker.shutdown()
                self._worker = None
            if self._writer is not None:
                self._writer.close()
                self._writer = None

    def commit(self) -> int:
        self._close()
        if self.rows == 0 and self._schema is None:
            raise DataError(f"{self.path}: nothing to write (the input has no rows)")
        self.partial.replace(self.path)
        return self.rows

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self._close()
        self.partial.unlink(missing_ok=True)


def parquet_options(schema: Any) -> dict[str, Any]:
    """``pyarrow.parquet.ParquetWriter`` settings for a table of this (Arrow) schema.

    Integer columns are written with Parquet's DELTA_BINARY_PACKED encoding
    (bit-packed differences: sorted ids and sessions shrink to almost
    nothing, 0-6 answers to a few bits) instead of dictionary encoding, which
    costs about twice the CPU for such columns (bench/README.md, "Scale");
    every reader of Parquet 2 files (pyarrow, Polars, DuckDB, Spark 3.3+)
    reads it. Other columns keep dictionary encoding; zstd throughout.

    >>> import pyarrow as pa
    >>> opts = parquet_options(pa.schema([("id", pa.int64()), ("band", pa.string())]))
    >>> opts["column_encoding"], opts["use_dictionary"]
    ({'id': 'DELTA_BINARY_PACKED'}, ['band'])
    """
    import pyarrow as pa

    ints = [f.name for f in schema if pa.types.is_integer(f.type)]
    keys = [c for c in STATISTICS_COLUMNS if c in schema.names]
    return {
        "compression": "zstd",
        "write_statistics": keys or False,
        "use_dictionary": [n for n in schema.names if n not in ints],
        "column_encoding": {c: "DELTA_BINARY_PACKED" for c in ints} or None,
    }


@dataclass
class _Ranges:
    """Id ranges for unsorted input: ``bounds`` split the ids into ``len(bounds) + 1`` parts."""

    bounds: pl.Series

    def part(self, ids: pl.Series) -> pl.Series:
        return self.bounds.search_sorted(ids, side="right")


def _id_ranges(lazy: pl.LazyFrame, id_col: str, parts: int, rows: int) -> _Ranges:
    """Bounds at the quantiles of a sample of the ids (every ``step``-th distinct id)."""
    sample: list[pl.Series] = []
    for batch in batches(lazy.select(id_col), rows):
        ids = batch[id_col].drop_nulls().unique()
        take = max(1, ids.len() // 2000)
        sample.append(ids.sort().gather_every(take))
    if not sample:
        return _Ranges(pl.Series(id_col, [], dtype=lazy.collect_schema()[id_col]))
    pool = pl.concat(sample).unique().sort()
    picks = [pool[min(pool.len() - 1, (i * pool.len()) // parts)] for i in range(1, parts)]
    bounds = pl.Series(id_col, picks, dtype=pool.dtype).unique().sort()
    return _Ranges(bounds)


def client_groups(
    lazy: pl.LazyFrame,
    *,
    id_col: str = "id",
    memory: int = DEFAULT_MEMORY,
    prepare: Callable[[pl.DataFrame, int], pl.DataFrame] | None = None,
    progress: Progress | None = None,
    restart: Callable[[], None] | None = None,
) -> Iterator[pl.DataFrame]:
    """Frames of whole clients, in ascending id order (see the module docstring).

    ``prepare(batch, offset)`` runs on each input batch first (``offset``: rows
    before it), e.g. to score it and keep only the columns the step needs;
    ``progress(rows)`` is told how many input rows each batch held. When the
    ids turn out not to be ascending after some frames were yielded,
    ``restart()`` is called before the frames start again from the first
    client (the caller throws away what it wrote).
    """
    prepare = prepare or (lambda batch, _offset: batch)
    schema = lazy.collect_schema()
    if id_col not in schema:
        raise DataError(f"missing column {id_col!r}", column=id_col)
    rows = batch_rows(schema, memory)
    carry: pl.DataFrame | None = None
    last: object = None
    offset = 0
    for batch in batches(lazy, rows):
        ids = batch[id_col]
        if ids.null_count():
            raise DataError(f"column {id_col!r} has missing values", column=id_col)
        ascending = ids.is_sorted() and (last is None or ids[0] >= last)
        if not ascending:
            if offset and restart is not None:
                restart()
            yield from _partitioned(lazy, id_col, memory, rows, prepare, progress)
            return
        last = ids[-1]
        ready = prepare(batch, offset)
        offset += batch.height
        if progress is not None:
            progress(batch.height)
        if carry is not None:
            ready = pl.concat([carry, ready], how="vertical_relaxed")
        cut = ready.height - int(ready[id_col].rle().struct.field("len")[-1])
        if cut > 0:
            yield ready.slice(0, cut)
        carry = ready.slice(cut)
    if carry is not None and carry.height:
        yield carry


def _partitioned(
    lazy: pl.LazyFrame,
    id_col: str,
    memory: int,
    rows: int,
    prepare: Callable[[pl.DataFrame, int], pl.DataFrame],
    progress: Progress | None,
) -> Iterator[pl.DataFrame]:
    """Unsorted input: id ranges to temporary Parquet files, then each range sorted and yielded."""
    import pyarrow.parquet as pq

    schema = lazy.collect_schema()
    row_bytes = sum(column_width(t) for t in schema.values()) or 8
    total = lazy.select(pl.len()).collect(engine="streaming").item()
    parts = max(1, math.ceil(total * row_bytes * WORKING_FACTOR / memory))
    ranges = _id_ranges(lazy, id_col, parts, rows)
    folder = Path(tempfile.mkdtemp(prefix="alliance-parts-"))
    writers: dict[int, pq.ParquetWriter] = {}
    try:
        offset = 0
        for batch in batches(lazy, rows):
            ready = prepare(batch, offset)
            offset += batch.height
            if progress is not None:
                progress(batch.height)
            tagged = ready.with_columns(ranges.part(ready[id_col]).alias("__part"))
            for (key,), piece in tagged.group_by("__part", maintain_order=True):
                table = piece.drop("__part").to_arrow()
                number = int(key)
                if number not in writers:
                    writers[number] = pq.ParquetWriter(
                        folder / f"{number:05d}.parquet", table.schema
                    )
                writers[number].write_table(table)
        for writer in writers.values():
            writer.close()
        writers.clear()
        for number in sorted(int(p.stem) for p in folder.glob("*.parquet")):
            frame = pl.read_parquet(folder / f"{number:05d}.parquet")
            yield frame.sort(id_col, maintain_order=True)
    finally:
        for writer in writers.values():
            writer.close()
        shutil.rmtree(folder, ignore_errors=True)


def rate(rows: int, started: float) -> str:
    """``"1,234,567 rows (345,678 rows/s)"`` for progress messages."""
    seconds = max(time.perf_counter() - started, 1e-9)
    return f"{rows:,} rows ({rows / seconds:,.0f} rows/s)"


def _check_keys_by_range(lazy: pl.LazyFrame, keys: Sequence[str], memory: int) -> None:
    """Repeated keys anywhere in unsorted input: each id range checked alone."""
    for group in client_groups(lazy.select(keys), id_col=keys[0], memory=memory):
        repeated = group.filter(pl.struct(keys).is_duplicated())
        if repeated.height:
            key = repeated.row(0)
            raise DataError(
                f"({', '.join(keys)}) = {key!r} appears more than once; each must be one row",
                column=keys[-1],
                value=key,
            )


def score_file(
    path: Path,
    output: Path,
    instruments: Sequence[object],
    *,
    on_invalid: str = "raise",
    keys: Sequence[str] = ("id", "session"),
    memory: int = DEFAULT_MEMORY,
    progress: Progress | None = None,
    drop: Sequence[str] = (),
) -> tuple[int, pl.DataFrame]:
    """Score a file batch by batch into ``output``; returns (rows written, skipped-cells report).

    The same checks and numbers as :func:`alliance.scoring.score` on the
    whole file: bad cells name their row in the file; repeated keys are found
    across batches too (sorted input by comparing each batch with the last
    key before it, other input by id range after the scoring pass).
    """
    from alliance.scoring import score
    from alliance.scoring.validate import strictly_increasing

    lazy = scan(path)
    schema = lazy.collect_schema()
    present = [k for k in keys if k in schema]
    rows = batch_rows(schema, memory)
    sink = TableSink(output, background=True)
    skipped: list[pl.DataFrame] = []
    offset = 0
    last_key: tuple[object, ...] | None = None
    ordered = True
    try:
        for batch in batches(lazy, rows):
            try:
                result = score(batch, instruments, on_invalid=on_invalid, keys=present)  # type: ignore[arg-type]
            except DataError as exc:
                raise shift_rows(exc, offset) from None
            if result.skipped.height:
                skipped.append(result.skipped.with_columns(pl.col("row") + offset))
            if present and ordered:
                first = batch.select(present).row(0)
                ordered = (last_key is None or first > last_key) and strictly_increasing(
                    batch, present
                )
                last_key = batch.select(present).row(-1)
            scores = result.scores
            if drop:
                scores = scores.drop([c for c in drop if c in scores.columns])
            sink.write(scores)
            offset += batch.height
            if progress is not None:
                progress(batch.height)
        if present and not ordered:
            _check_keys_by_range(lazy, present, memory)
        written = sink.commit()
    except BaseException:
        sink.discard()
        raise
    report = pl.concat(skipped) if skipped else pl.DataFrame()
    return written, report


def per_client_file(
    path: Path,
    output: Path | None,
    step: Callable[[pl.DataFrame], pl.DataFrame],
    *,
    prepare: Callable[[pl.DataFrame, int], pl.DataFrame] | None = None,
    id_col: str = "id",
    memory: int = DEFAULT_MEMORY,
    progress: Progress | None = None,
    restart: Callable[[], None] | None = None,
) -> int:
    """Run a per-client ``step`` (e.g. rupture detection) over whole clients, writing as it goes.

    Returns the rows ``step`` produced (written to ``output`` unless it is
    None). ``step`` must return its rows sorted by id (as ``detect_ruptures``
    and ``classify_change`` do): the output is then in the in-memory order.
    ``restart`` is called if the input turns out unsorted after some groups
    were processed (see :func:`client_groups`); the written rows are then
    thrown away here.
    """
    sink = TableSink(output, background=True) if output is not None else None
    produced = 0

    def again() -> None:
        nonlocal sink, produced
        produced = 0
        if sink is not None:
            sink.discard()
            sink = TableSink(sink.path, background=True)
        if restart is not None:
            restart()

    try:
        for group in client_groups(
            scan(path), id_col=id_col, memory=memory, prepare=prepare, progress=progress,
            restart=again,
        ):  # fmt: skip
            result = step(group)
            produced += result.height
            if sink is not None:
                sink.write(result)
        if sink is not None:
            sink.commit()
        return produced
    except BaseException:
        if sink is not None:
            sink.discard()
        raise


def sorted_copy(
    path: Path,
    folder: Path,
    *,
    prepare: Callable[[pl.DataFrame, int], pl.DataFrame],
    id_col: str = "id",
    session_col: str = "session",
    memory: int = DEFAULT_MEMORY,
    progress: Progress | None = None,
) -> Path:
    """The prepared input as one Parquet file in ``folder``, sorted by (id, session).

    For steps that read the data more than once (the pooled noise of
    ``alliance ruptures`` needs every client before any is judged): the
    input is read, checked and prepared once (``prepare(batch, offset)``,
    e.g. scored and cut to the three columns needed), whole clients at a
    time, and every later pass reads this sorted copy, which streams
    directly through :func:`client_groups` without partitioning again.
    """
    sink = TableSink(folder / "sorted.parquet", background=True)

    def again() -> None:
        nonlocal sink
        sink.discard()
        sink = TableSink(sink.path, background=True)

    try:
        for group in client_groups(
            scan(path), id_col=id_col, memory=memory, prepare=prepare, progress=progress,
            restart=again,
        ):  # fmt: skip
            sink.write(group.sort(id_col, session_col, maintain_order=True))
        sink.commit()
    except BaseException:
        sink.discard()
        raise
    return sink.path


def should_stream(path: Path, memory: int = DEFAULT_MEMORY) -> bool:
    """True when a Parquet or CSV file would need more than ``memory`` to process whole."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return False
    if suffix in (".parquet", ".pq"):
        lazy = pl.scan_parquet(path)
        try:
            row = sum(column_width(t) for t in lazy.collect_schema().values())
            size = int(lazy.select(pl.len()).collect().item()) * row
        except (pl.exceptions.PolarsError, OSError):
            return False  # not readable as Parquet: the in-memory reader reports why
    elif suffix in (".csv", ".tsv", ".txt"):
        size = path.stat().st_size
    else:
        return False
    return size * WORKING_FACTOR > memory
