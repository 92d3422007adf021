"""Which columns a report reads: the instruments present, their scores, and defaults.

A scored data file has one row per client and session: an id column, a
session column, optionally a therapist column, item columns
(``wai_sr_1`` ... ``wai_sr_12``) and/or scale score columns
(``wai_sr_total``, as :func:`alliance.scoring.output_columns` names them).
Instruments whose items are present but whose scores are not are scored
here with the one scoring engine, :func:`alliance.scoring.score`.

>>> import polars as pl
>>> frame = pl.DataFrame({"id": ["a"], "session": [1], "phq9_total": [12.0]})
>>> [f.instrument.id for f in find_instruments(frame)]
['phq9']
>>> default_column(frame, OUTCOME_DEFAULTS, "outcome")
'phq9_total'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from alliance.errors import DataError
from alliance.instruments import Instrument, registry
from alliance.scoring import output_columns, score

__all__ = [
    "ALLIANCE_DEFAULTS",
    "OUTCOME_DEFAULTS",
    "Found",
    "ScaleInfo",
    "default_column",
    "find_instruments",
    "require_column",
    "scale_info",
    "score_missing",
]

#: Alliance score columns tried in this order when none is named: the one
#: with the most scored sessions wins, ties going to the earlier one.
ALLIANCE_DEFAULTS: tuple[str, ...] = ("wai_sr_total", "sai_total", "wai_sr_t_total")
#: Outcome score columns tried in the same way.
OUTCOME_DEFAULTS: tuple[str, ...] = ("phq9_total", "gad7_total")


@dataclass(frozen=True)
class Found:
    """One instrument in the data: its item columns (if all present) and score columns."""

    instrument: Instrument
    items: tuple[str, ...]
    scores: tuple[str, ...]

    @property
    def what(self) -> str:
        if self.items and self.scores:
            return "items and scores"
        return "items" if self.items else "scores"


@dataclass(frozen=True)
class ScaleInfo:
    """What a score column measures: label, possible range and direction."""

    label: str
    low: float
    high: float
    higher_is_better: bool | None
    instrument: Instrument | None = None
    scale_id: str | None = None


def _score_columns(inst: Instrument) -> list[str]:
    return [f"{inst.id}_{s.id}" for s in inst.scales]


def find_instruments(frame: pl.DataFrame) -> list[Found]:
    """Instruments with all their required scored item columns, or any score column, present."""
    found = []
    for inst in sorted(registry().values(), key=lambda i: i.id):
        needed = [inst.item_column(n) for n in inst.scored_items() if inst.item(n).required]
        items = [inst.item_column(n) for n in inst.scored_items()]
        has_items = bool(needed) and all(c in frame.columns for c in needed)
        scores = [c for c in _score_columns(inst) if c in frame.columns]
        if has_items or scores:
            present = tuple(c for c in items if c in frame.columns) if has_items else ()
            found.append(Found(inst, present, tuple(scores)))
    return found


def score_missing(
    frame: pl.DataFrame, found: Sequence[Found], keys: Sequence[str]
) -> tuple[pl.DataFrame, list[Found]]:
    """Score the instruments that have items but no score column yet.

    Returns the frame with the scores added and the updated list. An
    instrument with some but not all of its output columns is left as it is
    (scoring would overwrite them).
    """
    todo = [
        f.instrument
        for f in found
        if f.items and not any(c in frame.columns for c in output_columns(f.instrument))
    ]
    if not todo:
        return frame, list(found)
    scored = score(frame, todo, keys=tuple(keys)).scores
    return scored, find_instruments(scored)


def require_column(frame: pl.DataFrame, column: str, what: str) -> None:
    """A DataError naming the missing column and the columns there are."""
    if column not in frame.columns:
        shown = ", ".join(frame.columns[:12]) + (" ..." if frame.width > 12 else "")
        raise DataError(
            f"{what} column {column!r} is not in the data; columns: {shown}", column=column
        )


def default_column(frame: pl.DataFrame, candidates: Sequence[str], what: str) -> str | None:
    """The candidate column with the most non-missing values (the first on a tie), or None."""
    present = [c for c in candidates if c in frame.columns]
    if not present:
        return None
    counts = [frame.height - frame.get_column(c).null_count() for c in present]
    return present[counts.index(max(counts))]


def scale_info(frame: pl.DataFrame, column: str) -> ScaleInfo:
    """Label, range and direction of a score column.

    ``{instrument}_{scale}`` columns take them from the instrument file (a
    summed scale ranges from items x lowest to items x highest answer; a
    mean scale and ``_mean`` columns from the lowest to the highest answer);
    any other numeric column gets its name, the data's own range and an
    unknown direction.
    """
    for inst in sorted(registry().values(), key=lambda i: len(i.id), reverse=True):
        if not column.startswith(inst.id + "_"):
            continue
        rest = column[len(inst.id) + 1 :]
        is_mean = rest.endswith("_mean")
        scale_id = rest[: -len("_mean")] if is_mean else rest
        scale = next((s for s in inst.scales if s.id == scale_id), None)
        if scale is None or scale.method == "gas_t":
            continue
        responses = [inst.response_for(n) for n in scale.items]
        low = min(r.low for r in responses)
        high = max(r.high for r in responses)
        if scale.method == "sum" and not is_mean:
            low, high = low * len(scale.items), high * len(scale.items)
        label = f"{inst.short_name} {scale.label}" + (" (item mean)" if is_mean else "")
        return ScaleInfo(label, low, high, scale.higher_is_better, inst, scale.id)
    values = frame.get_column(column).cast(pl.Float64, strict=False).drop_nulls()
    lo, hi = values.min(), values.max()
    low = float(lo) if isinstance(lo, int | float) else 0.0
    high = float(hi) if isinstance(hi, int | float) else 1.0
    return ScaleInfo(column, low, high if high > low else low + 1.0, None)
