"""Tests for alliance.stats.reliability.

Oracles: pingouin (test-only, GPL; itself checked against R's psych) for
alpha and its Feldt interval, hand computation on a tiny data set, and a data
set whose sample covariance equals a known one-factor covariance exactly for
omega.
"""

from __future__ import annotations

import doctest
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.typing import NDArray
from scipy import stats

from alliance.stats import reliability
from alliance.stats.reliability import (
    AlphaResult,
    cronbach_alpha,
    item_total_correlations,
    mcdonald_omega,
)

TINY = pl.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})


def likert_items(seed: int, n: int, k: int, loading: float = 0.7) -> NDArray[np.float64]:
    """Respondents x items on a 1-5 scale from a one-factor model, rounded and clipped."""
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    raw = 3 + factor * loading + rng.normal(scale=0.8, size=(n, k))
    return np.clip(np.round(raw), 1, 5)


def exact_covariance_data(
    sigma: NDArray[np.float64], n: int, seed: int, mean: float = 3.0
) -> NDArray[np.float64]:
    """Data whose sample covariance (ddof=1) equals ``sigma`` to rounding error.

    Normal draws are centred and whitened (sample covariance = identity), then
    coloured with the Cholesky factor of ``sigma``.
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, sigma.shape[0]))
    z -= z.mean(axis=0)
    white = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return white @ np.linalg.cholesky(sigma).T + mean


def pingouin_alpha(x: NDArray[np.float64], ci: float = 0.95) -> tuple[float, NDArray[np.float64]]:
    alpha, interval = pg.cronbach_alpha(pd.DataFrame(x), ci=ci)
    return float(alpha), np.asarray(interval, dtype=float)


# --------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------


def test_alpha_matches_hand_computation_on_tiny_data() -> None:
    # item variances 2.5, 2.3, 1.5 (sum 6.3); totals 4, 7, 9, 13, 14 have variance 17.3
    # alpha = 3/2 * (1 - 6.3/17.3) = 165/173
    res = cronbach_alpha(TINY)
    assert res.alpha == pytest.approx(165 / 173, abs=1e-14)
    assert (res.n, res.k) == (5, 3)
    # Feldt: 1 - (1 - alpha) * F quantiles with df (4, 8)
    assert res.ci_low == pytest.approx(1 - (8 / 173) * stats.f.ppf(0.975, 4, 8), abs=1e-12)
    assert res.ci_high == pytest.approx(1 - (8 / 173) * stats.f.ppf(0.025, 4, 8), abs=1e-12)


@pytest.mark.parametrize(("seed", "n", "k"), [(1, 40, 4), (2, 250, 12), (3, 15, 6), (4, 900, 3)])
def test_alpha_matches_pingouin_on_random_likert_data(seed: int, n: int, k: int) -> None:
    x = likert_items(seed, n, k)
    expected_alpha, expected_ci = pingouin_alpha(x)
    res = cronbach_alpha(pl.DataFrame(x, schema=[f"i{j}" for j in range(k)]))
    assert res.alpha == pytest.approx(expected_alpha, abs=1e-12)
    # pingouin rounds its interval to 3 decimals
    assert res.ci_low == pytest.approx(expected_ci[0], abs=5e-4 + 1e-12)
    assert res.ci_high == pytest.approx(expected_ci[1], abs=5e-4 + 1e-12)


def test_alpha_matches_pingouin_example_dataset_and_its_documented_value() -> None:
    long = pg.read_dataset("cronbach_alpha")
    expected_alpha, expected_ci = pg.cronbach_alpha(
        data=long, items="Items", scores="Scores", subject="Subj"
    )
    wide = pl.from_pandas(long).pivot(on="Items", index="Subj", values="Scores").drop("Subj")
    res = cronbach_alpha(wide)
    assert res.alpha == pytest.approx(float(expected_alpha), abs=1e-12)
    assert res.alpha == pytest.approx(0.5917188485995826, abs=1e-12)  # pingouin's docstring
    assert [round(res.ci_low, 3), round(res.ci_high, 3)] == pytest.approx(list(expected_ci))
    assert [round(res.ci_low, 3), round(res.ci_high, 3)] == pytest.approx([0.195, 0.84])


def test_alpha_listwise_matches_pingouin_on_its_missing_data_example() -> None:
    wide = pg.read_dataset("cronbach_wide_missing")
    res = cronbach_alpha(pl.from_pandas(wide), nan_policy="listwise")
    assert res.alpha == pytest.approx(0.8016949152542373, abs=1e-12)  # pingouin's docstring
    assert res.n == 9
    # pingouin's listwise interval uses n before dropping rows; compare with
    # pingouin on the already-complete frame, whose n is right.
    _, expected_ci = pg.cronbach_alpha(wide.dropna())
    assert res.ci_low == pytest.approx(expected_ci[0], abs=5e-4 + 1e-12)
    assert res.ci_high == pytest.approx(expected_ci[1], abs=5e-4 + 1e-12)


@pytest.mark.parametrize("ci", [0.80, 0.90, 0.99])
def test_alpha_ci_level_matches_pingouin(ci: float) -> None:
    x = likert_items(11, 120, 5)
    _, expected_ci = pingouin_alpha(x, ci=ci)
    res = cronbach_alpha(x, ci=ci)
    assert (res.ci_low, res.ci_high) == pytest.approx(tuple(expected_ci), abs=5e-4 + 1e-12)


def test_alpha_interval_widens_with_confidence_level() -> None:
    x = likert_items(12, 60, 4)
    narrow, wide = cronbach_alpha(x, ci=0.80), cronbach_alpha(x, ci=0.99)
    assert wide.ci_low < narrow.ci_low < narrow.alpha < narrow.ci_high < wide.ci_high


def test_alpha_same_for_numpy_array_and_polars_frame() -> None:
    x = likert_items(5, 80, 5)
    from_array, from_frame = cronbach_alpha(x), cronbach_alpha(pl.DataFrame(x))
    assert (from_array.n, from_array.k) == (from_frame.n, from_frame.k) == (80, 5)
    assert from_array.alpha == pytest.approx(from_frame.alpha, abs=1e-14)
    assert from_array.ci_low == pytest.approx(from_frame.ci_low, abs=1e-14)


def test_alpha_returns_frozen_dataclass() -> None:
    res = cronbach_alpha(TINY)
    assert isinstance(res, AlphaResult)
    with pytest.raises(AttributeError):
        res.alpha = 0.0  # type: ignore[misc]


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(3, 25).flatmap(
        lambda n: st.integers(2, 6).flatmap(
            lambda k: arrays(np.int64, (n, k), elements=st.integers(1, 5))
        )
    ),
    shift=st.floats(-1000, 1000, allow_nan=False),
    seed=st.integers(0, 2**32 - 1),
)
def test_alpha_invariant_to_row_order_and_to_adding_a_constant(
    x: NDArray[np.int64], shift: float, seed: int
) -> None:
    assume(np.var(x.sum(axis=1)) > 0)
    base = cronbach_alpha(x)
    permuted = cronbach_alpha(x[np.random.default_rng(seed).permutation(x.shape[0])])
    shifted = cronbach_alpha(x.astype(float) + shift)
    tol = 1e-8 * max(1.0, abs(base.alpha))
    assert permuted.alpha == pytest.approx(base.alpha, abs=tol)
    assert shifted.alpha == pytest.approx(base.alpha, abs=tol)
    assert shifted.ci_low == pytest.approx(base.ci_low, abs=tol * 10)
    assert shifted.ci_high == pytest.approx(base.ci_high, abs=tol * 10)


# --------------------------------------------------------------------------
# input validation (shared by all three statistics)
# --------------------------------------------------------------------------


def with_missing() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "a": [1.0, 2.0, None, 4.0, 5.0, 3.0],
            "b": [2.0, float("nan"), 3.0, 5.0, 5.0, 4.0],
            "c": [1.0, 3.0, 3.0, 4.0, 4.0, 2.0],
        }
    )


@pytest.mark.parametrize("func", [cronbach_alpha, mcdonald_omega, item_total_correlations])
def test_missing_items_raise_naming_the_number_of_incomplete_rows(func: object) -> None:
    with pytest.raises(ValueError, match=r"2 of 6 rows have a missing item"):
        func(with_missing())  # type: ignore[operator]


def test_listwise_drops_rows_with_null_or_nan() -> None:
    res = cronbach_alpha(with_missing(), nan_policy="listwise")
    complete = with_missing().filter(pl.all_horizontal(pl.all().is_not_null() & ~pl.all().is_nan()))
    assert res.n == 4
    assert complete.height == 4
    assert res.alpha == pytest.approx(cronbach_alpha(complete).alpha, abs=1e-14)


def test_unknown_nan_policy_is_rejected() -> None:
    with pytest.raises(ValueError, match="nan_policy"):
        cronbach_alpha(TINY, nan_policy="pairwise")  # type: ignore[arg-type]


def test_non_numeric_item_column_raises_type_error_naming_it() -> None:
    frame = TINY.with_columns(pl.col("q2").cast(pl.String))
    with pytest.raises(TypeError, match="q2"):
        cronbach_alpha(frame)


@pytest.mark.parametrize("bad", [[[1, 2], [3, 4]], pd.DataFrame({"a": [1, 2]}), "items"])
def test_wrong_container_raises_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="polars DataFrame or a 2-D numpy array"):
        cronbach_alpha(bad)  # type: ignore[arg-type]


def test_one_dimensional_array_raises_value_error() -> None:
    with pytest.raises(ValueError, match="2-D"):
        cronbach_alpha(np.arange(5.0))


def test_alpha_needs_two_items_and_two_rows() -> None:
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(TINY.select("q1"))
    with pytest.raises(ValueError, match="at least 2 complete rows"):
        cronbach_alpha(TINY.head(1))


def test_alpha_with_constant_total_raises() -> None:
    with pytest.raises(ValueError, match="zero variance"):
        cronbach_alpha(np.array([[1, 5], [2, 4], [3, 3]]))


def test_infinite_values_raise() -> None:
    with pytest.raises(ValueError, match="infinite"):
        cronbach_alpha(np.array([[1.0, 2.0], [np.inf, 3.0], [2.0, 2.0]]))


@pytest.mark.parametrize("ci", [0.0, 1.0, 1.5, -0.1])
def test_alpha_ci_level_outside_unit_interval_raises(ci: float) -> None:
    with pytest.raises(ValueError, match=r"ci must be in \(0, 1\)"):
        cronbach_alpha(TINY, ci=ci)


# --------------------------------------------------------------------------
# McDonald's omega
# --------------------------------------------------------------------------

LAMBDA = np.array([0.9, 0.8, 1.2, 0.6, 0.7, 1.0])
THETA = np.array([0.5, 0.6, 0.4, 0.8, 0.3, 0.7])


def test_exact_covariance_oracle_data_has_the_target_covariance() -> None:
    sigma = np.outer(LAMBDA, LAMBDA) + np.diag(THETA)
    x = exact_covariance_data(sigma, n=300, seed=7)
    np.testing.assert_allclose(np.cov(x, rowvar=False), sigma, atol=1e-12)


@pytest.mark.parametrize(("n", "seed"), [(300, 7), (50, 8)])
def test_omega_recovers_known_loadings_from_exact_covariance(n: int, seed: int) -> None:
    sigma = np.outer(LAMBDA, LAMBDA) + np.diag(THETA)
    x = exact_covariance_data(sigma, n=n, seed=seed)
    res = mcdonald_omega(x)
    np.testing.assert_allclose(res.loadings, LAMBDA, atol=1e-6)
    np.testing.assert_allclose(res.uniquenesses, THETA, atol=1e-6)
    by_hand = LAMBDA.sum() ** 2 / (LAMBDA.sum() ** 2 + THETA.sum())  # 5.2^2 / (27.04 + 3.3)
    assert by_hand == pytest.approx(27.04 / 30.34)
    assert res.omega == pytest.approx(by_hand, abs=1e-8)
    assert (res.n, res.k) == (n, 6)


def test_omega_correlation_metric_recovers_standardised_loadings() -> None:
    sigma = np.outer(LAMBDA, LAMBDA) + np.diag(THETA)
    x = exact_covariance_data(sigma, n=200, seed=3)
    res = mcdonald_omega(pl.DataFrame(x, schema=list("abcdef")), matrix="correlation")
    sd = np.sqrt(np.diag(sigma))
    std_loadings, std_theta = LAMBDA / sd, THETA / sd**2
    np.testing.assert_allclose(res.loadings, std_loadings, atol=1e-6)
    np.testing.assert_allclose(res.uniquenesses, std_theta, atol=1e-6)
    by_hand = std_loadings.sum() ** 2 / (std_loadings.sum() ** 2 + std_theta.sum())
    assert res.omega == pytest.approx(by_hand, abs=1e-8)
    assert res.items == tuple("abcdef")


def test_omega_equals_alpha_for_tau_equivalent_items() -> None:
    # equal loadings, unequal uniquenesses: alpha = omega in the population
    lam = np.full(5, 0.8)
    sigma = np.outer(lam, lam) + np.diag([0.3, 0.5, 0.4, 0.6, 0.2])
    x = exact_covariance_data(sigma, n=400, seed=4)
    assert mcdonald_omega(x).omega == pytest.approx(cronbach_alpha(x).alpha, abs=1e-8)


def test_omega_loadings_are_signed_positive_when_items_are_reversed() -> None:
    sigma = np.outer(LAMBDA, LAMBDA) + np.diag(THETA)
    x = -exact_covariance_data(sigma, n=300, seed=9)
    res = mcdonald_omega(x)
    np.testing.assert_allclose(res.loadings, LAMBDA, atol=1e-6)


def test_omega_on_simulated_likert_data_is_close_to_alpha() -> None:
    x = likert_items(21, 600, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        omega = mcdonald_omega(x).omega
    assert omega == pytest.approx(cronbach_alpha(x).alpha, abs=0.02)


def test_omega_input_errors() -> None:
    with pytest.raises(ValueError, match="at least 3 items"):
        mcdonald_omega(TINY.select("q1", "q2"))
    with pytest.raises(ValueError, match="k \\+ 1 = 4"):
        mcdonald_omega(TINY.head(3))
    with pytest.raises(ValueError, match="without variance: c"):
        mcdonald_omega(
            pl.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 1, 4, 3, 5], "c": [3, 3, 3, 3, 3]})
        )
    with pytest.raises(ValueError, match="matrix must be"):
        mcdonald_omega(TINY, matrix="pearson")  # type: ignore[arg-type]


def test_omega_warns_on_heywood_case() -> None:
    # item 1 is (almost) the factor itself: its uniqueness hits the lower bound
    rng = np.random.default_rng(2)
    f = rng.normal(size=200)
    x = np.column_stack(
        [f + rng.normal(scale=1e-4, size=200)] + [0.5 * f + rng.normal(size=200) for _ in range(3)]
    )
    with pytest.warns(RuntimeWarning, match="Heywood"):
        mcdonald_omega(x)


# --------------------------------------------------------------------------
# item-total statistics
# --------------------------------------------------------------------------


def test_item_total_statistics_match_hand_computation_on_tiny_data() -> None:
    out = item_total_correlations(TINY)
    assert out.columns == ["item", "corrected_item_total_r", "alpha_if_deleted"]
    assert out["item"].to_list() == ["q1", "q2", "q3"]
    # q1 vs q2 + q3 = (3, 5, 6, 9, 9): cov 4, var 6.8 -> r = 4 / sqrt(2.5 * 6.8)
    assert out["corrected_item_total_r"][0] == pytest.approx(4 / np.sqrt(17), abs=1e-14)
    # alpha without q1: 2 * (1 - (2.3 + 1.5) / 6.8)
    assert out["alpha_if_deleted"][0] == pytest.approx(2 * (1 - 3.8 / 6.8), abs=1e-14)


@pytest.mark.parametrize("seed", [31, 32])
def test_item_total_statistics_match_column_by_column_recomputation(seed: int) -> None:
    x = likert_items(seed, 150, 7)
    out = item_total_correlations(x)
    for j in range(x.shape[1]):
        rest = np.delete(x, j, axis=1)
        r = np.corrcoef(x[:, j], rest.sum(axis=1))[0, 1]
        assert out["corrected_item_total_r"][j] == pytest.approx(r, abs=1e-12)
        expected_alpha, _ = pingouin_alpha(rest)
        assert out["alpha_if_deleted"][j] == pytest.approx(expected_alpha, abs=1e-12)


def test_item_total_statistics_listwise_and_errors() -> None:
    out = item_total_correlations(with_missing(), nan_policy="listwise")
    assert out.height == 3
    with pytest.raises(ValueError, match="at least 3 items"):
        item_total_correlations(TINY.select("q1", "q2"))


# --------------------------------------------------------------------------
# documentation
# --------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    result = doctest.testmod(reliability, raise_on_error=False)
    assert result.attempted >= 3
    assert result.failed == 0
