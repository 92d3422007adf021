"""Goal Attainment Scaling T-scores (alliance.stats.gas)."""

from __future__ import annotations

import doctest
import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.errors import DataError
from alliance.stats import gas
from alliance.stats.gas import gas_t_score, gas_t_scores

GOALS = ["g1", "g2", "g3"]


def test_docstring_examples_run() -> None:
    result = doctest.testmod(gas)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize("levels", [(-2, -2, -2), (-1, 0, 2), (1, 1, 0), (2, 2, 2), (0, 0, 0)])
def test_three_unweighted_goals_give_50_plus_4_564_times_sum(levels: tuple[int, ...]) -> None:
    # Kiresuk & Sherman (1968): 10 / sqrt(.7 * 3 + .3 * 3**2) = 10 / sqrt(4.8) = 4.5644
    assert gas_t_score(levels) == pytest.approx(50 + 4.564 * sum(levels), abs=0.01)
    assert gas_t_score(levels) == pytest.approx(50 + 10 / math.sqrt(4.8) * sum(levels))


def test_all_goals_at_expected_level_give_t_50() -> None:
    assert gas_t_score([0, 0, 0, 0, 0]) == 50.0


def test_t_scores_over_the_full_range_for_one_and_two_goals() -> None:
    # one goal: denominator sqrt(.7 * 1 + .3 * 1) = 1, so T = 50 + 10 x
    assert [gas_t_score([x]) for x in (-2, -1, 0, 1, 2)] == [30.0, 40.0, 50.0, 60.0, 70.0]
    # two goals at +2: 50 + 10 * 4 / sqrt(.7 * 2 + .3 * 4) = 50 + 40 / sqrt(2.6) = 74.8069
    assert gas_t_score([2, 2]) == pytest.approx(74.8069, abs=1e-4)
    # two goals at -2: mirror image, 100 - 74.8069
    assert gas_t_score([-2, -2]) == pytest.approx(25.1931, abs=1e-4)


def test_weights_enter_numerator_and_denominator() -> None:
    # w = (2, 1), x = (1, -1): sum(w x) = 1; sum w^2 = 5; (sum w)^2 = 9
    # T = 50 + 10 * 1 / sqrt(.7 * 5 + .3 * 9) = 50 + 10 / sqrt(6.2) = 54.0161
    assert gas_t_score([1, -1], weights=[2, 1]) == pytest.approx(54.0161, abs=1e-4)
    # equal weights of any size give the unweighted score
    assert gas_t_score([1, 2, -1], weights=[3, 3, 3]) == pytest.approx(gas_t_score([1, 2, -1]))


def test_rho_changes_the_denominator() -> None:
    # rho = 0: T = 50 + 10 * sum(x) / sqrt(k) -> 3 goals at +1: 50 + 30 / sqrt(3) = 67.3205
    assert gas_t_score([1, 1, 1], rho=0.0) == pytest.approx(50 + 30 / math.sqrt(3))


def test_missing_goals_are_skipped_with_their_weights() -> None:
    assert gas_t_score([1, None, -1, None]) == pytest.approx(gas_t_score([1, -1]))
    assert gas_t_score([2, None], weights=[1, 5]) == pytest.approx(70.0)


