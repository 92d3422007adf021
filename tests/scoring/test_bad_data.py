"""Bad data are never coerced: the first bad cell is named (1-based row,
column, value); ``on_invalid="skip"`` reports every bad cell and scores the
rest exactly as if the bad rows had never been there."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.scoring import score


def _phq9(n: int = 5, value: int = 1) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(1, n + 1)],
            "session": [1] * n,
            **{f"phq9_{k}": pl.Series([value] * n, dtype=pl.Int64) for k in range(1, 10)},
        }
    )


def _raises(frame: pl.DataFrame, instrument: str = "phq9") -> DataError:
    with pytest.raises(DataError) as info:
        score(frame, instrument)
    return info.value


def test_out_of_range_value_names_row_column_and_value() -> None:
    frame = _phq9().with_columns(pl.Series("phq9_3", [1, 1, 4, 1, 1]))
    err = _raises(frame)
    assert (err.row, err.column, err.value) == (3, "phq9_3", 4)
    assert "row 3, column phq9_3: value 4" in str(err)
    assert "one of 0, 1, 2, 3" in str(err)


def test_first_offending_row_is_named_and_the_rest_are_counted() -> None:
    frame = _phq9().with_columns(
        pl.Series("phq9_2", [1, 1, 1, 1, 9]),
        pl.Series("phq9_8", [1, -1, 1, 1, 1]),
        pl.Series("phq9_5", [1, 1, 1, 7, 1]),
    )
    err = _raises(frame)
    assert (err.row, err.column, err.value) == (2, "phq9_8", -1)
    assert "2 more invalid cell(s)" in str(err)


def test_non_integer_on_a_choice_scale_is_refused() -> None:
    frame = _phq9().with_columns(pl.Series("phq9_6", [1.0, 2.5, 1.0, 1.0, 1.0]))
    err = _raises(frame)
    assert (err.row, err.column, err.value) == (2, "phq9_6", 2.5)
    assert "2.5" in str(err)


def test_nan_is_refused_not_treated_as_missing() -> None:
    frame = _phq9().with_columns(pl.Series("phq9_1", [1.0, 1.0, 1.0, float("nan"), 1.0]))
    err = _raises(frame)
    assert (err.row, err.column) == (4, "phq9_1")


def test_non_numeric_text_in_a_string_column_names_row_column_and_text() -> None:
    # As read from a CSV: the column is text because one cell is not a number.
    frame = _phq9().with_columns(pl.Series("phq9_4", ["1", "2", " 0 ", "n/a", "3"]))
    err = _raises(frame)
    assert (err.row, err.column, err.value) == (4, "phq9_4", "n/a")
    assert "row 4, column phq9_4: value 'n/a' is not a number" in str(err)


def test_numbers_written_as_text_are_read_as_the_same_numbers() -> None:
    # Parsing is strict: "0" is 0, "" is an unanswered item, nothing else is guessed.
    as_text = _phq9().with_columns(pl.Series("phq9_4", ["1", "2", "0", "", "3"]))
    as_numbers = _phq9().with_columns(pl.Series("phq9_4", [1, 2, 0, None, 3]))
    got = score(as_text, "phq9").scores.drop("phq9_4")
    expected = score(as_numbers, "phq9").scores.drop("phq9_4")
    assert got.equals(expected)


def test_text_cells_in_skip_mode_leave_the_row_out_and_are_reported() -> None:
    frame = _phq9().with_columns(pl.Series("phq9_4", ["1", "2", "0", "n/a", "3"]))
    result = score(frame, "phq9", on_invalid="skip")
    assert result.skipped.select("row", "column", "value", "reason").rows() == [
        (4, "phq9_4", "n/a", "not a number")
    ]
    assert result.scores.height == 4


def test_duplicated_id_session_pair_names_both_rows() -> None:
    frame = _phq9().with_columns(
        pl.Series("id", ["a", "b", "c", "b", "e"]), pl.Series("session", [1, 2, 1, 2, 1])
    )
    err = _raises(frame)
    assert err.row == 2
    assert err.column == "id"
    assert err.value == ("b", 2)
    assert "rows 2, 4" in str(err)
    assert "id='b', session=2" in str(err)


def test_same_id_in_different_sessions_is_not_a_duplicate() -> None:
    frame = _phq9(3).with_columns(pl.Series("id", ["a", "a", "a"]), pl.Series("session", [1, 2, 3]))
    assert score(frame, "phq9").scores.height == 3


def test_duplicates_stop_the_run_even_when_skipping() -> None:
    frame = _phq9().with_columns(pl.Series("id", ["a", "a", "c", "d", "e"]))
    with pytest.raises(DataError, match="rows 1, 2"):
        score(frame, "phq9", on_invalid="skip")


def test_missing_item_column_is_named() -> None:
    err = _raises(_phq9().drop("phq9_7"))
    assert err.column == "phq9_7"
    assert "missing item column(s): phq9_7" in str(err)


def test_output_column_already_in_the_input_is_refused() -> None:
    frame = _phq9().with_columns(pl.lit(3.0).alias("phq9_total"))
    err = _raises(frame)
    assert err.column == "phq9_total"
    assert "phq9_total" in str(err)
    assert "nothing is overwritten" in str(err)


def test_on_invalid_must_be_raise_or_skip() -> None:
    with pytest.raises(ValueError, match="on_invalid"):
        score(_phq9(), "phq9", on_invalid="ignore")  # type: ignore[arg-type]


# --- on_invalid="skip" ----------------------------------------------------------


def _with_bad_cells() -> pl.DataFrame:
    # Rows 2 and 5 hold bad cells (row 2 holds two); rows 1, 3, 4, 6 are good.
    frame = _phq9(6)
    return frame.with_columns(
        pl.Series("phq9_3", [0, 4, 1, 2, 1, 3]),
        pl.Series("phq9_7", [0, 9, 1, 2, 1, 3]),
        pl.Series("phq9_9", [0, 0, 1, None, -1, 0]),
    )


def test_skip_lists_every_bad_cell_with_row_column_value_and_reason() -> None:
    result = score(_with_bad_cells(), "phq9", on_invalid="skip")
    skipped = result.skipped
    assert skipped.columns == ["row", "column", "value", "reason"]
    assert skipped.select("row", "column", "value").rows() == [
        (2, "phq9_3", "4"),
        (2, "phq9_7", "9"),
        (5, "phq9_9", "-1"),
    ]
    assert set(skipped["reason"]) == {"not one of 0, 1, 2, 3"}
    assert result.n_skipped_rows == 2


def test_skip_scores_the_good_rows_exactly_as_scoring_them_alone() -> None:
    data = _with_bad_cells()
    skipped_run = score(data, "phq9", on_invalid="skip").scores
    good_only = data.filter(~pl.col("id").is_in(["c2", "c5"]))
    alone = score(good_only, "phq9").scores
    assert_frame_equal(skipped_run, alone)
    assert skipped_run["id"].to_list() == ["c1", "c3", "c4", "c6"]


def test_skip_with_clean_data_reports_nothing() -> None:
    result = score(_phq9(), "phq9", on_invalid="skip")
    assert result.skipped.height == 0
    assert result.n_skipped_rows == 0
    assert result.scores.height == 5


def test_skip_with_every_row_bad_gives_an_empty_score_frame() -> None:
    frame = _phq9(2).with_columns(pl.Series("phq9_1", [5, 6]))
    result = score(frame, "phq9", on_invalid="skip")
    assert result.scores.height == 0
    assert result.n_skipped_rows == 2
    assert "phq9_total" in result.scores.columns


# --- the input is never modified ----------------------------------------------


@pytest.mark.parametrize("on_invalid", ["raise", "skip"])
def test_input_frame_is_not_modified(on_invalid: str) -> None:
    data = _with_bad_cells() if on_invalid == "skip" else _phq9()
    data = data.with_columns(pl.Series("phq9_8", [None] * data.height, dtype=pl.Int64))
    before = data.clone()
    score(data, "phq9", on_invalid=on_invalid)  # type: ignore[arg-type]
    assert_frame_equal(data, before)
    assert data.columns == before.columns


def test_input_frame_is_not_modified_when_optional_columns_are_absent() -> None:
    data = pl.DataFrame({"id": ["a"], "gas_1": [1]})
    before = data.clone()
    score(data, "gas")
    assert_frame_equal(data, before)


def test_input_frame_is_not_modified_by_a_refused_run() -> None:
    data = _phq9().with_columns(pl.Series("phq9_3", [1, 1, 4, 1, 1]))
    before = data.clone()
    with pytest.raises(DataError):
        score(data, "phq9")
    assert_frame_equal(data, before)


def test_lazy_frame_input_scores_like_an_eager_one() -> None:
    data = _phq9()
    assert_frame_equal(score(data.lazy(), "phq9").scores, score(data, "phq9").scores)
