"""Bad instrument files give an InstrumentError naming file, field and problem;
a valid user instrument loads from a file or from ALLIANCE_INSTRUMENTS_PATH."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from alliance.errors import InstrumentError
from alliance.instruments import get, load_file, registry, resolve
from alliance.instruments.loader import ENV_PATH
from alliance.scoring import score

MINI = """\
id = "{id}"
name = "Mini instrument"
short_name = "Mini"
respondent = "client"
instructions = "Answer each question."

[response]
kind = "choice"
options = [{{ value = 0, label = "No" }}, {{ value = 1, label = "Yes" }}]

[[items]]
n = 1
text = "One"
[[items]]
n = 2
text = "Two"
[[items]]
n = 3
text = "Three"

[[scales]]
id = "bond"
label = "Bond"
items = [1, 2, 3]
missing = {{ method = "complete", source = "test" }}

[licence]
name = "Test"
text = "Test licence."

[citation]
text = "Test citation."
"""

BANDS = (
    'bands = [{ label = "low", min = 0, max = 2 }, { label = "high", min = 2, max = 3 }]\n'
    'bands_source = "Test source"\n'
)

SRS_LIKE = """\
# A user-imported 4-line visual-analogue instrument shaped like the SRS
# (the SRS text itself is licensed and is not reproduced).
id = "srs_like"
name = "Session rating, visual-analogue (user instrument)"
short_name = "SRS-like"
respondent = "client"
instructions = "Mark each line to show how today's session was for you."

[response]
kind = "numeric"
min = 0
max = 10

[[items]]
n = 1
text = "Relationship"
[[items]]
n = 2
text = "Goals and topics"
[[items]]
n = 3
text = "Approach or method"
[[items]]
n = 4
text = "Overall"

[[scales]]
id = "total"
label = "Total"
items = [1, 2, 3, 4]
method = "sum"
higher_is_better = true
missing = { method = "complete", max_missing = 0, source = "User file: every line needed." }
change = { published = false, source = "User file: no norm entered." }

[[flags]]
id = "below_cutoff"
scale = "total"
op = "<"
value = 36
severity = "warning"
message = "Total below 36: talk about the session."
source = "User file: cut-off 36 (sources disagree on < or <=)."

[licence]
name = "User licence"
text = "Used under the user's own licence."

