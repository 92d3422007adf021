"""C-NIP: signed scale sums (+ = the first-named pole), missing-data rules."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.errors import DataError
from alliance.scoring import score

# Items 1..18 of one hand-worked answer sheet, each -3..+3.
ANSWERS: list[int | None] = [
    3, -1, 2, 0, -3,  # directiveness 1-5
    -2, -2, -1, 0, 1,  # emotional intensity 6-10
    3, 3, 3,  # past orientation 11-13
    -3, -3, -3, -3, -3,  # warm support 14-18
]  # fmt: skip


def _row(answers: list[int | None]) -> dict[str, object]:
    frame = pl.DataFrame(
        {f"cnip_{n}": pl.Series([v], dtype=pl.Int64) for n, v in enumerate(answers, 1)}
    )
    return score(frame, "cnip").scores.row(0, named=True)


def test_signed_scale_sums_by_hand() -> None:
    r = _row(ANSWERS)
    assert r["cnip_directiveness"] == 1  # 3 - 1 + 2 + 0 - 3 = 1
    assert r["cnip_emotional_intensity"] == -4  # -2 - 2 - 1 + 0 + 1 = -4
    assert r["cnip_past_orientation"] == 9  # 3 + 3 + 3 = 9 (maximum)
    assert r["cnip_warm_support"] == -15  # 5 x -3 = -15 (strong focused challenge)
    assert r["cnip_directiveness_mean"] == pytest.approx(0.2)  # 1 / 5
    assert r["cnip_note"] is None


def test_no_preference_everywhere_scores_zero() -> None:
    r = _row([0] * 18)
    for scale in ("directiveness", "emotional_intensity", "past_orientation", "warm_support"):
        assert r[f"cnip_{scale}"] == 0


def test_one_missing_item_prorates_a_five_item_scale() -> None:
    answers = list(ANSWERS)
    answers[4] = None  # item 5
    r = _row(answers)
    # 3 - 1 + 2 + 0 = 4 over 4 answered -> 1 * 5 = 5
    assert r["cnip_directiveness"] == pytest.approx(5.0)
    assert "directiveness: prorated (1 of 5 items missing)" in str(r["cnip_note"])


def test_one_missing_item_leaves_the_three_item_scale_unscored() -> None:
    answers = list(ANSWERS)
    answers[11] = None  # item 12
    r = _row(answers)
    assert r["cnip_past_orientation"] is None
    assert "past_orientation: not scored (1 of 3 items missing; every item is needed)" in str(
        r["cnip_note"]
    )
    assert r["cnip_directiveness"] == 1


def test_plus_four_is_refused() -> None:
    answers = list(ANSWERS)
    answers[6] = 4  # item 7
    with pytest.raises(DataError) as info:
        _row(answers)
    assert (info.value.row, info.value.column, info.value.value) == (1, "cnip_7", 4)
