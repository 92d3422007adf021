"""``dumps``: an instrument written in the project's TOML format loads back equal."""

from __future__ import annotations

import tomllib

import pytest

from alliance.instruments import dumps, load_file, parse_instrument, registry


@pytest.mark.parametrize("instrument_id", sorted(registry()))
def test_every_builtin_instrument_dumps_to_toml_that_loads_back_equal(instrument_id: str) -> None:
    original = registry()[instrument_id]
    assert parse_instrument(tomllib.loads(dumps(original)), instrument_id) == original


def test_a_dumped_file_passes_the_file_loader(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "gad7.toml"
    path.write_text(dumps(registry()["gad7"]), encoding="utf-8")
    assert load_file(path) == registry()["gad7"]
    assert 'loinc = "70274-6"' in path.read_text(encoding="utf-8")
