"""Score column names are made and read back from the instrument definitions."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.instruments import builtin, get
from alliance.scoring import output_columns, score
from alliance.scoring.keys import band_key, flag_key, parse_key, scale_key, score_keys


@pytest.mark.parametrize("instrument_id", sorted(builtin()))
def test_every_column_the_engine_writes_is_described_and_parsed_back(instrument_id: str) -> None:
    instrument = get(instrument_id)
    described = [k.column for k in score_keys(instrument)]
    assert sorted(described) == sorted(output_columns(instrument))
    for column in described:
        assert parse_key(column, builtin().values()).instrument == instrument_id


def test_a_longer_instrument_id_wins_over_its_prefix() -> None:
    key = parse_key("wai_sr_t_goal_mean", builtin().values())
    assert (key.instrument, key.kind, key.part) == ("wai_sr_t", "mean", "goal")
    assert parse_key("wai_sr_goal_mean", builtin().values()).instrument == "wai_sr"


def test_a_column_no_instrument_writes_is_refused() -> None:
    with pytest.raises(ValueError, match="not a score column"):
        parse_key("wai_sr_hope", builtin().values())


def test_names_are_checked_against_the_instrument() -> None:
    assert scale_key("sai", "total") == "sai_total"
    assert band_key("gad7") == "gad7_band"
    assert flag_key("phq9", "risk") == "phq9_flag_risk"
    with pytest.raises(ValueError, match="no scale 'hope'"):
        scale_key("wai_sr", "hope")
    with pytest.raises(ValueError, match="no flag"):
        flag_key("gad7", "risk")


def test_the_named_columns_are_the_engines_columns() -> None:
    frame = pl.DataFrame({f"phq9_{n}": [1.0] for n in range(1, 10)})
    scored = score(frame, "phq9", keys=()).scores
    for column in (scale_key("phq9", "total"), band_key("phq9"), flag_key("phq9", "risk")):
        assert column in scored.columns
