"""GAD-7: hand-computed totals and band boundaries 4/5, 9/10, 14/15, 21."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.instruments import get
from alliance.scoring import output_columns, score


def _frame(rows: list[list[int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {f"gad7_{n}": pl.Series([r[n - 1] for r in rows], dtype=pl.Int64) for n in range(1, 8)}
    )


def test_total_by_hand() -> None:
    # 3 + 2 + 2 + 1 + 0 + 3 + 1 = 12 -> moderate; mean 12 / 7
    r = score(_frame([[3, 2, 2, 1, 0, 3, 1]]), "gad7").scores.row(0, named=True)
    assert r["gad7_total"] == 12
    assert r["gad7_total_mean"] == pytest.approx(12 / 7)
    assert r["gad7_band"] == "moderate"


@pytest.mark.parametrize(
    ("items", "total", "band"),
    [
        ([0, 0, 0, 0, 0, 0, 0], 0, "minimal"),
        ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
        ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
        ([3, 3, 3, 0, 0, 0, 0], 9, "mild"),
        ([3, 3, 3, 1, 0, 0, 0], 10, "moderate"),
        ([2, 2, 2, 2, 2, 2, 2], 14, "moderate"),
        ([3, 2, 2, 2, 2, 2, 2], 15, "severe"),
        ([3, 3, 3, 3, 3, 3, 3], 21, "severe"),
    ],
)
def test_band_boundaries(items: list[int | None], total: int, band: str) -> None:
    r = score(_frame([items]), "gad7").scores.row(0, named=True)
    assert r["gad7_total"] == total
    assert r["gad7_band"] == band


def test_one_missing_item_is_prorated() -> None:
    # 2 + 2 + 2 + 1 + 1 + 1 = 9 over 6 answered -> 1.5 * 7 = 10.5 -> moderate
    r = score(_frame([[2, 2, 2, 1, 1, 1, None]]), "gad7").scores.row(0, named=True)
    assert r["gad7_total"] == pytest.approx(10.5)
    assert r["gad7_band"] == "moderate"
    assert r["gad7_note"] == "total: prorated (1 of 7 items missing)"


def test_gad7_has_no_flags() -> None:
    assert [c for c in output_columns(get("gad7")) if "flag" in c] == []


def test_phq9_and_gad7_score_together_in_one_frame() -> None:
    frame = _frame([[3, 2, 2, 1, 0, 3, 1]]).with_columns(
        [pl.lit(1, dtype=pl.Int64).alias(f"phq9_{n}") for n in range(1, 10)]
    )
    r = score(frame, ["phq9", "gad7"]).scores.row(0, named=True)
    assert (r["gad7_total"], r["phq9_total"]) == (12, 9)
    assert (r["gad7_band"], r["phq9_band"]) == ("moderate", "mild")
