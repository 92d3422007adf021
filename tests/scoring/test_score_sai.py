"""SAI: composite mean over six items (prorated with one missing) and the
Bond / Goal-Task part means, which need every item."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.scoring import score

# Items 1..6 of one hand-worked answer sheet (0 Not at all .. 5 Completely).
ANSWERS = [4, 5, 3, 2, 4, 1]


def _row(answers: list[int | None]) -> dict[str, object]:
    frame = pl.DataFrame(
        {
            "id": ["c1"],
            **{f"sai_{n}": pl.Series([v], dtype=pl.Int64) for n, v in enumerate(answers, 1)},
        }
    )
    return score(frame, "sai").scores.row(0, named=True)


def test_composite_mean_and_parts_by_hand() -> None:
    r = _row(ANSWERS)
    # Composite = (4 + 5 + 3 + 2 + 4 + 1) / 6 = 19 / 6 = 3.1667
    assert r["sai_total"] == pytest.approx(19 / 6)
    # Bond = items 2, 3, 5 = (5 + 3 + 4) / 3 = 4.0
    assert r["sai_bond"] == pytest.approx(4.0)
    # Goal/Task = items 1, 4, 6 = (4 + 2 + 1) / 3 = 2.3333
    assert r["sai_goal_task"] == pytest.approx(7 / 3)
    assert r["sai_note"] is None


def test_mean_scales_have_no_separate_item_mean_column() -> None:
    frame = pl.DataFrame({f"sai_{n}": [v] for n, v in enumerate(ANSWERS, 1)})
    cols = score(frame, "sai").scores.columns
    assert "sai_total_mean" not in cols
    assert {"sai_total", "sai_bond", "sai_goal_task", "sai_note"} <= set(cols)


def test_one_missing_item_prorates_the_composite_but_its_part_needs_all_items() -> None:
    answers: list[int | None] = list(ANSWERS)
    answers[2] = None  # item 3 (Bond)
    r = _row(answers)
    # Composite over answered items: (4 + 5 + 2 + 4 + 1) / 5 = 16 / 5 = 3.2
    assert r["sai_total"] == pytest.approx(3.2)
    assert r["sai_bond"] is None
    assert r["sai_goal_task"] == pytest.approx(7 / 3)
    note = r["sai_note"]
    assert isinstance(note, str)
    assert "total: prorated (1 of 6 items missing)" in note
    assert "bond: not scored (1 of 3 items missing; every item is needed)" in note


def test_two_missing_items_give_no_composite() -> None:
    answers: list[int | None] = list(ANSWERS)
    answers[0] = None  # item 1 (Goal/Task)
    answers[1] = None  # item 2 (Bond)
    r = _row(answers)
    assert r["sai_total"] is None
    assert r["sai_bond"] is None
    assert r["sai_goal_task"] is None
    assert "total: not scored (2 of 6 items missing; at most 1 allowed)" in str(r["sai_note"])


def test_range_ends_are_0_and_5() -> None:
    assert _row([0] * 6)["sai_total"] == 0
    assert _row([5] * 6)["sai_total"] == 5


def test_answer_six_is_out_of_range() -> None:
    frame = pl.DataFrame({f"sai_{n}": [6 if n == 4 else 3] for n in range(1, 7)})
    with pytest.raises(DataError) as info:
        score(frame, "sai")
    assert (info.value.row, info.value.column, info.value.value) == (1, "sai_4", 6)
