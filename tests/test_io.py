"""alliance.io: tables read and written by extension, nothing coerced on the way in.

Files written by other programs are made here with those programs' own
libraries (openpyxl, pyreadstat, plain text), not with alliance.io, so a
reader and a writer sharing one mistake cannot hide it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyreadstat
import pytest
from openpyxl import Workbook
from polars.testing import assert_frame_equal

from alliance.errors import DataError
from alliance.io import READABLE, WRITABLE, read_table, scan_table, write_table

FORMATS = ["csv", "tsv", "xlsx", "sav", "parquet", "pq"]

SAMPLE = pl.DataFrame(
    {
        "id": ["c01", "c02", "c03", "c04"],
        "session": [1, 2, None, 4],
        "wai_sr_1": [5, None, 3, 1],
        "score": [12.5, None, 0.25, -3.0],
        "note": ["prorated", None, "", "two words, a comma"],
    },
    schema={
        "id": pl.String,
        "session": pl.Int64,
        "wai_sr_1": pl.Int64,
        "score": pl.Float64,
        "note": pl.String,
    },
)


# --- round trips -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_keeps_values_types_and_missing_values(tmp_path: Path, fmt: str) -> None:
    path = write_table(SAMPLE, tmp_path / f"t.{fmt}")
    assert path.is_file()
    back = read_table(path)
    # An empty text cell is a missing answer in every format (CSV, Excel and
    # SPSS cannot tell "" from missing); everything else comes back exactly.
    expected = SAMPLE.with_columns(
        pl.when(pl.col("note") == "").then(None).otherwise(pl.col("note")).alias("note")
    )
    if fmt in ("parquet", "pq"):
        expected = SAMPLE  # Parquet keeps "" and missing apart
    assert_frame_equal(back, expected)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "parquet"])
def test_scan_table_reads_what_read_table_reads(tmp_path: Path, fmt: str) -> None:
    """The lazy reader for big files must see the same data as the eager one
    (SAMPLE holds an empty text cell, written as "" in CSV)."""
    path = write_table(SAMPLE, tmp_path / f"t.{fmt}")
    assert_frame_equal(scan_table(path).collect(), read_table(path), check_dtypes=False)


def test_a_txt_file_is_read_as_csv(tmp_path: Path) -> None:
    path = tmp_path / "answers.txt"
    path.write_text("id,wai_sr_1\na,4\nb,\n", encoding="utf-8")
    assert read_table(path).rows() == [("a", 4), ("b", None)]


def test_the_extension_decides_regardless_of_case(tmp_path: Path) -> None:
    path = write_table(SAMPLE, tmp_path / "T.CSV")
    assert read_table(path).height == SAMPLE.height


# --- CSV: nothing coerced --------------------------------------------------------------


def test_a_csv_column_mixing_numbers_and_text_stays_text_as_written(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("id,wai_sr_1,wai_sr_2\na,4,3\nb,often,4\nc,2.0,5\nd,,1\n", encoding="utf-8")
    frame = read_table(path)
    assert frame.schema["wai_sr_1"] == pl.String
    assert frame["wai_sr_1"].to_list() == ["4", "often", "2.0", None]
    assert frame.schema["wai_sr_2"] == pl.Int64


def test_a_csv_text_column_is_not_read_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "dates.csv"
    path.write_text("id,visit\na,2024-01-05\nb,2024-02-06\n", encoding="utf-8")
    assert read_table(path)["visit"].to_list() == ["2024-01-05", "2024-02-06"]


def test_csv_ids_written_with_leading_zeros_keep_them(tmp_path: Path) -> None:
    """Client "007" and client "7" are different people; reading must not merge them
    (nor write "7" back where the researcher's file said "007")."""
    path = tmp_path / "ids.csv"
    path.write_text("id,session,phq9_1\n007,1,2\n7,1,3\n", encoding="utf-8")
    frame = read_table(path)
    assert frame["id"].cast(pl.String).to_list() == ["007", "7"]


def test_a_tsv_is_split_on_tabs_only(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("id\tnote\na\tone, two\n", encoding="utf-8")
    assert read_table(path).rows() == [("a", "one, two")]


# --- SPSS --------------------------------------------------------------------------------


def _write_sav(frame: pd.DataFrame, path: Path) -> Path:
    pyreadstat.write_sav(frame, str(path))
    return path


def test_spss_whole_numbers_come_back_as_integers_with_missing_values(tmp_path: Path) -> None:
    path = _write_sav(
        pd.DataFrame({"session": [1.0, 2.0, float("nan")], "wai_sr_1": [5.0, float("nan"), 3.0]}),
        tmp_path / "a.sav",
    )
    frame = read_table(path)
    assert frame.schema["session"] == pl.Int64
    assert frame.schema["wai_sr_1"] == pl.Int64
    assert frame.rows() == [(1, 5), (2, None), (None, 3)]


def test_spss_fractions_stay_decimal(tmp_path: Path) -> None:
    path = _write_sav(pd.DataFrame({"srs_1": [7.5, 10.0, float("nan")]}), tmp_path / "a.sav")
    frame = read_table(path)
    assert frame.schema["srs_1"] == pl.Float64
    assert frame["srs_1"].to_list() == [7.5, 10.0, None]


def test_spss_empty_strings_are_missing_and_other_text_is_kept(tmp_path: Path) -> None:
    path = _write_sav(
        pd.DataFrame({"id": ["a", "", "c"], "note": ["", "x y", "0"]}), tmp_path / "a.sav"
    )
    frame = read_table(path)
    assert frame["id"].to_list() == ["a", None, "c"]
    assert frame["note"].to_list() == [None, "x y", "0"]


def test_spss_whole_numbers_beyond_the_integer_range_still_read(tmp_path: Path) -> None:
    """A numeric column with a huge whole value (e.g. 1e20) is still a readable file:
    kept as a decimal number, never an unreadable-file error."""
    path = _write_sav(pd.DataFrame({"id": ["a", "b"], "big": [1e20, 2.0]}), tmp_path / "big.sav")
    frame = read_table(path)
    assert frame["big"].cast(pl.Float64).to_list() == [1e20, 2.0]


def test_spss_cannot_store_a_column_name_with_spaces(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="Client ID"):
        write_table(pl.DataFrame({"Client ID": [1]}), tmp_path / "a.sav")


# --- Excel ---------------------------------------------------------------------------------


def _write_xlsx(rows: list[list[object]], path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_excel_numbers_stay_numbers_and_blank_cells_are_missing(tmp_path: Path) -> None:
    path = _write_xlsx(
        [["id", "wai_sr_1", "srs_1"], ["a", 4, 7.5], ["b", None, 10], ["c", 2, None]],
        tmp_path / "a.xlsx",
    )
    frame = read_table(path)
    assert frame.schema["wai_sr_1"] == pl.Int64
    assert frame.schema["srs_1"] == pl.Float64
    assert frame.rows() == [("a", 4, 7.5), ("b", None, 10.0), ("c", 2, None)]


def test_an_excel_column_mixing_numbers_and_text_stays_text(tmp_path: Path) -> None:
    path = _write_xlsx(
        [["id", "wai_sr_1"], ["a", 4], ["b", "often"], ["c", None]], tmp_path / "a.xlsx"
    )
    frame = read_table(path)
    assert frame.schema["wai_sr_1"] == pl.String
    assert frame["wai_sr_1"].to_list() == ["4", "often", None]


def test_an_excel_header_cell_without_a_name_is_an_error_naming_its_position(
    tmp_path: Path,
) -> None:
    path = _write_xlsx([["id", None, "wai_sr_2"], ["a", 4, 3]], tmp_path / "a.xlsx")
    with pytest.raises(DataError, match=r"column 2 of the header row has no name"):
        read_table(path)


def test_repeated_excel_header_names_are_an_error_naming_them(tmp_path: Path) -> None:
    path = _write_xlsx(
        [["id", "wai_sr_1", "wai_sr_1", "id"], ["a", 4, 3, "a"]], tmp_path / "a.xlsx"
    )
    with pytest.raises(DataError, match=r"header names repeat: id, wai_sr_1"):
        read_table(path)


def test_an_empty_sheet_is_an_error(tmp_path: Path) -> None:
    path = _write_xlsx([], tmp_path / "a.xlsx")
    with pytest.raises(DataError, match="empty"):
        read_table(path)


def test_a_named_sheet_is_read_and_a_missing_one_lists_the_sheets(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "notes"
    first.append(["nothing here"])
    data = book.create_sheet("answers")
    data.append(["id", "wai_sr_1"])
    data.append(["a", 4])
    path = tmp_path / "a.xlsx"
    book.save(path)
    assert read_table(path, sheet="answers").rows() == [("a", 4)]
    with pytest.raises(DataError, match=r"no sheet 'Answers'; sheets: notes, answers"):
        read_table(path, sheet="Answers")


# --- errors ----------------------------------------------------------------------------------


def test_an_unknown_extension_is_an_error_naming_the_allowed_ones(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        read_table(path)
    for ext in READABLE:
        assert ext in str(caught.value)
    with pytest.raises(DataError) as caught:
        write_table(SAMPLE, tmp_path / "out.json")
    for ext in WRITABLE:
        assert ext in str(caught.value)


def test_a_file_without_an_extension_says_so(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"\(no extension\)"):
        read_table(tmp_path / "answers")


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothere\.csv: no such file"):
        read_table(tmp_path / "nothere.csv")


def test_writing_into_a_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        write_table(SAMPLE, tmp_path / "no" / "out.csv")


@pytest.mark.parametrize("name", ["bad.parquet", "bad.xlsx", "bad.sav"])
def test_a_corrupt_file_is_a_data_error_not_a_crash(tmp_path: Path, name: str) -> None:
    """E.g. a CSV saved under an .xlsx name: a DataError naming the file (exit 3), no traceback."""
    path = tmp_path / name
    path.write_text("id,wai_sr_1\na,4\n", encoding="utf-8")
    with pytest.raises(DataError, match=name.replace(".", r"\.")):
        read_table(path)
