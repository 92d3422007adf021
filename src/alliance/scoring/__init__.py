"""One scoring engine: responses -> scale scores, bands and flags.

The same function scores one web submission and ten million research rows.

>>> import polars as pl
>>> from alliance.scoring import score
>>> answers = pl.DataFrame({"id": ["a"], **{f"phq9_{n}": [1] for n in range(1, 10)}})
>>> result = score(answers, "phq9")
>>> result.scores.select("phq9_total", "phq9_band").row(0)
(9.0, 'mild')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from alliance.errors import DataError
from alliance.instruments import Instrument, resolve
from alliance.scoring.expressions import band_column, band_expr, flag_expr, scale_exprs
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

__all__ = ["OnInvalid", "ScoreResult", "output_columns", "score", "score_many"]


@dataclass(frozen=True)
class ScoreResult:
    """Scored rows, plus the report of rows left out with ``on_invalid="skip"``."""

    scores: pl.DataFrame
    skipped: pl.DataFrame

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


def _score_exprs(instrument: Instrument) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """First-pass expressions (scores, means, notes) and second-pass ones (bands, flags)."""
    first: list[pl.Expr] = []
    notes: list[pl.Expr] = []
    second: list[pl.Expr] = []
    for scale in instrument.scales:
        s, m, note = scale_exprs(instrument, scale)
        first.append(s)
        if scale.method == "sum":
            first.append(m)
        notes.append(note)
        if scale.bands:
            column = pl.col(f"{instrument.id}_{scale.id}")
            second.append(band_expr(column, scale.bands).alias(band_column(instrument, scale)))
    second.extend(flag_expr(instrument, f) for f in instrument.flags)
    if notes:
        joined = pl.concat_str(notes, separator="; ", ignore_nulls=True)
        first.append(
            pl.when(joined == "").then(None).otherwise(joined).alias(f"{instrument.id}_note")
        )
    return first, second


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
    first: list[pl.Expr] = []
    second: list[pl.Expr] = []
    for inst in chosen:
        f, s = _score_exprs(inst)
        first.extend(f)
        second.extend(s)
    scored = frame.lazy().with_columns(first)
    if second:
        scored = scored.with_columns(second)
    return ScoreResult(scores=scored.collect(), skipped=skipped)


def score_many(
    data: pl.DataFrame | pl.LazyFrame,
    instruments: Sequence[Instrument | str],
    **kwargs: object,
) -> ScoreResult:
    """Alias of :func:`score` for several instruments (kept for readability)."""
    return score(data, instruments, **kwargs)  # type: ignore[arg-type]
