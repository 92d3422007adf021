"""Long layout and column-mapping files: turned into the wide layout without
losing or inventing anything; every problem is a DataError naming it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.scoring import score
from alliance.scoring.layout import apply_mapping, item_columns, long_to_wide, read_mapping

WIDE = pl.DataFrame(
    {
        "id": ["a", "a", "b"],
        "session": [1, 2, 1],
        "gas_1": [0, 1, -2],
        "gas_2": [2, None, 1],
        "gas_3": [-1, 0, 0],
    }
)


def _long(wide: pl.DataFrame) -> pl.DataFrame:
    return wide.unpivot(index=["id", "session"], variable_name="item", value_name="value")


# --- long_to_wide -------------------------------------------------------------


def test_long_to_wide_round_trip_gives_the_wide_frame_back() -> None:
    back = long_to_wide(_long(WIDE))
    assert back.columns == WIDE.columns
    assert_frame_equal(back.sort("id", "session"), WIDE.sort("id", "session"))


def test_long_to_wide_leaves_unanswered_items_empty() -> None:
    long = pl.DataFrame(
        {
            "id": ["a", "a", "b"],
            "session": [1, 1, 1],
            "item": ["gas_1", "gas_2", "gas_1"],
            "value": [0, 1, 2],
        }
    )
    wide = long_to_wide(long).sort("id")
    assert wide.rows() == [("a", 1, 0, 1), ("b", 1, 2, None)]


def test_long_to_wide_then_scoring_matches_scoring_the_wide_frame() -> None:
    from_long = score(long_to_wide(_long(WIDE)), "gas").scores.sort("id", "session")
    direct = score(WIDE, "gas").scores.sort("id", "session")
    assert_frame_equal(from_long, direct)


def test_long_to_wide_without_a_session_column() -> None:
    long = pl.DataFrame({"id": ["a", "a"], "item": ["gas_1", "gas_2"], "value": [1, 2]})
    assert long_to_wide(long, session_col=None).rows() == [("a", 1, 2)]


def test_duplicate_answer_in_long_layout_names_both_rows() -> None:
    long = pl.DataFrame(
        {
            "id": ["a", "a", "b", "a"],
            "session": [1, 1, 1, 1],
            "item": ["gas_1", "gas_2", "gas_1", "gas_1"],
            "value": [0, 1, 2, 2],
        }
    )
    with pytest.raises(DataError) as info:
        long_to_wide(long)
    assert info.value.row == 1
    assert "rows 1, 4" in str(info.value)
    assert "item='gas_1'" in str(info.value)


def test_long_layout_missing_a_column_is_named() -> None:
    long = pl.DataFrame({"id": ["a"], "session": [1], "item": ["gas_1"]})
    with pytest.raises(DataError) as info:
        long_to_wide(long)
    assert info.value.column == "value"
    assert "missing: value" in str(info.value)


def test_long_layout_with_an_empty_item_name_names_the_row() -> None:
    long = pl.DataFrame(
        {"id": ["a", "a"], "session": [1, 1], "item": ["gas_1", None], "value": [1, 2]}
    )
    with pytest.raises(DataError) as info:
        long_to_wide(long)
    assert info.value.row == 2
    assert "row 2, column item: empty item name" in str(info.value)


# --- column mapping -----------------------------------------------------------


def _mapping_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_and_apply_mapping_then_score(tmp_path: Path) -> None:
    path = _mapping_file(
        tmp_path,
        '[columns]\n"Client ID" = "id"\n"Goal A" = "gas_1"\n"Goal B" = "gas_2"\n',
    )
    mapping = read_mapping(path)
    assert mapping == {"Client ID": "id", "Goal A": "gas_1", "Goal B": "gas_2"}
    theirs = pl.DataFrame({"Client ID": ["x"], "Goal A": [2], "Goal B": [0], "Notes": ["kept"]})
    ours = apply_mapping(theirs, mapping)
    assert ours.columns == ["id", "gas_1", "gas_2", "Notes"]
    assert ours.row(0) == ("x", 2, 0, "kept")
    # m = 2: 0.7*2 + 0.3*4 = 2.6; 50 + 10 * 2 / sqrt(2.6) = 62.403
    assert score(ours, "gas").scores["gas_t"][0] == pytest.approx(62.403, abs=1e-3)


def test_apply_mapping_with_a_missing_source_column_names_it() -> None:
    frame = pl.DataFrame({"Q1": [1]})
    with pytest.raises(DataError) as info:
        apply_mapping(frame, {"Q1": "gas_1", "Q2": "gas_2"})
    assert info.value.column == "Q2"
    assert "Q2" in str(info.value)


def test_apply_mapping_with_two_sources_to_one_target_names_the_target() -> None:
    frame = pl.DataFrame({"Q1": [1], "Q2": [2]})
    with pytest.raises(DataError) as info:
        apply_mapping(frame, {"Q1": "gas_1", "Q2": "gas_1"})
    assert info.value.column == "gas_1"
    assert "two columns to 'gas_1'" in str(info.value)


def test_apply_mapping_onto_a_column_already_present_is_refused() -> None:
    frame = pl.DataFrame({"Q1": [1], "gas_1": [2]})
    with pytest.raises(DataError) as info:
        apply_mapping(frame, {"Q1": "gas_1"})
    assert info.value.column == "gas_1"
    assert "already exists" in str(info.value)
    assert frame.columns == ["Q1", "gas_1"]


def test_apply_mapping_may_swap_two_columns() -> None:
    frame = pl.DataFrame({"a": [1], "b": [2]})
    assert apply_mapping(frame, {"a": "b", "b": "a"}).to_dict(as_series=False) == {
        "b": [1],
        "a": [2],
    }


def test_mapping_file_without_columns_table_is_refused(tmp_path: Path) -> None:
    path = _mapping_file(tmp_path, '[cols]\n"Q1" = "gas_1"\n')
    with pytest.raises(DataError, match=r"needs a \[columns\] table") as info:
        read_mapping(path)
    assert str(path) in str(info.value)


def test_mapping_file_with_an_empty_columns_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"\[columns\]"):
        read_mapping(_mapping_file(tmp_path, "[columns]\n"))


def test_mapping_file_with_a_non_text_target_names_the_entry(tmp_path: Path) -> None:
    path = _mapping_file(tmp_path, '[columns]\n"Q1" = 3\n')
    with pytest.raises(DataError, match=r"columns\.Q1"):
        read_mapping(path)


def test_mapping_file_with_an_extra_section_is_refused(tmp_path: Path) -> None:
    path = _mapping_file(tmp_path, '[columns]\n"Q1" = "gas_1"\n[other]\nx = 1\n')
    with pytest.raises(DataError, match="unknown section"):
        read_mapping(path)


def test_mapping_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = _mapping_file(tmp_path, "[columns\n")
    with pytest.raises(DataError, match="not valid TOML") as info:
        read_mapping(path)
    assert str(path) in str(info.value)


def test_absent_mapping_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot read mapping file"):
        read_mapping(tmp_path / "absent.toml")


def test_item_columns_are_found_in_item_order() -> None:
    frame = pl.DataFrame(
        {"wai_sr_10": [1], "wai_sr_2": [1], "wai_sr_note": ["x"], "wai_sr_t_1": [1]}
    )
    assert item_columns(frame, "wai_sr") == ["wai_sr_2", "wai_sr_10"]
