"""The web app scores with the core engine: one row, the same function as ten million."""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from alliance.instruments import Instrument, check_answers, get
from alliance.scoring import output_columns, score


def score_answers(instrument: Instrument | str, answers: dict[str, Any]) -> dict[str, Any]:
    """Scores for one set of answers (item number -> value), as JSON-ready values.

    ``instrument`` is the Instrument itself (a clinic's own instrument comes
    from :func:`alliance.web.custominstruments.registry.instrument_for`) or a
    built-in id. The answers are checked first (:func:`alliance.instruments.check_answers`:
    allowed values, free text within ``MAX_TEXT_ANSWER``), so every writer that
    scores before storing refuses the same bad answers with a DataError.
    """
    if isinstance(instrument, str):
        instrument = get(instrument)
    check_answers(instrument, answers)
    row: dict[str, list[Any]] = {}
    for n in instrument.scored_items():
        value = answers.get(str(n))
        row[instrument.item_column(n)] = [None if value is None else float(value)]
    frame = pl.DataFrame(row, schema={c: pl.Float64 for c in row})
    result = score(frame, instrument, keys=())
    values = result.scores.select(output_columns(instrument)).row(0, named=True)
    return {k: _json(v) for k, v in values.items()}


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
