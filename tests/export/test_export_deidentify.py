"""Every column gets one recorded decision; identifiers and free text never pass by default."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.export import deidentify

KEY = bytes(range(32))


def clinic_file() -> pl.DataFrame:
    """A file a clinic might hand over: ids, contact details, dates, scores and comments."""
    return pl.DataFrame(
        {
            "client_id": ["a1", "a1", "b2"],
            "therapist_id": ["a1", "t9", "t9"],
            "Full Name": ["Ann Lee", "Ann Lee", "Bo Kim"],
            "email": ["ann@x.org", "ann@x.org", "bo@x.org"],
            "phoneNumber": [123, 123, 456],
            "date_of_birth": [dt.date(1990, 1, 1)] * 3,
            "nhs_number": [9434765919, 9434765919, 9434765870],
            "postcode": ["N1 9GU", "N1 9GU", "SE1 7PB"],
            "client_ip": ["10.0.0.1"] * 3,
            "record_code": [11, 11, 12],
            "visit": [dt.date(2024, 1, 1), dt.date(2024, 1, 15), dt.date(2024, 3, 4)],
            "session": [1, 3, 1],
            "phq9_total": [12, 9, 20],
            "phq9_band": ["moderate", "mild", "severe"],
            "phq9_flag_risk": [False, False, True],
            "group": pl.Series(["a", "b", "a"], dtype=pl.Categorical),
            "comment": ["Ann said her sister ...", "better", None],
        }
    )


def test_default_export_keeps_numbers_categories_pseudonyms_and_days_only() -> None:
    out = deidentify(clinic_file(), ids=["client_id", "therapist_id"], key=KEY)
    assert out.frame.columns == [
        "client_id", "therapist_id", "visit_days", "session", "phq9_total", "phq9_band",
        "phq9_flag_risk", "group",
    ]  # fmt: skip
    rows = sorted(out.frame.select("session", "visit_days", "phq9_total").rows())
    assert rows == [(1, 0, 12), (1, 0, 20), (3, 14, 9)]
    assert isinstance(out.frame.schema["phq9_band"], pl.Enum)


def test_every_source_column_is_listed_with_what_happened_to_it() -> None:
    source = clinic_file()
    out = deidentify(source, ids=["client_id", "therapist_id"], key=KEY)
    assert [d.column for d in out.decisions] == source.columns
    left = {d.column: d.reason for d in out.left_out}
    assert set(left) == {
        "Full Name", "email", "phoneNumber", "date_of_birth", "nhs_number", "postcode",
        "client_ip", "record_code", "comment",
    }  # fmt: skip
    assert "direct identifier" in left["email"]
    assert "identifier" in left["record_code"]
    assert "free text" in left["comment"]


def test_no_identifying_value_appears_in_any_cell() -> None:
    source = clinic_file()
    out = deidentify(source, ids=["client_id", "therapist_id"], key=KEY)
    secrets = set()
    for column in ("client_id", "therapist_id", "Full Name", "email", "postcode", "client_ip",
                   "comment", "date_of_birth", "visit", "nhs_number", "phoneNumber"):  # fmt: skip
        secrets |= {str(v) for v in source[column].drop_nulls().to_list()}
    cells = {str(v) for c in out.frame.columns for v in out.frame[c].to_list()}
    assert not secrets & cells


def test_the_same_value_as_client_and_therapist_gets_two_codes() -> None:
    out = deidentify(clinic_file(), ids=["client_id", "therapist_id"], key=KEY)
    assert out.frame["client_id"][0] != out.frame["therapist_id"][0]
    assert out.frame["client_id"][0].startswith("C-")
    assert out.frame["therapist_id"][0].startswith("T-")


def test_pseudonyms_differ_between_two_exports_of_the_same_data() -> None:
    first = deidentify(clinic_file(), ids=["client_id"])
    second = deidentify(clinic_file(), ids=["client_id"])
    assert not set(first.frame["client_id"]) & set(second.frame["client_id"])
    rest = [c for c in first.frame.columns if c != "client_id"]
    assert first.frame.select(rest).sort(rest).equals(second.frame.select(rest).sort(rest))


def test_rows_come_in_pseudonym_order_so_two_exports_cannot_be_lined_up() -> None:
    source = pl.DataFrame({"id": [f"p{i:02d}" for i in range(40)], "score": list(range(40))})
    out = deidentify(source, ids=["id"])
    assert out.frame["id"].to_list() == sorted(out.frame["id"].to_list())
    assert out.frame["score"].to_list() != list(range(40))


def test_text_needs_both_its_name_and_permission() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        deidentify(clinic_file(), ids=["client_id"], include_text=["comment"])
    out = deidentify(clinic_file(), ids=["client_id"], include_text=["comment"], allow_text=True)
    assert sorted(out.frame["comment"].to_list(), key=str) == sorted(
        ["Ann said her sister ...", "better", None], key=str
    )
    assert out.decision_for("comment").action == "text included"
    assert "postcode" not in out.frame.columns


@pytest.mark.parametrize("column", ["email", "postcode", "record_code", "client_id"])
def test_identifiers_cannot_be_included_as_text(column: str) -> None:
    with pytest.raises(ValueError, match="cannot be included"):
        deidentify(clinic_file(), ids=["client_id"], include_text=[column], allow_text=True)


def test_a_number_column_cannot_be_asked_for_as_text() -> None:
    with pytest.raises(ValueError, match="not a text column"):
        deidentify(clinic_file(), ids=["client_id"], include_text=["session"], allow_text=True)


def test_a_band_column_with_other_text_is_left_out_as_possible_free_text() -> None:
    source = clinic_file().with_columns(pl.Series("phq9_band", ["mild", "see notes", "severe"]))
    out = deidentify(source, ids=["client_id"], key=KEY)
    assert "phq9_band" not in out.frame.columns
    assert "known categories" in {d.column: d.reason for d in out.left_out}["phq9_band"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"ids": ["nobody"]}, "identifier column 'nobody' is not in the data"),
        ({"ids": ["client_id"], "intake": "start"}, "intake date column 'start'"),
        ({"ids": []}, "at least one identifier"),
        ({"ids": ["client_id"], "person": "session"}, "must also be an identifier"),
    ],
)
def test_unknown_or_odd_columns_are_refused_by_name(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        deidentify(clinic_file(), **kwargs)


def test_unreadable_date_names_its_row_and_column() -> None:
    source = pl.DataFrame({"id": ["a", "a"], "visit_date": ["2024-01-01", "31/01/2024"]})
    with pytest.raises(DataError, match=r"row 2, column 'visit_date': '31/01/2024'") as caught:
        deidentify(source, ids=["id"])
    assert (caught.value.row, caught.value.column) == (2, "visit_date")
