"""Shared helpers of the FHIR tests: random valid answers, and scoring one set of answers."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import polars as pl

from alliance.instruments import Instrument
from alliance.scoring import output_columns, score

Answers = dict[int, float | str | None]


def random_answers(instrument: Instrument, rng: random.Random, p_missing: float) -> Answers:
    """Valid answers for every item, each left out with probability ``p_missing``."""
    answers: Answers = {}
    for item in instrument.items:
        scale = instrument.response_for(item.n)
        if rng.random() < p_missing:
            answers[item.n] = None
        elif scale.kind == "choice":
            answers[item.n] = rng.choice(scale.options).value
        elif scale.kind == "numeric":
            step = scale.step or (scale.high - scale.low) / 7
            steps = round((scale.high - scale.low) / step)
            answers[item.n] = scale.low + step * rng.randint(0, steps)
        else:
            answers[item.n] = rng.choice(["Fine.", "Slower, please", "ünïcode ✓ text"])
    return answers


def scores_of(instrument: Instrument, answers: Mapping[int, Any]) -> dict[str, Any]:
    """The engine's scores for one set of answers (the web app's one-row path)."""
    columns = {
        instrument.item_column(n): [None if answers.get(n) is None else float(answers[n])]
        for n in instrument.scored_items()
    }
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.Float64))
    result = score(frame, instrument, keys=())
    return dict(result.scores.select(output_columns(instrument)).row(0, named=True))
