"""Goal Attainment Scaling: the Kiresuk & Sherman (1968) T-score,

    T = 50 + 10 * sum(x) / sqrt((1 - rho) * m + rho * m**2),   rho = 0.3,

over the m goals that were rated (unweighted)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from alliance.scoring import score


def _kiresuk_sherman(xs: list[int], rho: float = 0.3) -> float:
    m = len(xs)
    return 50 + 10 * sum(xs) / math.sqrt((1 - rho) * m + rho * m * m)


def _t(goals: list[int | None]) -> object:
    frame = pl.DataFrame(
        {f"gas_{n}": pl.Series([v], dtype=pl.Int64) for n, v in enumerate(goals, 1)}
    )
    return score(frame, "gas").scores.row(0, named=True)["gas_t"]


def test_three_goals_at_plus_one_give_63_69() -> None:
    # m = 3: 0.7 * 3 + 0.3 * 9 = 4.8; 10 / sqrt(4.8) = 4.5644; 50 + 4.5644 * 3 = 63.693
    assert _t([1, 1, 1, None, None]) == pytest.approx(63.693, abs=1e-3)
    assert _t([1, 1, 1, None, None]) == pytest.approx(_kiresuk_sherman([1, 1, 1]))


def test_goals_met_as_expected_give_50() -> None:
    assert _t([0, 0, 0, 0, 0]) == pytest.approx(50.0)


def test_one_goal_at_plus_two_gives_70() -> None:
    # m = 1: sqrt(0.7 + 0.3) = 1; 50 + 10 * 2 = 70
    assert _t([None, None, 2, None, None]) == pytest.approx(70.0)


def test_five_goals_at_minus_two_give_19_85() -> None:
    # m = 5: 0.7 * 5 + 0.3 * 25 = 11; 50 - 100 / sqrt(11) = 50 - 30.151 = 19.849
    assert _t([-2] * 5) == pytest.approx(19.849, abs=1e-3)
    assert _t([-2] * 5) == pytest.approx(_kiresuk_sherman([-2] * 5))


@pytest.mark.parametrize(
    "goals",
    [[2, -1, None, 0, 1], [-1, None, None, None, -2], [2, 2, 2, 2, 1], [None, 0, 1, None, None]],
)
def test_t_score_matches_the_formula_over_rated_goals(goals: list[int | None]) -> None:
    # e.g. [2, -1, -, 0, 1]: m = 4, sum 2, 0.7*4 + 0.3*16 = 7.6 -> 50 + 20/2.7568 = 57.255
    rated = [g for g in goals if g is not None]
    assert _t(goals) == pytest.approx(_kiresuk_sherman(rated))


def test_unrated_goals_are_noted_and_no_goals_give_no_score() -> None:
    frame = pl.DataFrame(
        {
            f"gas_{n}": pl.Series(v, dtype=pl.Int64)
            for n, v in enumerate([[1, None], [1, None], [1, None], [None, None], [None, None]], 1)
        }
    )
    scored = score(frame, "gas").scores
    assert scored["gas_t"][1] is None
    assert scored["gas_note"].to_list() == [
        "t: scored from answered items (2 of 5 items missing)",
        "t: not scored (5 of 5 items missing; at least one item is needed)",
    ]


def test_absent_optional_goal_columns_count_as_unrated() -> None:
    frame = pl.DataFrame({"gas_1": [1], "gas_2": [1], "gas_3": [1]})
    assert score(frame, "gas").scores["gas_t"][0] == pytest.approx(_kiresuk_sherman([1, 1, 1]))
