"""Prorated sums and their bands: banded by lower bound, unrounded by default;
rounded (halves up) before banding when the instrument file says so, citing
the guidance.

Worked numbers: 8 answered PHQ-9-shaped items summing to 4 give
4 * 9 / 8 = 4.5: unrounded "minimal" (4.5 < 5, the last minimum reached is 0);
rounded 5, "mild". 7 answered items summing to 7 give 9.0 (no rounding needed);
summing to 8 give 10.2857 -> 10 rounded; 7 items summing to 5 give 6.43 -> 6.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from pydantic import ValidationError

from alliance.instruments import load_file
from alliance.instruments.schema import MissingRule
from alliance.scoring import score

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "instruments" / "rounded_demo.toml"


def _frame(prefix: str, rows: list[list[int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(len(rows))],
            **{
                f"{prefix}_{n}": pl.Series([r[n - 1] for r in rows], dtype=pl.Int64)
                for n in range(1, 10)
            },
        }
    )


ROWS: list[list[int | None]] = [
    [1, 1, 1, 1, 0, 0, 0, 0, None],  # 4 over 8 items -> 4.5
    [1, 1, 1, 1, 1, 1, 1, None, None],  # 7 over 7 -> 9.0
    [2, 1, 1, 1, 1, 1, 1, None, None],  # 8 over 7 -> 10.2857
    [1, 1, 1, 1, 1, 0, 0, None, None],  # 5 over 7 -> 6.4286
]


def test_phq9_prorated_score_is_unrounded_and_banded_by_lower_bound() -> None:
    row: list[int | None] = [1, 1, 1, 1, 0, 0, 0, None, 0]  # 4 over 8 items -> 4.5
    out = score(_frame("phq9", [row]), "phq9").scores.row(0, named=True)
    assert out["phq9_total"] == 4.5
    assert out["phq9_band"] == "minimal"  # 4.5 has not reached 5, the minimum of "mild"
    assert out["phq9_note"] == "total: prorated (1 of 9 items missing)"


def test_rounded_proration_rounds_halves_up_before_banding() -> None:
    inst = load_file(FIXTURE)
    out = score(_frame("rounded_demo", ROWS), inst).scores
    assert out["rounded_demo_total"].to_list() == [5.0, 9.0, 10.0, 6.0]
    assert out["rounded_demo_band"].cast(pl.String).to_list() == [
        "mild",
        "mild",
        "moderate",
        "mild",
    ]
    # the item mean stays the mean of the answered items
    assert out["rounded_demo_total_mean"].to_list() == pytest.approx([0.5, 1.0, 8 / 7, 5 / 7])


def test_complete_answers_are_the_same_rounded_or_not() -> None:
    inst = load_file(FIXTURE)
    rows: list[list[int | None]] = [[3, 3, 2, 1, 0, 0, 1, 2, 1], [0] * 9, [3] * 9]
    out = score(_frame("rounded_demo", rows), inst).scores
    assert out["rounded_demo_total"].to_list() == [13.0, 0.0, 27.0]


def test_rounding_needs_proration_and_a_cited_source() -> None:
    with pytest.raises(ValidationError, match="round_source"):
        MissingRule(method="prorate", max_missing=1, source="s", round=True)
    with pytest.raises(ValidationError, match="method = 'prorate'"):
        MissingRule(method="complete", source="s", round=True, round_source="g")
    with pytest.raises(ValidationError, match="round is false"):
        MissingRule(method="prorate", max_missing=1, source="s", round_source="g")
    rule = MissingRule(method="prorate", max_missing=1, source="s", round=True, round_source="g")
    assert rule.round


def test_codebook_and_instrument_page_state_the_banding_rule() -> None:
    from alliance.export.codebook import instrument_columns
    from alliance.instruments import get

    columns = instrument_columns({"phq9": get("phq9"), "rounded_demo": load_file(FIXTURE)})
    phq = columns["phq9_band"].label
    assert "banded by lower bound" in phq and "prorated sums unrounded" in phq
    rounded = columns["rounded_demo_band"].label
    assert "rounded to whole points, halves up" in rounded and "APA DSM-5" in rounded
