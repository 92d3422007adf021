"""`alliance export`: a de-identified copy with its codebook, every column accounted for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat
import pytest

Alliance = Callable[..., Any]  # the `alliance` fixture of conftest.py

CSV = """\
client_id,therapist_id,email,intake,session_date,session,phq9_1,phq9_total,phq9_band,comment
c-007,t-1,ann@x.org,2024-01-01,2024-01-08,1,2,12,moderate,Ann said her sister Jo
c-007,t-1,ann@x.org,2024-01-01,2024-01-15,2,1,9,mild,better
c-042,t-2,bo@x.org,2024-02-01,2024-02-01,1,3,20,severe,
"""
SECRETS = ("c-007", "c-042", "t-1", "t-2", "ann@x.org", "bo@x.org", "2024-01-01", "2024-01-08",
           "2024-01-15", "2024-02-01", "Ann said her sister Jo", "better")  # fmt: skip


@pytest.fixture
def data() -> Path:
    path = Path("clinic.csv")
    path.write_text(CSV)
    return path


def export(alliance: Alliance, data: Path, output: str, *more: str) -> Any:
    return alliance(
        "export", str(data), "-o", output, "--id", "client_id", "--id", "therapist_id",
        "--intake-date", "intake", *more,
    )  # fmt: skip


def test_default_export_has_no_identifier_date_or_free_text_and_says_what_it_left_out(
    alliance: Alliance, data: Path
) -> None:
    done = export(alliance, data, "research.csv")
    assert done.code == 0, done.err
    text = Path("research.csv").read_text()
    assert not [s for s in SECRETS if s in text]
    frame = pl.read_csv("research.csv")
    assert frame.columns == ["client_id", "therapist_id", "session_date_days", "session",
                             "phq9_1", "phq9_total", "phq9_band"]  # fmt: skip
    assert sorted(frame["session_date_days"].to_list()) == [0, 7, 14]
    out = done.out_flat
    assert "pseudonymised client_id" in out
    assert "days since intake session_date -> session_date_days" in out
    assert "left out email: the name looks like a direct identifier" in out
    assert "left out comment: text column (possible free text)" in out
    assert "left out intake: intake date" in out
    assert Path("research.codebook.csv").is_file() and Path("research.codebook.md").is_file()


def test_two_exports_of_the_same_file_share_no_pseudonym(alliance: Alliance, data: Path) -> None:
    assert export(alliance, data, "one.csv").code == 0
    assert export(alliance, data, "two.csv").code == 0
    one, two = pl.read_csv("one.csv"), pl.read_csv("two.csv")
    for column in ("client_id", "therapist_id"):
        assert not set(one[column]) & set(two[column])
    rest = [c for c in one.columns if c not in ("client_id", "therapist_id")]
    assert one.select(rest).sort(rest).equals(two.select(rest).sort(rest))


def test_free_text_comes_only_with_its_name_and_allow_text(alliance: Alliance, data: Path) -> None:
    refused = export(alliance, data, "r.csv", "--include-text", "comment")
    assert refused.code == 2
    assert "free text is not allowed" in refused.err_flat
    assert not Path("r.csv").exists()
    done = export(alliance, data, "r.csv", "--include-text", "comment", "--allow-text")
    assert done.code == 0, done.err
    comments = pl.read_csv("r.csv")["comment"].to_list()
    assert {"Ann said her sister Jo", "better"} <= set(comments)


def test_spss_and_parquet_files_read_back(alliance: Alliance, data: Path) -> None:
    assert export(alliance, data, "r.sav").code == 0
    frame, meta = pyreadstat.read_sav("r.sav")
    assert sorted(frame["session_date_days"]) == [0, 7, 14]
    assert meta.variable_value_labels["phq9_band"][1.0] == "minimal"
    assert export(alliance, data, "r.parquet").code == 0
    assert sorted(pl.read_parquet("r.parquet")["phq9_total"].to_list()) == [9, 12, 20]


@pytest.mark.parametrize(
    "args, message",
    [
        (("-o", "r.xlsx", "--id", "client_id"), "use .csv, .parquet or .sav"),
        (("-o", "r.csv", "--id", "nobody"), "identifier column 'nobody' is not in the data"),
        (("-o", "r.csv", "--id", "client_id", "--include-text", "email", "--allow-text"),
         "cannot be included"),
    ],
)  # fmt: skip
def test_bad_usage_exits_2_with_a_message(
    alliance: Alliance, data: Path, args: tuple[str, ...], message: str
) -> None:
    done = alliance("export", str(data), *args)
    assert done.code == 2
    assert message in done.err_flat


def test_an_unreadable_date_exits_3_naming_row_and_column(alliance: Alliance, data: Path) -> None:
    data.write_text(CSV.replace("2024-01-15", "15/01/2024"))
    done = export(alliance, data, "r.csv")
    assert done.code == 3
    assert "row 2, column 'session_date': '15/01/2024' is not a date" in done.err_flat
    assert not Path("r.csv").exists()


def test_the_help_example_runs_as_printed_on_a_scored_file(
    alliance: Alliance, cohort: Path
) -> None:
    shown = alliance("export", "--help")
    assert shown.code == 0
    example = shown.out_flat.split("Example: ", 1)[1].split(" Identifier columns", 1)[0]
    assert example == "alliance export scored.csv -o research.sav --id id"
    done = alliance(*example.split()[1:])
    assert done.code == 0, done.err
    frame, _meta = pyreadstat.read_sav("research.sav")
    assert frame["id"].str.fullmatch(r"C-[0-9a-f]{12}").all()
    assert "wai_sr_total" in frame.columns
