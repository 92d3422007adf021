"""Dates become whole days since each person's intake; bad or missing dates name row and column."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.export import deidentify
from alliance.export.dates import days_since_intake


def test_without_an_intake_column_each_persons_earliest_date_is_day_0() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "a", "b"],
            "visit": [dt.date(2024, 2, 1), dt.date(2023, 12, 25), dt.date(2024, 1, 1), None],
            "seen": [dt.date(2024, 2, 3), dt.date(2024, 1, 1), dt.date(2024, 1, 2), None],
        }
    )
    out = days_since_intake(frame, ["visit", "seen"], person="id", intake=None)
    assert out["visit"].to_list() == [31, 0, 0, None]
    assert out["seen"].to_list() == [33, 7, 1, None]


def test_an_intake_column_is_each_rows_day_0_and_is_not_exported() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "a"],
            "episode_start": ["2024-01-01", "2024-06-01"],
            "session_date": ["2024-01-08", "2024-06-03"],
        }
    )
    out = deidentify(frame, ids=["id"], intake="episode_start", key=bytes(32))
    assert out.frame.columns == ["id", "session_date_days"]
    assert out.frame["session_date_days"].to_list() == [7, 2]
    assert any(d.column == "episode_start" and d.action == "left out" for d in out.decisions)


def test_datetimes_count_by_their_calendar_day() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "a"],
            "submitted_at": [dt.datetime(2024, 1, 1, 23, 59), dt.datetime(2024, 1, 2, 0, 1)],
        }
    )
    out = deidentify(frame, ids=["id"], key=bytes(32))
    assert out.frame["submitted_at_days"].to_list() == [0, 1]


def test_a_missing_intake_date_names_the_row_and_column() -> None:
    frame = pl.DataFrame(
        {
            "id": ["a", "a", "b"],
            "start": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), None],
            "visit": [dt.date(2024, 1, 2), None, dt.date(2024, 1, 3)],
        }
    )
    with pytest.raises(DataError, match=r"row 3, column 'start': the intake date is missing"):
        deidentify(frame, ids=["id"], intake="start")


def test_a_number_column_named_as_a_date_is_refused() -> None:
    frame = pl.DataFrame({"id": ["a"], "visit": [3]})
    with pytest.raises(DataError, match="column 'visit': expected dates"):
        deidentify(frame, ids=["id"], dates=["visit"])
