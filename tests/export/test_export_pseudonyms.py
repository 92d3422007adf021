"""Keyed-hash pseudonyms: stable within one export, unrelated across exports and columns."""

from __future__ import annotations

import re

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.export.pseudonyms import default_prefix, new_key, pseudonymise

PEOPLE = pl.Series("client_id", ["anna", "ben", "anna", None, "cleo"])


def test_one_person_keeps_one_code_within_an_export_and_missing_stays_missing() -> None:
    codes = pseudonymise(PEOPLE, key=new_key(), prefix="C-").to_list()
    assert codes[0] == codes[2]
    assert len({codes[0], codes[1], codes[4]}) == 3
    assert codes[3] is None
    assert all(re.fullmatch(r"C-[0-9a-f]{12}", c) for c in codes if c is not None)


def test_two_exports_give_every_person_a_different_code() -> None:
    first = pseudonymise(PEOPLE, key=new_key(), prefix="C-").drop_nulls().to_list()
    second = pseudonymise(PEOPLE, key=new_key(), prefix="C-").drop_nulls().to_list()
    assert not set(first) & set(second)


def test_the_same_value_in_two_identifier_columns_gets_unrelated_codes() -> None:
    key = new_key()
    as_client = pseudonymise(pl.Series("client_id", ["7"]), key=key, prefix="X-")[0]
    as_therapist = pseudonymise(pl.Series("therapist_id", ["7"]), key=key, prefix="X-")[0]
    assert as_client != as_therapist


def test_an_explicit_key_reproduces_the_codes_for_tests() -> None:
    key = bytes(range(32))
    a = pseudonymise(PEOPLE, key=key, prefix="C-", length=20)
    b = pseudonymise(PEOPLE, key=key, prefix="C-", length=20)
    assert a.to_list() == b.to_list()
    assert len(a[0]) == 22


def test_numbers_are_pseudonymised_as_their_text() -> None:
    codes = pseudonymise(pl.Series("id", [1, 2, 1]), key=new_key(), prefix="C-")
    assert codes.dtype == pl.String
    assert codes[0] == codes[2] != codes[1]


def test_two_values_with_one_code_stop_the_export() -> None:
    many = pl.Series("client_id", [f"p{i}" for i in range(3000)])
    with pytest.raises(DataError, match=r"client_id.*same 4-character pseudonym"):
        pseudonymise(many, key=new_key(), prefix="C-", length=4)


@pytest.mark.parametrize("key, length", [(b"short", 12), (bytes(32), 2), (bytes(32), 65)])
def test_a_weak_key_or_odd_length_is_refused(key: bytes, length: int) -> None:
    with pytest.raises(ValueError):
        pseudonymise(PEOPLE, key=key, prefix="C-", length=length)


@pytest.mark.parametrize(
    "column, prefix",
    [("client_id", "C-"), ("id", "C-"), ("therapist_id", "T-"), ("episode", "E-"), ("site", "S-")],
)
def test_default_prefixes_say_what_the_code_stands_for(column: str, prefix: str) -> None:
    assert default_prefix(column) == prefix
