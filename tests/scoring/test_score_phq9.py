"""PHQ-9: hand-computed totals, every band boundary, the item-9 risk flag."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.scoring import score


def _frame(rows: list[list[int | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(len(rows))],
            **{
                f"phq9_{n}": pl.Series([r[n - 1] for r in rows], dtype=pl.Int64)
                for n in range(1, 10)
            },
        }
    )


def _items_for(total: int, item9: int = 0) -> list[int | None]:
    """Nine answers summing to ``total``: items 1..8 filled with 3s, then the rest."""
    rest = total - item9
    items: list[int | None] = []
    for _ in range(8):
        v = min(3, rest)
        items.append(v)
        rest -= v
    assert rest == 0
    return [*items, item9]


def test_total_and_item_mean_by_hand() -> None:
    # 2 + 1 + 3 + 0 + 1 + 2 + 0 + 1 + 0 = 10 -> moderate; mean 10 / 9
    r = score(_frame([[2, 1, 3, 0, 1, 2, 0, 1, 0]]), "phq9").scores.row(0, named=True)
    assert r["phq9_total"] == 10
    assert r["phq9_total_mean"] == pytest.approx(10 / 9)
    assert r["phq9_band"] == "moderate"
    assert r["phq9_flag_risk"] is False
    assert r["phq9_note"] is None


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_band_boundaries(total: int, band: str) -> None:
    r = score(_frame([_items_for(total)]), "phq9").scores.row(0, named=True)
    assert r["phq9_total"] == total
    assert r["phq9_band"] == band


def test_maximum_27_is_severe_and_flags_risk() -> None:
    r = score(_frame([[3] * 9]), "phq9").scores.row(0, named=True)
    assert (r["phq9_total"], r["phq9_band"], r["phq9_flag_risk"]) == (27, "severe", True)


def test_item9_flag_true_false_and_empty_when_missing() -> None:
    rows: list[list[int | None]] = [
        [0, 0, 0, 0, 0, 0, 0, 0, 1],  # item 9 = 1 > 0 -> flag, though total 1 is minimal
        [3, 3, 3, 3, 3, 3, 3, 3, 0],  # item 9 = 0 -> no flag, though total 24 is severe
        [1, 1, 1, 1, 1, 1, 1, 1, None],  # item 9 unanswered -> flag unknown (empty)
    ]
    flags = score(_frame(rows), "phq9").scores["phq9_flag_risk"].to_list()
    assert flags == [True, False, None]


def test_one_missing_item_is_prorated_and_banded_by_lower_bounds() -> None:
    rows: list[list[int | None]] = [
        [1, 1, 1, 1, 0, 0, 0, 0, None],  # 4 over 8 answered -> 0.5 * 9 = 4.5 -> minimal
        [1, 1, 1, 1, 1, 1, 1, 2, None],  # 9 over 8 -> 1.125 * 9 = 10.125 -> moderate
        [None, 2, 2, 2, 2, 2, 2, 2, 2],  # 16 over 8 -> 2 * 9 = 18 -> moderately severe
    ]
    scored = score(_frame(rows), "phq9").scores
    assert scored["phq9_total"].to_list() == pytest.approx([4.5, 10.125, 18.0])
    assert scored["phq9_band"].to_list() == ["minimal", "moderate", "moderately severe"]
    assert scored["phq9_note"].to_list() == [
        "item 9 (risk) unanswered; total: prorated (1 of 9 items missing)",
        "item 9 (risk) unanswered; total: prorated (1 of 9 items missing)",
        "total: prorated (1 of 9 items missing)",
    ]


def test_two_missing_items_give_no_total_no_band() -> None:
    r = score(_frame([[1, 1, 1, 1, 1, 1, None, None, 0]]), "phq9").scores.row(0, named=True)
    assert r["phq9_total"] is None
    assert r["phq9_band"] is None
    assert r["phq9_note"] == "total: not scored (2 of 9 items missing; at most 1 allowed)"


def test_one_web_submission_with_item9_left_blank_is_prorated() -> None:
    # A single submitted form builds a one-row frame; polars gives the blank
    # answer the Null dtype. The engine must treat it as "missing", as it
    # does for typed columns (check_columns accepts Null columns).
    answers: dict[str, list[int | None]] = {f"phq9_{n}": [1] for n in range(1, 9)}
    answers["phq9_9"] = [None]
    frame = pl.DataFrame({"id": ["c1"], **answers})
    assert frame.schema["phq9_9"] == pl.Null
    r = score(frame, "phq9").scores.row(0, named=True)
    # 8 over 8 answered -> 1 * 9 = 9 -> mild; risk unknown
    assert r["phq9_total"] == pytest.approx(9.0)
    assert r["phq9_band"] == "mild"
    assert r["phq9_flag_risk"] is None
    assert r["phq9_note"] == "item 9 (risk) unanswered; total: prorated (1 of 9 items missing)"


def test_blank_item9_is_named_first_in_the_note_even_when_the_total_is_not_scored() -> None:
    r = score(_frame([[1, 1, 1, 1, 1, 1, 1, None, None]]), "phq9").scores.row(0, named=True)
    assert r["phq9_flag_risk"] is None
    assert r["phq9_note"] == (
        "item 9 (risk) unanswered; total: not scored (2 of 9 items missing; at most 1 allowed)"
    )


def test_answered_item9_with_another_blank_has_no_risk_note() -> None:
    r = score(_frame([[None, 1, 1, 1, 1, 1, 1, 1, 0]]), "phq9").scores.row(0, named=True)
    assert r["phq9_flag_risk"] is False
    assert "risk" not in r["phq9_note"]