[citation]
text = "User-supplied citation."
"""


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / f"{name}.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InstrumentError) as info:
        load_file(path)
    return str(info.value)


def test_the_mini_template_itself_is_valid(tmp_path: Path) -> None:
    # Guards the error tests below: each differs from this file by one change.
    assert load_file(_write(tmp_path, "mini", MINI.format(id="mini"))).id == "mini"


def test_unknown_field_typo_names_file_item_field_and_problem(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace('n = 3\ntext = "Three"', 'n = 3\ntxet = "Three"')
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "items[n=3].txet" in msg
    assert "not permitted" in msg
    assert "items[n=3].text" in msg  # and the field it should have been is missing


def test_missing_licence_names_file_and_licence(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace('[licence]\nname = "Test"\ntext = "Test licence."\n', "")
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "licence" in msg
    assert "required" in msg.lower()


def test_scale_naming_a_nonexistent_item_names_file_scale_field_and_item(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace("items = [1, 2, 3]", "items = [1, 2, 7]")
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "item 7" in msg
    assert "does not exist" in msg
    assert "scales[id=bond].items" in msg


def test_duplicated_option_values_name_file_response_and_values(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace('value = 1, label = "Yes"', 'value = 0, label = "Yes"')
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "response" in msg
    assert "option values repeat" in msg


def test_overlapping_bands_name_file_scale_and_bands(tmp_path: Path) -> None:
    # low = 0-2 and high = 2-3 share the score 2.
    text = MINI.format(id="mini").replace("missing = {", BANDS + "missing = {")
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "scales[id=bond]" in msg
    assert "overlap" in msg
    assert "low" in msg and "high" in msg


def test_bands_without_bands_source_are_refused(tmp_path: Path) -> None:
    bands = BANDS.replace("min = 2, max = 3", "min = 3, max = 3").replace(
        'bands_source = "Test source"\n', ""
    )
    text = MINI.format(id="mini").replace("missing = {", bands + "missing = {")
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "scales[id=bond]" in msg
    assert "bands_source" in msg


def test_file_name_not_matching_id_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "mini", MINI.format(id="other_name"))
    msg = _error(path)
    assert str(path) in msg
    assert "'other_name'" in msg and "'mini'" in msg
    assert "id" in msg


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace('name = "Mini instrument"', 'name = "Mini instrument')
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "not valid TOML" in msg
    assert "line 2" in msg


def test_non_utf8_file_is_refused_with_its_name(tmp_path: Path) -> None:
    text = MINI.format(id="mini").replace('"One"', '"Café"').encode("latin-1")
    path = _write(tmp_path, "mini", text)
    msg = _error(path)
    assert str(path) in msg
    assert "UTF-8" in msg


def test_unreadable_file_is_an_instrument_error(tmp_path: Path) -> None:
    msg = _error(tmp_path / "absent.toml")
    assert "absent.toml" in msg
    assert "cannot read" in msg


# --- a valid user instrument ---------------------------------------------------


def _srs_rows() -> pl.DataFrame:
    # totals: 9.5+9+8.5+9 = 36.0 (not below 36); 9+9+9+8.9 = 35.9 (below);
    # 10*4 = 40; 0*4 = 0 (below); row 5 has a blank line -> no total, no flag.
    return pl.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "srs_like_1": [9.5, 9.0, 10.0, 0.0, 7.0],
            "srs_like_2": [9.0, 9.0, 10.0, 0.0, None],
            "srs_like_3": [8.5, 9.0, 10.0, 0.0, 7.0],
            "srs_like_4": [9.0, 8.9, 10.0, 0.0, 7.0],
        }
    )


def _check_srs_scores(scores: pl.DataFrame) -> None:
    assert scores["srs_like_total"].to_list() == pytest.approx([36.0, 35.9, 40.0, 0.0, None])
    assert scores["srs_like_flag_below_cutoff"].to_list() == [False, True, False, True, None]


def test_user_visual_analogue_instrument_loads_from_a_file_and_scores(tmp_path: Path) -> None:
    inst = load_file(_write(tmp_path, "srs_like", SRS_LIKE))
    assert inst.id == "srs_like"
    assert [inst.response_for(n).kind for n in range(1, 5)] == ["numeric"] * 4
    assert (inst.response_for(1).low, inst.response_for(1).high) == (0, 10)
    _check_srs_scores(score(_srs_rows(), inst).scores)


def test_user_instrument_on_the_environment_path_is_found_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "srs_like", SRS_LIKE)
    monkeypatch.setenv(ENV_PATH, str(tmp_path))
    assert "srs_like" in registry()
    assert get("srs_like").short_name == "SRS-like"
    assert resolve("srs_like").id == "srs_like"
    _check_srs_scores(score(_srs_rows(), "srs_like").scores)


def test_user_instrument_is_not_found_without_the_environment_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_PATH, raising=False)
    assert "srs_like" not in registry()


def test_user_file_reusing_a_builtin_id_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "phq9", MINI.format(id="phq9"))
    monkeypatch.setenv(ENV_PATH, str(tmp_path))
    with pytest.raises(InstrumentError) as info:
        registry()
    msg = str(info.value)
    assert str(path) in msg
    assert "'phq9'" in msg
    assert "already defined" in msg
    with pytest.raises(InstrumentError):
        get("phq9")


def test_bad_user_file_on_the_environment_path_stops_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, "mini", MINI.format(id="mini").replace('name = "Test"\n', ""))
    monkeypatch.setenv(ENV_PATH, str(tmp_path))
    with pytest.raises(InstrumentError, match=r"licence\.name"):
        registry()
    assert path.exists()


def test_environment_path_entry_that_is_not_a_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_PATH, str(tmp_path / "nowhere"))
    with pytest.raises(InstrumentError, match="not a directory"):
        registry()
