"""One scoring engine: responses -> scale scores, bands and flags.

The same function scores one web submission and ten million research rows.

>>> import polars as pl
>>> from alliance.scoring import score
>>> answers = pl.DataFrame({"id": ["a"], **{f"phq9_{n}": [1] for n in range(1, 10)}})
>>> result = score(answers, "phq9")
>>> result.scores.select("phq9_total", "phq9_band").row(0)
(9.0, 'mild')

Output types (:func:`output_schema`) depend on the instrument alone: a
whole-number total as the smallest exact integer type, prorated totals,
means and item means as Float64, bands as an Enum of their labels, flags
as Boolean, notes as String.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from alliance.errors import DataError
from alliance.instruments import Instrument, resolve
from alliance.scoring.expressions import (
    band_column,
    band_expr,
    band_labels,
    flag_expr,
    scale_exprs,
    score_dtype,
    unanswered_flag_note,
)
from alliance.scoring.validate import (
    ItemSpec,
    check_columns,
    check_duplicates,
    count_invalid,
    find_invalid,
    item_specs,
    raise_first_invalid,
    raise_report_row,
)

OnInvalid = Literal["raise", "skip"]

__all__ = [
    "OnInvalid",
    "ScoreResult",
    "output_columns",
    "output_schema",
    "score",
    "score_dtype",
    "score_many",
]


@dataclass(frozen=True)
class ScoreResult:
    """Scored rows, plus the report of rows left out with ``on_invalid="skip"``.

    ``timings`` holds the seconds :func:`score` spent checking the data
    (``"validate"``) and computing the scores (``"score"``), for benchmarks.
    """

    scores: pl.DataFrame
    skipped: pl.DataFrame
    timings: Mapping[str, float] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_skipped_rows(self) -> int:
        return int(self.skipped["row"].n_unique()) if self.skipped.height else 0


def _instruments(instruments: Instrument | str | Sequence[Instrument | str]) -> list[Instrument]:
    if isinstance(instruments, (Instrument, str)):
        instruments = [instruments]
    resolved = [i if isinstance(i, Instrument) else resolve(i) for i in instruments]
    ids = [i.id for i in resolved]
    if len(set(ids)) != len(ids):
        raise ValueError(f"an instrument is listed twice: {ids}")
    if not resolved:
        raise ValueError("name at least one instrument to score")
    return resolved


def output_columns(instrument: Instrument) -> list[str]:
    """The columns :func:`score` adds for an instrument, in order."""
    cols: list[str] = []
    for scale in instrument.scales:
        name = f"{instrument.id}_{scale.id}"
        cols.append(name)
        if scale.method == "sum":
            cols.append(f"{name}_mean")
    if instrument.scales:
        cols.append(f"{instrument.id}_note")
    cols.extend(band_column(instrument, s) for s in instrument.scales if s.bands)
    cols.extend(f"{instrument.id}_flag_{f.id}" for f in instrument.flags)
    return cols


def output_schema(instrument: Instrument) -> dict[str, pl.DataType]:
    """The columns :func:`score` adds for an instrument, with their dtypes, in order.

    Scores: :func:`alliance.scoring.expressions.score_dtype` (Int8 ... Int64
    for whole-number totals, otherwise Float64); item means Float64; the
    note String; bands an Enum of the band labels, mildest first; flags
    Boolean. The in-memory, streamed and DuckDB paths all write these types.

    >>> from alliance.instruments import get
    >>> {k: str(v) for k, v in output_schema(get("cnip")).items()}["cnip_past_orientation"]
    'Int8'
    """
    dtypes: dict[str, pl.DataType] = {}
    for scale in instrument.scales:
        name = f"{instrument.id}_{scale.id}"
        dtypes[name] = score_dtype(instrument, scale)
        if scale.method == "sum":
            dtypes[f"{name}_mean"] = pl.Float64()
    if instrument.scales:
        dtypes[f"{instrument.id}_note"] = pl.String()
    for scale in instrument.scales:
        if scale.bands:
            dtypes[band_column(instrument, scale)] = band_labels(scale.bands)
    for flag in instrument.flags:
        dtypes[f"{instrument.id}_flag_{flag.id}"] = pl.Boolean()
    return dtypes


@dataclass(frozen=True)
class _Plan:
    """How to score one instrument in a given frame."""

    first: list[pl.Expr]  # scores, item means and the note column (placeholder)
    second: list[pl.Expr]  # bands and flags, which read the scores
    note: str | None  # the note column, when notes must be built
    note_expr: pl.Expr | None
    note_items: list[str]


def _plan(instrument: Instrument, frame: pl.DataFrame) -> _Plan:
    """Expressions for one instrument, specialised to the frame's dtypes and blanks.

    A scale none of whose items is missing in any row (``null_count`` is
    free) skips the missing-data arithmetic; an instrument with no missing
    item anywhere gets an all-null note column without building any text.
    The values are the same either way.
    """
    schema = dict(frame.schema)
    first: list[pl.Expr] = []
    notes: list[pl.Expr] = []
    second: list[pl.Expr] = []
    note_items: list[str] = []
    for flag in instrument.flags:
        if flag.item is not None:
            item_col = instrument.item_column(flag.item)
            notes.append(unanswered_flag_note(instrument, flag))
            if frame[item_col].null_count():
                note_items.append(item_col)
    for scale in instrument.scales:
        columns = [instrument.item_column(n) for n in scale.items]
        complete = all(frame[c].null_count() == 0 for c in columns)
        s, m, note = scale_exprs(instrument, scale, schema, complete=complete)
        first.append(s)
        if scale.method == "sum":
            first.append(m)
        notes.append(note)
        if not complete:
            note_items.extend(c for c in columns if c not in note_items)
        if scale.bands:
            column = pl.col(f"{instrument.id}_{scale.id}")
            second.append(band_expr(column, scale.bands).alias(band_column(instrument, scale)))
    second.extend(flag_expr(instrument, f, schema) for f in instrument.flags)
    note_name: str | None = None
    note_expr: pl.Expr | None = None
    if notes:
        # Placeholder in the note's place; replaced below when some item is missing.
        first.append(pl.lit(None, dtype=pl.String).alias(f"{instrument.id}_note"))
        if note_items:
            note_name = f"{instrument.id}_note"
            joined = pl.concat_str(notes, separator="; ", ignore_nulls=True)
            note_expr = pl.when(joined == "").then(None).otherwise(joined).alias(note_name)
    return _Plan(first, second, note_name, note_expr, note_items)


#: Most rows scored in one piece (see :func:`_pieces`).
PIECE_ROWS = 1 << 20


def _pieces(frame: pl.DataFrame, rows: int | None = None) -> list[pl.DataFrame]:
    """Zero-copy row slices of at most ``rows`` rows, each one chunk in every column.

    Scored piece by piece (in parallel, with :func:`polars.collect_all`),
    the working columns stay the size of a piece and are reused, and every
    output column is chunked like the input, so later selections need no
    copy. A frame whose columns are chunked differently, or in many small
    chunks, is made contiguous first.
    """
    rows = rows or PIECE_ROWS
    if frame.height <= rows or not frame.columns:
        return [frame]
    lengths = frame.get_column(frame.columns[0]).chunk_lengths()
    aligned = all(frame.get_column(c).chunk_lengths() == lengths for c in frame.columns[1:])
    if not aligned or len(lengths) * (rows // 16) > frame.height:
        frame = frame.rechunk()
        lengths = [frame.height]
    pieces: list[pl.DataFrame] = []
    start = 0
    for length in lengths:
        pieces.extend(frame.slice(start + a, min(rows, length - a)) for a in range(0, length, rows))
        start += length
    return pieces


def _sparse_notes(frame: pl.DataFrame, note: pl.Expr, items: Sequence[str]) -> pl.Series:
    """The note column, with the text built only for rows missing an item.

    Rows with every item answered get a null note whatever the expression,
    so it is evaluated on the rows with a blank and placed back by position.
    """
    blank = pl.any_horizontal([pl.col(c).is_null() for c in items])
    position = frame.select(
        pl.when(blank).then(blank.cum_sum().cast(pl.Int64) - 1).alias("position")
    ).to_series()
    texts = frame.lazy().filter(blank).select(note).collect().to_series()
    return texts.gather(position)


def score(
    data: pl.DataFrame | pl.LazyFrame,
    instruments: Instrument | str | Sequence[Instrument | str],
    *,
    on_invalid: OnInvalid = "raise",
    keys: Sequence[str] = ("id", "session"),
) -> ScoreResult:
    """Score one or more instruments in a wide frame (one column per item).

    Item columns are named ``{instrument}_{n}``; output columns are
    ``{instrument}_{scale}`` (sum or mean as the instrument says),
    ``{instrument}_{scale}_mean`` (item mean, for summed scales),
    ``{instrument}_band`` / ``{instrument}_{scale}_band``,
    ``{instrument}_flag_{flag}`` and ``{instrument}_note`` (missing-data
    notes; empty when every item was answered). Input columns are kept.

    Bad data are never coerced: with ``on_invalid="raise"`` the first bad
    cell stops the run with its row, column and value; with ``"skip"`` each
    row holding a bad cell is left out and listed in ``result.skipped``.
    Rows repeating a key (``id`` and ``session`` when both are present)
    always stop the run.
    """
    if on_invalid not in ("raise", "skip"):
        raise ValueError(f"on_invalid must be 'raise' or 'skip', not {on_invalid!r}")
    chosen = _instruments(instruments)
    frame = data.collect() if isinstance(data, pl.LazyFrame) else data
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"expected a polars DataFrame or LazyFrame, got {type(data).__name__}")
    started = time.perf_counter()
    check_duplicates(frame, keys)
    specs: list[ItemSpec] = [s for inst in chosen for s in item_specs(inst)]
    frame, text_invalid = check_columns(frame, specs)
    clash = [c for inst in chosen for c in output_columns(inst) if c in frame.columns]
    if clash:
        raise DataError(
            f"input already has output column(s) {', '.join(clash[:5])}; "
            "rename or drop them so nothing is overwritten",
            column=clash[0],
        )
    skipped = text_invalid
    if on_invalid == "raise":
        raise_report_row(text_invalid)
    if text_invalid.height or count_invalid(frame, specs):
        if on_invalid == "raise":
            raise_first_invalid(frame, specs)
        skipped = pl.concat([text_invalid, find_invalid(frame, specs)]).sort("row", "column")
        bad_rows = skipped["row"].unique()
        frame = (
            frame.with_row_index("__row", offset=1)
            .filter(~pl.col("__row").is_in(bad_rows.implode()))
            .drop("__row")
        )
    validated = time.perf_counter()
    plans = [_plan(inst, frame) for inst in chosen]
    first = [e for p in plans for e in p.first]
    second = [e for p in plans for e in p.second]
    pieces = _pieces(frame)
    queries = [piece.lazy().with_columns(first) for piece in pieces]
    if second:
        queries = [q.with_columns(second) for q in queries]
    parts = pl.collect_all(queries, engine="in-memory")
    for i, piece in enumerate(pieces):
        notes = [
            _sparse_notes(piece, p.note_expr, p.note_items).alias(p.note)
            for p in plans
            if p.note is not None
            and p.note_expr is not None
            and any(piece[c].null_count() for c in p.note_items)
        ]
        if notes:
            parts[i] = parts[i].with_columns(notes)
    scores = parts[0] if len(parts) == 1 else pl.concat(parts, rechunk=False)
    timings = {"validate": validated - started, "score": time.perf_counter() - validated}
    return ScoreResult(scores=scores, skipped=skipped, timings=timings)


def score_many(
    data: pl.DataFrame | pl.LazyFrame,
    instruments: Sequence[Instrument | str],
    **kwargs: object,
) -> ScoreResult:
    """Alias of :func:`score` for several instruments (kept for readability)."""
    return score(data, instruments, **kwargs)  # type: ignore[arg-type]
