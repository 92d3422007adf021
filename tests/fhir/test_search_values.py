"""FHIR search values read as the R4 search page says: date precision and prefixes,
references, tokens, _count, _sort and the Prefer header; version ids that follow content."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance.fhir import FhirError
from alliance.fhir.meta import etag, version_id, with_meta
from alliance.fhir.search import (
    parse_count,
    parse_date,
    parse_reference,
    parse_sort,
    parse_token,
    prefer_handling,
)

UTC = dt.UTC
OSLO = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026", "2026-01-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        ("2026-12", "2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00"),
        ("2026-02", "2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"),
        ("2026-12-09", "2026-12-09T00:00:00+00:00", "2026-12-10T00:00:00+00:00"),
        ("2026-12-09T09:30Z", "2026-12-09T09:30:00+00:00", "2026-12-09T09:31:00+00:00"),
        ("2026-12-09T09:30:05+02:00", "2026-12-09T09:30:05+02:00", "2026-12-09T09:30:06+02:00"),
    ],
)
def test_a_date_stands_for_the_whole_interval_of_its_precision(raw, start, end):
    r = parse_date("date", raw, UTC)
    assert (r.prefix, r.start.isoformat(), r.end.isoformat()) == ("eq", start, end)


def test_a_date_without_a_zone_is_read_in_the_servers_zone():
    assert parse_date("date", "2026-12-09T10:00:00", OSLO).start.utcoffset() == dt.timedelta(
        hours=1
    )


@pytest.mark.parametrize("prefix", ["eq", "ne", "lt", "gt", "le", "ge", "sa", "eb"])
def test_every_r4_prefix_is_read(prefix):
    assert parse_date("date", f"{prefix}2026-12-09", UTC).prefix == prefix


@pytest.mark.parametrize(
    "raw",
    ["", "today", "2026-13", "2026-02-30", "2026-12-09T25:00Z", "ap2026", "2026-1-9", "9999x"],
)
def test_a_bad_date_names_the_parameter(raw):
    with pytest.raises(FhirError, match=r"^authored: "):
        parse_date("authored", raw, UTC)


@pytest.mark.parametrize("raw", ["7", "Patient/7", "https://x.org/fhir/Patient/7"])
def test_references_take_an_id_a_relative_or_an_absolute_form(raw):
    assert parse_reference("patient", raw, "Patient") == 7


@pytest.mark.parametrize("raw", ["Encounter/7", "x/7", "Patient/", "Patient/-1", "0", "1" * 30])
def test_a_wrong_reference_is_refused(raw):
    with pytest.raises(FhirError, match="patient"):
        parse_reference("patient", raw, "Patient")


def test_tokens_keep_the_difference_between_no_system_and_any_system():
    assert parse_token("identifier", "C-1") == (None, "C-1")
    assert parse_token("identifier", "|C-1") == ("", "C-1")
    assert parse_token("identifier", "s|") == ("s", None)


def test_count_allows_zero_and_caps_at_the_maximum():
    assert [parse_count(v, 50, 100) for v in ("0", "1", "100", "101")] == [0, 1, 100, 100]
    for bad in ("-1", "1.5", "ten", "1" * 30):
        with pytest.raises(FhirError, match="_count"):
            parse_count(bad, 50, 100)


def test_sort_reads_several_keys_and_directions():
    assert parse_sort("-date,_id", ("date", "_id")) == [("date", True), ("_id", False)]
    with pytest.raises(FhirError, match="_sort"):
        parse_sort("date,", ("date",))


def test_prefer_reads_handling_among_other_preferences():
    assert prefer_handling("handling=strict") == "strict"
    assert prefer_handling("return=minimal, handling=lenient") == "lenient"
    assert prefer_handling("handling=sloppy") is None
    assert prefer_handling(None) is None


def test_the_version_id_follows_the_content_and_not_the_meta():
    one = {"resourceType": "Patient", "id": "1", "active": True}
    two = {**one, "active": False}
    when = dt.datetime(2026, 12, 9, tzinfo=UTC)
    assert version_id(one) != version_id(two)
    served = with_meta(one, when)
    assert list(served)[:3] == ["resourceType", "id", "meta"]
    assert version_id(served) == version_id(one)
    assert etag(served) == f'W/"{version_id(one)}"'
    with pytest.raises(ValueError, match="time zone"):
        with_meta(one, dt.datetime(2026, 12, 9))
