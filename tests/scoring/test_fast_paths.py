"""The scoring engine's shortcuts give exactly the general path's answers:
sorted keys are checked for repeats without hashing, scales with no blank
skip the missing-data arithmetic, notes are built only for rows with a
blank, integer answers are summed as integers, and large frames are scored
piece by piece."""

from __future__ import annotations

import doctest
import math
import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import alliance.scoring as scoring
from alliance.errors import DataError
from alliance.instruments import Instrument, get, load_file
from alliance.instruments.schema import Band
from alliance.scoring import expressions, score, validate
from alliance.scoring.expressions import band_expr, divide
from alliance.scoring.validate import check_duplicates, strictly_increasing

REVERSE = load_file(
    Path(__file__).resolve().parents[1] / "fixtures" / "instruments" / "reverse_demo.toml"
)


INT64 = pl.Int64()


def _answers(
    instrument: Instrument, n: int, seed: int, blank: float = 0.0, dtype: pl.DataType = INT64
) -> pl.DataFrame:
    rnd = random.Random(seed)
    columns: dict[str, pl.Series] = {
        "id": pl.Series([i // 4 for i in range(n)], dtype=pl.Int64),
        "session": pl.Series([i % 4 + 1 for i in range(n)], dtype=pl.Int64),
    }
    for item in instrument.scored_items():
        options = [o.value for o in instrument.response_for(item).options]
        values = [None if rnd.random() < blank else rnd.choice(options) for _ in range(n)]
        columns[instrument.item_column(item)] = pl.Series(values, dtype=pl.Float64).cast(dtype)
    return pl.DataFrame(columns)


# --- duplicate keys -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "sessions", "expected"),
    [
        ([1, 1, 2, 3], [1, 2, 1, 1], True),
        (["a", "a", "b"], [1, 2, 1], True),
        ([1, 1, 2], [1, 1, 1], False),  # a repeated pair
        ([1, 1, 2], [2, 1, 1], False),  # sessions out of order
        ([2, 1], [1, 1], False),  # ids out of order
        ([1, None, 2], [1, 1, 1], False),  # a null key
        ([1.0, 2.0], [1, 1], False),  # float keys always go to the hash check
    ],
)
def test_onlystrictly_increasing_integer_or_text_keys_take_the_sorted_path(
    ids: list[object], sessions: list[int], expected: bool
) -> None:
    frame = pl.DataFrame({"id": ids, "session": sessions})
    assert strictly_increasing(frame, ["id", "session"]) is expected


@pytest.mark.parametrize("window", [1, 3, 1 << 18])
def test_duplicate_check_answers_the_same_on_sorted_and_shuffled_keys(
    monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    monkeypatch.setattr(validate, "_WINDOW_ROWS", window)  # sorted data checked in windows
    rnd = random.Random(5)
    took_sorted_path = 0
    for _ in range(200):
        n = rnd.randint(1, 12)
        pairs = [(rnd.randint(1, 4), rnd.randint(1, 4)) for _ in range(n)]
        repeated = len(set(pairs)) < n
        frame = pl.DataFrame({"id": [p[0] for p in pairs], "session": [p[1] for p in pairs]})
        ordered = frame.sort("id", "session")
        took_sorted_path += strictly_increasing(ordered, ["id", "session"])
        outcomes = []
        for candidate in (
            ordered,
            frame.sample(fraction=1.0, shuffle=True, seed=rnd.randint(0, 99)),
        ):
            try:
                check_duplicates(candidate, ["id", "session"])
            except DataError:
                outcomes.append(True)
            else:
                outcomes.append(False)
        assert outcomes == [repeated, repeated]
    assert took_sorted_path > 50  # the sorted path was really exercised


def test_repeated_pair_in_sorted_data_names_its_rows() -> None:
    frame = _answers(get("phq9"), 8, seed=1).with_columns(
        pl.Series("session", [1, 2, 3, 3, 1, 2, 3, 4])
    )
    with pytest.raises(DataError, match="rows 3, 4: duplicated answers for id=0, session=3"):
        score(frame, "phq9")


# --- blanks and notes ---------------------------------------------------------------


@pytest.mark.parametrize("instrument", [get("wai_sr"), get("phq9"), get("sai"), REVERSE])
def test_rows_score_the_same_with_or_without_blanks_elsewhere_in_the_frame(
    instrument: Instrument,
) -> None:
    complete = _answers(instrument, 40, seed=2)
    with_blanks = _answers(instrument, 40, seed=3, blank=0.2).with_columns(pl.col("id") + 1000)
    alone = score(complete, instrument).scores
    together = score(pl.concat([with_blanks, complete]), instrument).scores
    assert_frame_equal(together.filter(pl.col("id") < 1000), alone)
    assert alone[f"{instrument.id}_note"].null_count() == alone.height
    assert together[f"{instrument.id}_note"].null_count() < together.height


@pytest.mark.parametrize("instrument", [get("wai_sr"), get("gas"), REVERSE])
def test_notes_built_for_blank_rows_only_equal_notes_built_for_every_row(
    instrument: Instrument,
) -> None:
    frame = _answers(instrument, 60, seed=4, blank=0.15)
    plan = scoring._plan(instrument, frame)
    assert plan.note_expr is not None
    every_row = frame.select(plan.note_expr).to_series()
    scored = score(frame, instrument, on_invalid="skip").scores[f"{instrument.id}_note"]
    assert scored.to_list() == every_row.to_list()
    assert every_row.null_count() < frame.height  # some rows have a note


# --- integer sums, pieces, bands, division ---------------------------------------------


@pytest.mark.parametrize("blank", [0.0, 0.1])
@pytest.mark.parametrize("instrument", [get("wai_sr"), get("phq9"), get("cnip"), REVERSE])
def test_integer_answers_score_exactly_like_the_same_answers_as_floats(
    instrument: Instrument, blank: float
) -> None:
    as_float = _answers(instrument, 200, seed=6, blank=blank, dtype=pl.Float64())
    items = [instrument.item_column(n) for n in instrument.scored_items()]
    expected = score(as_float, instrument).scores.drop(items)
    for dtype in (pl.Int8(), pl.Int16(), pl.Int64(), pl.UInt8()):
        if dtype == pl.UInt8() and any(v < 0 for c in items for v in as_float[c].drop_nulls()):
            continue
        got = score(as_float.with_columns(pl.col(items).cast(dtype)), instrument).scores
        assert_frame_equal(got.drop(items), expected)


def test_scoring_piece_by_piece_equals_scoring_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    inst = get("wai_sr")
    chunks = [
        _answers(inst, 30, seed=s, blank=0.1).with_columns(pl.col("id") + 100 * s) for s in range(4)
    ]
    chunked = pl.concat(chunks, rechunk=False)
    misaligned = chunked.with_columns(chunked["wai_sr_3"].rechunk())
    at_once = score(chunked.rechunk(), inst).scores
    monkeypatch.setattr(scoring, "PIECE_ROWS", 7)
    for frame in (chunked, misaligned, chunked.rechunk()):
        assert len(scoring._pieces(frame)) > 1
        assert_frame_equal(score(frame, inst).scores, at_once)


def _band_by_hand(value: float | None, bands: list[tuple[str, float, float]]) -> str | None:
    if value is None or math.isnan(value) or value < bands[0][1] or value > bands[-1][2]:
        return None
    return [label for label, low, _ in bands if value >= low][-1]


def test_bands_follow_the_lower_bounds_and_leave_outside_scores_unlabelled() -> None:
    scale = get("phq9").scale("total")
    values = [None, float("nan"), -0.5, 0.0, 4.0, 4.5, 5.0, 14.99, 19.5, 20.0, 27.0, 27.01, 40.0]
    got = pl.DataFrame({"x": values}).select(band_expr(pl.col("x"), scale.bands)).to_series()
    bands = [(b.label, b.min, b.max) for b in scale.bands]
    assert got.to_list() == [_band_by_hand(v, bands) for v in values]
    assert got.dtype == pl.Enum([b.label for b in scale.bands])
    assert (got == "mild").to_list()[6] is True  # compared with text like a string


def test_division_by_a_constant_is_correctly_rounded() -> None:
    totals = [float(t) for t in range(0, 200)] + [None]
    for k in (3, 4, 7, 9, 12):
        got = pl.select(divide(pl.lit(pl.Series(totals)), k)).to_series().to_list()
        assert got == [None if t is None else t / k for t in totals]


def test_bands_sharing_a_label_get_that_label() -> None:
    bands = (
        Band(label="low", min=0, max=4),
        Band(label="high", min=5, max=9),
        Band(label="low", min=10, max=12),  # e.g. a U-shaped scale
    )
    got = pl.DataFrame({"x": [0.0, 6.0, 11.0, 13.0]}).select(band_expr(pl.col("x"), bands))
    assert got.to_series().to_list() == ["low", "high", "low", None]
    assert got.to_series().dtype == pl.Enum(["low", "high"])


def test_docstring_examples_run() -> None:
    for module in (scoring, expressions):
        assert doctest.testmod(module).failed == 0
