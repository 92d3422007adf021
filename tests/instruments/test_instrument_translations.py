"""Instrument texts per language: words change, numbers, values, order and scoring do not.

The translation files here are test fixtures with placeholder words ("[es] ..."),
not translations of anything: the project ships no unvalidated translation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alliance.errors import InstrumentError
from alliance.instruments import get
from alliance.instruments.translations import (
    available,
    load_translation,
    translate,
)


def _write(folder: Path, name: str, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def _gad7_fixture(options: str = "0, 1, 2, 3", items: range = range(1, 8)) -> str:
    opts = ", ".join(f'{{ value = {v.strip()}, label = "[es] option {v.strip()}" }}' for v in options.split(","))
    lines = [
        'instrument = "gad7"',
        'language = "es"',
        'source = "Test fixture: placeholder words, not a translation."',
        'licence = "Test only"',
        'instructions = "[es] instructions"',
        'timeframe = "[es] timeframe"',
        f"options = [{opts}]",
    ]
    for n in items:
        lines += ["[[items]]", f"n = {n}", f'text = "[es] item {n}"']
    return "\n".join(lines) + "\n"


def test_original_language_gives_the_instrument_itself() -> None:
    assert translate(get("phq9"), "en-gb") == get("phq9")
    assert translate(get("phq9"), "en") == get("phq9")


def test_no_translation_file_gives_none_so_the_caller_must_say_so(tmp_path: Path) -> None:
    assert translate(get("wai_sr"), "es", folders=[tmp_path]) is None
    assert available("wai_sr", folders=[tmp_path]) == []


def test_translation_replaces_words_and_keeps_numbers_values_and_order(tmp_path: Path) -> None:
    _write(tmp_path, "gad7.es.toml", _gad7_fixture())
    original = get("gad7")
    spanish = translate(original, "es", folders=[tmp_path])
    assert spanish is not None
    assert spanish.instructions == "[es] instructions"
    assert [i.n for i in spanish.items] == [i.n for i in original.items]
    assert [i.text for i in spanish.items] == [f"[es] item {n}" for n in range(1, 8)]
    assert spanish.response is not None and original.response is not None
    assert [o.value for o in spanish.response.options] == [o.value for o in original.response.options]
    assert spanish.scales == original.scales and spanish.flags == original.flags
    assert available("gad7", folders=[tmp_path]) == ["es"]


def test_regional_language_uses_the_general_file(tmp_path: Path) -> None:
    _write(tmp_path, "gad7.es.toml", _gad7_fixture())
    spanish = translate(get("gad7"), "es-MX", folders=[tmp_path])
    assert spanish is not None and spanish.items[0].text == "[es] item 1"


def test_translation_missing_an_item_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "gad7.es.toml", _gad7_fixture(items=range(1, 7)))
    with pytest.raises(InstrumentError, match="items: numbers"):
        translate(get("gad7"), "es", folders=[tmp_path])


def test_translation_with_other_answer_values_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "gad7.es.toml", _gad7_fixture(options="0, 1, 2, 4"))
    with pytest.raises(InstrumentError, match="options: values"):
        translate(get("gad7"), "es", folders=[tmp_path])


def test_translation_without_source_is_refused(tmp_path: Path) -> None:
    body = _gad7_fixture().replace('source = "Test fixture: placeholder words, not a translation."\n', "")
    path = _write(tmp_path, "gad7.es.toml", body)
    with pytest.raises(InstrumentError, match="source"):
        load_translation(path)


def test_translation_file_name_must_match_its_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, "gad7.pt.toml", _gad7_fixture())
    with pytest.raises(InstrumentError, match=r"must be named gad7\.es\.toml"):
        load_translation(path)


def test_every_shipped_translation_covers_its_instrument_exactly() -> None:
    import alliance.instruments

    folder = Path(alliance.instruments.__file__).parent / "data" / "translations"
    for path in sorted(folder.glob("*.*.toml")):
        found = load_translation(path)
        assert found.source.strip() and found.licence.strip(), path
        assert translate(get(found.instrument), found.language) is not None
