"""CSV, Parquet and SPSS files read back as written, each with a codebook beside it."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import polars as pl
import pyreadstat
import pytest

from alliance.export import deidentify, write_export
from alliance.export.writers import spss_names

KEY = bytes(range(32))


def scored() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["a", "a", "b"],
            "visit": [dt.date(2024, 1, 1), dt.date(2024, 1, 8), dt.date(2024, 2, 1)],
            "phq9_1": [2, 1, 3],
            "phq9_total": [12, 9, 20],
            "phq9_band": pl.Series(["moderate", "mild", "severe"]),
            "phq9_flag_risk": [False, True, None],
            "2nd visit": [1.5, None, 2.0],
            "comment": ["tired", "ok", None],
        }
    )


@pytest.fixture
def out():  # type: ignore[no-untyped-def]
    return deidentify(scored(), ids=["id"], key=KEY)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_read_back_with_the_same_values(out, tmp_path: Path, suffix: str) -> None:
    files = write_export(out, tmp_path / f"research{suffix}")
    back = pl.read_csv(files.data) if suffix == ".csv" else pl.read_parquet(files.data)
    assert back.columns == out.frame.columns
    assert back["id"].to_list() == out.frame["id"].to_list()
    assert back["visit_days"].to_list() == out.frame["visit_days"].to_list()
    assert sorted(back["visit_days"].to_list()) == [0, 0, 7]
    assert (
        back["phq9_band"].cast(pl.String).to_list()
        == out.frame["phq9_band"].cast(pl.String).to_list()
    )
    assert [p.name for p in files.paths] == [
        f"research{suffix}", "research.codebook.csv", "research.codebook.md",
    ]  # fmt: skip


def test_spss_has_valid_names_variable_labels_and_value_labels(out, tmp_path: Path) -> None:
    files = write_export(out, tmp_path / "research.sav")
    frame, meta = pyreadstat.read_sav(str(files.data))
    assert meta.column_names == ["id", "visit_days", "phq9_1", "phq9_total", "phq9_band",
                                 "phq9_flag_risk", "v2nd_visit"]  # fmt: skip
    labels = meta.column_names_to_labels
    assert labels["phq9_1"].startswith("PHQ-9 item 1: Little interest")
    assert labels["visit_days"] == "visit: days since intake"
    bands = meta.variable_value_labels["phq9_band"]
    assert [bands[v] for v in frame["phq9_band"]] == out.frame["phq9_band"].cast(
        pl.String
    ).to_list()
    assert meta.variable_value_labels["phq9_1"][3] == "Nearly every day"
    assert meta.variable_value_labels["phq9_flag_risk"] == {0: "no", 1: "yes"}
    book = pl.read_csv(files.codebook_csv)
    renamed = book.filter(pl.col("name") == "v2nd_visit").row(0, named=True)
    assert renamed["source"] == "2nd visit"
    assert "renamed for SPSS (was '2nd visit')" in renamed["transformation"]


def test_spss_names_are_valid_and_distinct() -> None:
    columns = ["a" * 70, "a" * 70 + "b", "with space", "_x", "ends.", "BY", "Ünï", "ok"]
    renamed = spss_names(columns)
    final = [renamed.get(c, c) for c in columns]
    assert len({n.upper() for n in final}) == len(final)
    for name in final:
        assert len(name.encode()) <= 64 and name[0].isalpha() and name[0].isascii()
        assert all(ch.isascii() and (ch.isalnum() or ch in "_.@#$") for ch in name)
        assert not name.endswith((".", "_")) and name.upper() != "BY"
    assert "ok" not in renamed


def test_codebook_lists_every_column_with_instrument_facts_and_what_was_left_out(
    out, tmp_path: Path
) -> None:
    files = write_export(out, tmp_path / "research.csv")
    book = pl.read_csv(files.codebook_csv, infer_schema_length=0)
    assert book["name"].to_list() == out.frame.columns
    item = book.filter(pl.col("name") == "phq9_1").row(0, named=True)
    assert item["instrument"] == "phq9"
    assert item["response_labels"].startswith("0 = Not at all; 1 = Several days")
    assert "Kroenke" in item["citation"] and item["licence"]
    band = book.filter(pl.col("name") == "phq9_band").row(0, named=True)
    assert band["values"] == "minimal; mild; moderate; moderately severe; severe"
    pseudonym = book.filter(pl.col("name") == "id").row(0, named=True)
    assert "new, unlinkable code in every export" in pseudonym["values"]
    text = files.codebook_md.read_text()
    assert "random 32-byte key made for this export alone and never stored" in text
    assert "days since intake" in text
    assert "- `comment`: text column (possible free text)" in text
    assert "**phq9**" in text


def test_an_unknown_format_is_refused(out, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"use \.csv, \.parquet or \.sav"):
        write_export(out, tmp_path / "research.xlsx")


def test_a_hundred_thousand_rows_export_in_seconds(tmp_path: Path) -> None:
    n = 100_000
    frame = pl.DataFrame(
        {
            "id": pl.int_range(n, eager=True).map_elements(lambda i: f"p{i // 10}", pl.String),
            "therapist_id": (pl.int_range(n, eager=True) % 40).cast(pl.String),
            "visit": pl.date_range(dt.date(2020, 1, 1), dt.date(2020, 1, 10), eager=True).sample(
                n, with_replacement=True, seed=1
            ),
            "phq9_total": pl.int_range(n, eager=True) % 28,
            "comment": pl.repeat("free text", n, eager=True),
        }
    )
    started = time.perf_counter()
    out = deidentify(frame, ids=["id", "therapist_id"])
    write_export(out, tmp_path / "big.parquet")
    seconds = time.perf_counter() - started
    assert out.frame.height == n and out.frame["id"].n_unique() == n // 10
    assert "comment" not in out.frame.columns
    assert seconds < 10, f"{seconds:.1f} s for {n:,} rows"