@pytest.mark.parametrize("bad", [3, -3, 0.5, 1.5, float("nan"), float("inf")])
def test_level_outside_range_or_not_whole_is_rejected_naming_the_value(bad: float) -> None:
    with pytest.raises(
        ValueError, match=f"goal 2 level must be an integer from -2 to \\+2, got {bad}"
    ):
        gas_t_score([0, bad, 1])


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError, match="no goal levels"):
        gas_t_score([None, None])
    with pytest.raises(ValueError, match="weights has 2 value"):
        gas_t_score([1, 1, 1], weights=[1, 1])
    with pytest.raises(ValueError, match="weight 1 must be a finite number above 0"):
        gas_t_score([1], weights=[0])
    with pytest.raises(ValueError, match=r"rho must lie in \[0, 1\)"):
        gas_t_score([1], rho=1.0)
    with pytest.raises(TypeError, match="goal 1 level must be a number"):
        gas_t_score(["1"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="levels must be a sequence"):
        gas_t_score("12")  # type: ignore[arg-type]


# ------------------------------------------------------------- vectorised


def test_frame_version_skips_missing_goals_and_gives_null_without_goals() -> None:
    df = pl.DataFrame(
        {
            "g1": [1, 2, None, -2],
            "g2": [1, None, None, 0],
            "g3": [1, None, None, 2],
        }
    )
    t = gas_t_scores(df, GOALS)
    assert t.name == "gas_t"
    assert t.dtype == pl.Float64
    # row 0: 50 + 4.5644 * 3 = 63.69; row 1: one goal, 50 + 10 * 2 = 70; row 3: sum 0 -> 50
    assert t.to_list() == [pytest.approx(63.6931, abs=1e-4), 70.0, None, 50.0]


def test_frame_version_applies_weights_per_column() -> None:
    df = pl.DataFrame({"g1": [1, 1], "g2": [-1, None]})
    t = gas_t_scores(df, ["g1", "g2"], weights=[2, 1])
    # row 0: 54.0161 as in the scalar test; row 1: goal 1 only, 50 + 10 * 2 / 2 = 60
    assert t.to_list() == [pytest.approx(54.0161, abs=1e-4), pytest.approx(60.0)]


def test_frame_version_names_row_column_and_value_of_a_bad_level() -> None:
    df = pl.DataFrame({"g1": [0.0, 1.0, 2.0], "g2": [1.0, 0.5, None]})
    with pytest.raises(DataError, match=r"got 0\.5 in column 'g2' at row 2") as info:
        gas_t_scores(df, ["g1", "g2"])
    assert (info.value.row, info.value.column, info.value.value) == (2, "g2", 0.5)
    with pytest.raises(DataError, match="got 3 in column 'g1' at row 1"):
        gas_t_scores(pl.DataFrame({"g1": [3]}), ["g1"])


def test_frame_version_rejects_bad_columns() -> None:
    df = pl.DataFrame({"g1": [1], "txt": ["a"]})
    with pytest.raises(ValueError, match=r"lacks goal column\(s\) \['g9'\]"):
        gas_t_scores(df, ["g1", "g9"])
    with pytest.raises(TypeError, match="'txt' must be numeric"):
        gas_t_scores(df, ["g1", "txt"])
    with pytest.raises(ValueError, match="goal_cols is empty"):
        gas_t_scores(df, [])
    with pytest.raises(ValueError, match="weights has 2 value"):
        gas_t_scores(df, ["g1"], weights=[1, 2])


_level = st.one_of(st.none(), st.integers(-2, 2))


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(_level, min_size=4, max_size=4), min_size=1, max_size=20),
    weights=st.lists(st.floats(0.1, 10), min_size=4, max_size=4),
    rho=st.floats(0.0, 0.9),
)
def test_frame_version_equals_scalar_version_row_by_row(
    rows: list[list[int | None]], weights: list[float], rho: float
) -> None:
    cols = ["a", "b", "c", "d"]
    df = pl.DataFrame(rows, schema={c: pl.Int64 for c in cols}, orient="row")
    got = gas_t_scores(df, cols, weights=weights, rho=rho).to_list()
    for row, t in zip(rows, got, strict=True):
        if all(x is None for x in row):
            assert t is None
        else:
            assert t == pytest.approx(gas_t_score(row, weights=weights, rho=rho))


@given(levels=st.lists(st.integers(-2, 2), min_size=1, max_size=8))
def test_mirrored_levels_mirror_the_t_score_around_50(levels: list[int]) -> None:
    assert gas_t_score([-x for x in levels]) == pytest.approx(100 - gas_t_score(levels))
