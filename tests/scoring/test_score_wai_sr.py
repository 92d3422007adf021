"""WAI-SR (client and therapist forms): hand-computed totals, subscales, means
and the missing-data rule (prorate with at most one item missing per scale)."""

from __future__ import annotations

import polars as pl
import pytest

from alliance.instruments import get
from alliance.scoring import output_columns, score

# Items 1..12 of one hand-worked answer sheet.
ANSWERS = [5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2]


def _frame(form: str, answers: list[int | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ["c1"],
            "session": [1],
            **{f"{form}_{n}": pl.Series([v], dtype=pl.Int64) for n, v in enumerate(answers, 1)},
        }
    )


def _row(form: str, answers: list[int | None]) -> dict[str, object]:
    return score(_frame(form, answers), form).scores.row(0, named=True)


@pytest.mark.parametrize("form", ["wai_sr", "wai_sr_t"])
def test_total_subscales_and_item_means_by_hand(form: str) -> None:
    r = _row(form, ANSWERS)
    # Task = items 1, 2, 10, 12 = 5 + 4 + 4 + 2 = 15; mean 15 / 4 = 3.75
    assert r[f"{form}_task"] == 15
    assert r[f"{form}_task_mean"] == pytest.approx(3.75)
    # Bond = items 3, 5, 7, 9 = 3 + 1 + 3 + 5 = 12; mean 3.0
    assert r[f"{form}_bond"] == 12
    assert r[f"{form}_bond_mean"] == pytest.approx(3.0)
    # Goal = items 4, 6, 8, 11 = 2 + 2 + 4 + 3 = 11; mean 2.75
    assert r[f"{form}_goal"] == 11
    assert r[f"{form}_goal_mean"] == pytest.approx(2.75)
    # Total = 15 + 12 + 11 = 38; mean 38 / 12 = 3.1667
    assert r[f"{form}_total"] == 38
    assert r[f"{form}_total_mean"] == pytest.approx(38 / 12)
    assert r[f"{form}_note"] is None


def test_all_seldom_and_all_always_give_the_range_ends() -> None:
    low = _row("wai_sr", [1] * 12)
    high = _row("wai_sr", [5] * 12)
    # 12 x 1 = 12 and 12 x 5 = 60; subscales 4 x 1 = 4 and 4 x 5 = 20.
    assert (low["wai_sr_total"], high["wai_sr_total"]) == (12, 60)
    for sub in ("task", "bond", "goal"):
        assert (low[f"wai_sr_{sub}"], high[f"wai_sr_{sub}"]) == (4, 20)


def test_output_columns_are_scale_mean_pairs_then_note() -> None:
    assert output_columns(get("wai_sr")) == [
        "wai_sr_total",
        "wai_sr_total_mean",
        "wai_sr_goal",
        "wai_sr_goal_mean",
        "wai_sr_task",
        "wai_sr_task_mean",
        "wai_sr_bond",
        "wai_sr_bond_mean",
        "wai_sr_note",
    ]


def test_one_missing_bond_item_is_prorated_with_a_note() -> None:
    answers: list[int | None] = list(ANSWERS)
    answers[8] = None  # item 9 (Bond) unanswered
    r = _row("wai_sr", answers)
    # Bond answered: items 3, 5, 7 = 3 + 1 + 3 = 7 -> mean 7/3 -> prorated 7/3 * 4 = 9.333
    assert r["wai_sr_bond"] == pytest.approx(28 / 3)
    assert r["wai_sr_bond_mean"] == pytest.approx(7 / 3)
    # Total answered: 38 - 5 = 33 over 11 items -> mean 3 -> prorated 3 * 12 = 36
    assert r["wai_sr_total"] == pytest.approx(36.0)
    # Task and Goal are untouched: 15 and 11.
    assert (r["wai_sr_task"], r["wai_sr_goal"]) == (15, 11)
    note = r["wai_sr_note"]
    assert isinstance(note, str)
    assert "bond: prorated (1 of 4 items missing)" in note
    assert "total: prorated (1 of 12 items missing)" in note
    assert "task" not in note and "goal" not in note


def test_two_missing_bond_items_give_no_bond_score_and_say_why() -> None:
    answers: list[int | None] = list(ANSWERS)
    answers[2] = None  # item 3
    answers[8] = None  # item 9
    r = _row("wai_sr", answers)
    assert r["wai_sr_bond"] is None
    assert r["wai_sr_bond_mean"] is None
    assert r["wai_sr_total"] is None  # 2 of 12 missing: more than 1 allowed
    assert (r["wai_sr_task"], r["wai_sr_goal"]) == (15, 11)
    note = r["wai_sr_note"]
    assert isinstance(note, str)
    assert "bond: not scored (2 of 4 items missing; at most 1 allowed)" in note
    assert "total: not scored (2 of 12 items missing; at most 1 allowed)" in note


def test_one_missing_item_in_each_of_two_subscales_prorates_both_but_not_total() -> None:
    answers: list[int | None] = list(ANSWERS)
    answers[0] = None  # item 1 (Task, 5)
    answers[3] = None  # item 4 (Goal, 2)
    r = _row("wai_sr", answers)
    # Task answered 4 + 4 + 2 = 10 over 3 -> 10/3 * 4 = 13.333
    assert r["wai_sr_task"] == pytest.approx(40 / 3)
    # Goal answered 2 + 4 + 3 = 9 over 3 -> 3 * 4 = 12
    assert r["wai_sr_goal"] == pytest.approx(12.0)
    assert r["wai_sr_bond"] == 12
    assert r["wai_sr_total"] is None


def test_client_and_therapist_forms_score_identical_answers_identically() -> None:
    client = _row("wai_sr", ANSWERS)
    therapist = _row("wai_sr_t", ANSWERS)
    for scale in ("total", "task", "bond", "goal"):
        assert client[f"wai_sr_{scale}"] == therapist[f"wai_sr_t_{scale}"]


def test_input_columns_are_kept_and_scores_appended() -> None:
    frame = _frame("wai_sr", ANSWERS)
    scored = score(frame, "wai_sr").scores
    assert scored.columns[: frame.width] == frame.columns
    assert scored.select(frame.columns).equals(frame)
