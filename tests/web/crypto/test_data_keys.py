"""Data keys come from ALLIANCE_DATA_KEYS or its file, fail loudly when malformed, never echo a key."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from alliance.web.crypto import data_keys, derived_data_key, parse_data_keys

K1, K2, K3 = (Fernet.generate_key().decode() for _ in range(3))
KEYS_FROM_ENV = bool(
    os.environ.get("ALLIANCE_DATA_KEYS") or os.environ.get("ALLIANCE_DATA_KEYS_FILE")
)


@pytest.fixture(autouse=True)
def _no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLIANCE_DATA_KEYS", raising=False)
    monkeypatch.delenv("ALLIANCE_DATA_KEYS_FILE", raising=False)


def production() -> list[str]:
    return data_keys(debug=False, testing=False, secret_key="s" * 50, secret_key_set=True)


def test_comma_separated_keys_are_read_newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLIANCE_DATA_KEYS", f" {K1} , {K2},{K3} ")
    assert production() == [K1, K2, K3]


def test_a_key_file_has_one_key_per_line_with_comments(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "data-keys"
    path.write_text(f"# newest first\n{K2}\n\n# retired 2026-11\n{K1}\n", encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATA_KEYS_FILE", str(path))
    assert production() == [K2, K1]


def test_a_malformed_key_stops_start_up_without_showing_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = "not-a-fernet-key-but-secret-looking-text"
    monkeypatch.setenv("ALLIANCE_DATA_KEYS", f"{K1},{bad}")
    with pytest.raises(
        ImproperlyConfigured, match="ALLIANCE_DATA_KEYS: key 2 is not a Fernet key"
    ) as err:
        production()
    assert bad not in str(err.value)


def test_a_truncated_key_in_the_file_names_the_file_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "data-keys"
    path.write_text(K1[:-2] + "\n", encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATA_KEYS_FILE", str(path))
    with pytest.raises(
        ImproperlyConfigured, match="ALLIANCE_DATA_KEYS_FILE: key 1 is not a Fernet key"
    ):
        production()


def test_a_repeated_key_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="key 3 repeats key 1"):
        parse_data_keys(f"{K1},{K2},{K1}")


def test_a_key_file_with_only_comments_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "data-keys"
    path.write_text("# nothing here yet\n", encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATA_KEYS_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match="no key found"):
        production()


def test_keys_and_a_key_file_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "data-keys"
    path.write_text(K1, encoding="utf-8")
    monkeypatch.setenv("ALLIANCE_DATA_KEYS", K2)
    monkeypatch.setenv("ALLIANCE_DATA_KEYS_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        production()


def test_an_unreadable_key_file_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ALLIANCE_DATA_KEYS_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot read"):
        production()


def test_production_without_keys_does_not_start() -> None:
    with pytest.raises(ImproperlyConfigured, match="must be set when DEBUG is off"):
        production()


def test_debug_without_keys_derives_one_from_secret_key_and_warns() -> None:
    with pytest.warns(RuntimeWarning, match="key derived from SECRET_KEY"):
        keys = data_keys(debug=True, testing=False, secret_key="a" * 50, secret_key_set=True)
    assert keys == [derived_data_key("a" * 50)]
    Fernet(keys[0])  # a usable key


def test_debug_without_secret_key_warns_that_data_will_not_survive_a_restart() -> None:
    with pytest.warns(RuntimeWarning, match="cannot be read after a restart"):
        data_keys(debug=True, testing=False, secret_key="b" * 50, secret_key_set=False)


def test_tests_without_keys_derive_one_quietly() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keys = data_keys(debug=False, testing=True, secret_key="c" * 50, secret_key_set=False)
    assert keys == [derived_data_key("c" * 50)]


def test_the_derived_key_depends_on_secret_key() -> None:
    assert derived_data_key("a" * 50) == derived_data_key("a" * 50)
    assert derived_data_key("a" * 50) != derived_data_key("b" * 50)


@pytest.mark.skipif(KEYS_FROM_ENV, reason="this run has its own data keys")
def test_this_test_run_uses_the_key_derived_from_its_secret_key() -> None:
    keys = settings.ALLIANCE_DATA_KEYS
    assert keys == [derived_data_key(settings.SECRET_KEY)]
