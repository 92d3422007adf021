"""Tests for alliance.stats.cfa.

Oracles: lavaan's published output for the Holzinger-Swineford three-factor
model (data shipped with semopy), semopy's own fit statistics, fit-index
formulas recomputed here from an independence-model chi-square computed
directly from the data, and data simulated from known factor models
(including data whose covariance fits the model exactly).
"""

from __future__ import annotations

import doctest
import math

import numpy as np
import polars as pl
import pytest
import semopy
from numpy.typing import NDArray
from semopy.examples import holzinger39

from alliance.stats import cfa
from alliance.stats.cfa import CfaResult, compare_wai_sr_models, fit_cfa, wai_sr_models

HS_MODEL = {
    "visual": ["x1", "x2", "x3"],
    "textual": ["x4", "x5", "x6"],
    "speed": ["x7", "x8", "x9"],
}
GOAL, TASK, BOND = (4, 6, 8, 11), (1, 2, 10, 12), (3, 5, 7, 9)


def wai_population(goal_task_r: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Loadings (12 x 3: Goal, Task, Bond) and factor correlations of a WAI-SR-like model."""
    lam = np.zeros((12, 3))
    rng = np.random.default_rng(100)
    for col, numbers in enumerate((GOAL, TASK, BOND)):
        for i in numbers:
            lam[i - 1, col] = rng.uniform(0.65, 0.85)
    phi = np.array([[1.0, goal_task_r, 0.5], [goal_task_r, 1.0, 0.5], [0.5, 0.5, 1.0]])
    return lam, phi


def simulate_wai(
    n: int, seed: int, goal_task_r: float = 0.6, prefix: str = "wai_sr"
) -> pl.DataFrame:
    lam, phi = wai_population(goal_task_r)
    rng = np.random.default_rng(seed)
    eta = rng.multivariate_normal(np.zeros(3), phi, size=n)
    unique_sd = np.sqrt(1.0 - (lam**2).sum(axis=1))
    x = 3.0 + eta @ lam.T + rng.normal(size=(n, 12)) * unique_sd
    return pl.DataFrame(x, schema=[f"{prefix}_{i}" for i in range(1, 13)])


def exact_wai(n: int, seed: int) -> pl.DataFrame:
    """Data whose sample covariance is exactly the 3-factor population covariance."""
    lam, phi = wai_population(0.6)
    sigma = lam @ phi @ lam.T + np.diag(1.0 - np.diag(lam @ phi @ lam.T))
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 12))
    z -= z.mean(axis=0)
    white = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    x = white @ np.linalg.cholesky(sigma).T + 3.0
    return pl.DataFrame(x, schema=[f"wai_sr_{i}" for i in range(1, 13)])


def independence_chi2(frame: pl.DataFrame) -> tuple[float, int]:
    """Baseline chi-square: N * (sum log s_ii - log|S|), S with divisor N."""
    x = frame.to_numpy()
    s = np.cov(x, rowvar=False, bias=True)
    p = s.shape[0]
    return x.shape[0] * (np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1]), p * (p - 1) // 2


@pytest.fixture(scope="module")
def hs() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(holzinger39.get_data())
    return frame


@pytest.fixture(scope="module")
def wai_500() -> pl.DataFrame:
    return simulate_wai(500, seed=1)


# --------------------------------------------------------------------------
# published and independent oracles
# --------------------------------------------------------------------------


def test_fit_reproduces_lavaan_output_for_holzinger_swineford(hs: pl.DataFrame) -> None:
    res = fit_cfa(hs, HS_MODEL)
    # lavaan tutorial, cfa(HS.model, data = HolzingerSwineford1939)
    assert res.n == 301
    assert res.df == 24
    assert res.chi2 == pytest.approx(85.306, abs=1e-3)
    assert res.chi2_baseline == pytest.approx(918.852, abs=1e-3)
    assert res.df_baseline == 36
    assert round(res.cfi, 3) == 0.931
    assert round(res.tli, 3) == 0.896
    assert round(res.rmsea, 3) == 0.092
    assert round(res.srmr, 3) == 0.065
    assert res.loglik == pytest.approx(-3737.745, abs=1e-3)
    assert res.aic == pytest.approx(7517.490, abs=1e-3)
    assert res.bic == pytest.approx(7595.339, abs=1e-3)
    assert res.converged


def test_rmsea_divides_by_n_as_lavaan_does_for_ml_with_the_normal_likelihood() -> None:
    # lavaan (R/lav_fit_rmsea.R, lav_utils_get_ntotal): ML with the default
    # normal likelihood uses N; N - 1 only with likelihood = "wishart".
    # Worked numbers by hand: chi2 = 60, df = 20, N = 26:
    #   sqrt(40 / (20 * 26)) = sqrt(0.076923...) = 0.27735 (N - 1 would give 0.28284)
    assert cfa.rmsea_ml(60.0, 20, 26) == pytest.approx(math.sqrt(40 / 520), rel=1e-15)
    assert round(cfa.rmsea_ml(60.0, 20, 26), 5) == 0.27735
    # Holzinger-Swineford (lavaan tutorial): chi2 85.306, df 24, N 301
    assert cfa.rmsea_ml(85.306, 24, 301) == pytest.approx(0.0921218, abs=1e-7)
    assert cfa.rmsea_ml(12.0, 24, 301) == 0.0


def test_fit_cfa_rmsea_uses_n_on_a_small_sample() -> None:
    # at N = 30 dividing by N - 1 instead of N changes RMSEA by 1.7%
    frame = simulate_wai(30, seed=4)
    res = fit_cfa(frame, wai_sr_models()["two_factor"])
    assert res.chi2 > res.df
    assert res.rmsea == pytest.approx(math.sqrt((res.chi2 - res.df) / (res.df * 30)), rel=1e-12)
    assert res.rmsea != pytest.approx(math.sqrt((res.chi2 - res.df) / (res.df * 29)), rel=1e-3)


@pytest.mark.parametrize(
    ("chi2", "df", "n", "error"),
    [
        (-1.0, 5, 100, ValueError),
        (float("nan"), 5, 100, ValueError),
        (10.0, 0, 100, ValueError),
        (10.0, 5, 1, ValueError),
        ("10", 5, 100, TypeError),
        (10.0, 5.0, 100, TypeError),
        (10.0, 5, True, TypeError),
    ],
)
def test_rmsea_rejects_bad_input(chi2: object, df: object, n: object, error: type) -> None:
    with pytest.raises(error):
        cfa.rmsea_ml(chi2, df, n)  # type: ignore[arg-type]


def test_standardised_loadings_match_lavaan_for_holzinger_swineford(hs: pl.DataFrame) -> None:
    loadings = fit_cfa(hs, HS_MODEL).loadings
    assert loadings.select("factor", "item").rows() == [
        (f, i) for f, items in HS_MODEL.items() for i in items
    ]
    # lavaan std.all
    expected = [0.772, 0.424, 0.581, 0.852, 0.855, 0.838, 0.570, 0.723, 0.665]
    np.testing.assert_allclose(loadings["std_estimate"].to_numpy(), expected, atol=0.005)
    # marker loadings fixed to 1, without standard error
    markers = loadings.filter(pl.col("item").is_in(["x1", "x4", "x7"]))
    assert markers["estimate"].to_list() == [1.0, 1.0, 1.0]
    assert markers["se"].null_count() == 3
    assert loadings.filter(pl.col("se").is_not_null())["p"].max() < 1e-6  # type: ignore[operator]


def test_fit_statistics_match_semopy_calc_stats(wai_500: pl.DataFrame) -> None:
    spec = wai_sr_models()["three_factor"]
    res = fit_cfa(wai_500, spec)
    model = semopy.Model("\n".join(f"{f} =~ {' + '.join(c)}" for f, c in spec.items()))
    model.fit(wai_500.to_pandas(), solver="L-BFGS-B")
    expected = semopy.calc_stats(model).T["Value"]
    assert res.df == expected["DoF"]
    assert res.chi2 == pytest.approx(expected["chi2"], rel=1e-6)
    assert res.p == pytest.approx(expected["chi2 p-value"], rel=1e-4, abs=1e-12)
    assert res.chi2_baseline == pytest.approx(expected["chi2 Baseline"], rel=1e-6)
    assert res.df_baseline == expected["DoF Baseline"]
    assert res.cfi == pytest.approx(min(expected["CFI"], 1.0), abs=1e-6)
    assert res.tli == pytest.approx(expected["TLI"], abs=1e-6)
    # semopy's calc_rmsea divides by N - 1; lavaan's ML default (and ours) by N
    n = res.n
    assert res.rmsea == pytest.approx(expected["RMSEA"] * math.sqrt((n - 1) / n), abs=1e-6)


@pytest.mark.parametrize("seed", [1, 2])
def test_fit_indices_equal_their_formulas(seed: int) -> None:
    frame = simulate_wai(500, seed=seed)
    for spec in wai_sr_models().values():
        res = fit_cfa(frame, spec)
        n, chi2, df = res.n, res.chi2, res.df
        chi2_b, df_b = independence_chi2(frame)
        assert res.chi2_baseline == pytest.approx(chi2_b, rel=1e-10)
        assert res.df_baseline == df_b
        assert res.rmsea == pytest.approx(math.sqrt(max(chi2 - df, 0) / (df * n)), rel=1e-12)
        cfi = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)
        assert res.cfi == pytest.approx(cfi, rel=1e-10)
        tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1)
        assert res.tli == pytest.approx(tli, rel=1e-10)
        q = 12 * 13 // 2 - df
        assert res.aic - res.bic == pytest.approx(2 * q - q * math.log(n), rel=1e-12)


def test_srmr_equals_formula_on_semopy_implied_covariance(wai_500: pl.DataFrame) -> None:
    spec = wai_sr_models()["two_factor"]
    res = fit_cfa(wai_500, spec)
    model = semopy.Model("\n".join(f"{f} =~ {' + '.join(c)}" for f, c in spec.items()))
    model.fit(wai_500.to_pandas(), solver="L-BFGS-B")
    cols = list(model.vars["observed"])  # semopy's own order of the observed variables
    sigma = model.calc_sigma()[0]
    s = np.cov(wai_500.select(cols).to_numpy(), rowvar=False, bias=True)
    d = 1 / np.sqrt(np.diag(s))
    r = (s - sigma) * np.outer(d, d)
    lower = r[np.tril_indices(len(cols))]
    assert lower.size == 78  # 12 * 13 / 2, diagonal included
    assert res.srmr == pytest.approx(np.sqrt(np.mean(lower**2)), rel=1e-5)


def test_exactly_fitting_data_give_perfect_fit() -> None:
    res = fit_cfa(exact_wai(400, seed=5), wai_sr_models()["three_factor"])
    assert res.chi2 == pytest.approx(0.0, abs=1e-3)
    assert res.srmr == pytest.approx(0.0, abs=1e-3)
    assert res.rmsea == 0.0
    assert res.cfi == 1.0
    assert res.p == pytest.approx(1.0, abs=1e-6)


# --------------------------------------------------------------------------
# WAI-SR models on simulated data
# --------------------------------------------------------------------------


def test_three_factor_model_fits_data_from_a_three_factor_model(wai_500: pl.DataFrame) -> None:
    res = fit_cfa(wai_500, wai_sr_models()["three_factor"])
    assert res.converged
    assert res.cfi > 0.95
    assert res.rmsea < 0.06
    assert res.srmr < 0.05
    assert res.loadings["std_estimate"].min() > 0.5  # type: ignore[operator]


def test_three_factor_fits_better_than_two_factor_when_goal_and_task_are_distinct(
    wai_500: pl.DataFrame,
) -> None:
    table = compare_wai_sr_models(wai_500)
    three, two = table.row(0, named=True), table.row(1, named=True)
    assert (three["model"], two["model"]) == ("three_factor", "two_factor")
    assert (three["n_factors"], two["n_factors"]) == (3, 2)
    assert (three["df"], two["df"]) == (51, 53)
    assert three["cfi"] > two["cfi"]
    assert three["rmsea"] < two["rmsea"]
    assert three["aic"] < two["aic"] and three["bic"] < two["bic"]
    assert two["delta_df"] == 2
    assert two["delta_chi2"] == pytest.approx(two["chi2"] - three["chi2"])
    assert two["p_delta"] < 1e-6
    assert three["delta_chi2"] is None and three["p_delta"] is None


def test_two_factor_preferred_by_bic_when_goal_and_task_are_one_factor() -> None:
    table = compare_wai_sr_models(simulate_wai(500, seed=3, goal_task_r=1.0))
    three, two = table.row(0, named=True), table.row(1, named=True)
    assert two["bic"] < three["bic"]
    assert two["cfi"] > 0.95
    assert two["p_delta"] > 0.01


def test_compare_models_uses_therapist_prefix() -> None:
    frame = simulate_wai(300, seed=4, prefix="wai_sr_t")
    table = compare_wai_sr_models(frame, prefix="wai_sr_t_")
    assert table.height == 2
    assert table["n"].to_list() == [300, 300]
    assert table["converged"].all()
    assert table.columns == [
        "model",
        "n_factors",
        "chi2",
        "df",
        "p",
        "cfi",
        "tli",
        "rmsea",
        "srmr",
        "aic",
        "bic",
        "n",
        "converged",
        "delta_chi2",
        "delta_df",
        "p_delta",
    ]


def test_compare_models_on_likert_rounded_data_converges() -> None:
    frame = simulate_wai(500, seed=6).with_columns(pl.all().round().clip(1, 5))
    table = compare_wai_sr_models(frame)
    assert table["converged"].all()
    assert table.row(0, named=True)["cfi"] > 0.95


def test_wai_sr_models_follow_the_published_subscale_key() -> None:
    models = wai_sr_models()
    three = models["three_factor"]
    assert three == {
        "Goal": ("wai_sr_4", "wai_sr_6", "wai_sr_8", "wai_sr_11"),
        "Task": ("wai_sr_1", "wai_sr_2", "wai_sr_10", "wai_sr_12"),
        "Bond": ("wai_sr_3", "wai_sr_5", "wai_sr_7", "wai_sr_9"),
    }
    two = models["two_factor"]
    assert two["Bond"] == three["Bond"]
    assert set(two["GoalTask"]) == set(three["Goal"]) | set(three["Task"])
    assert len(two["GoalTask"]) == 8
    assert wai_sr_models("wai_sr_t") == wai_sr_models("wai_sr_t_")
    assert wai_sr_models("wai_sr_t")["three_factor"]["Task"][0] == "wai_sr_t_1"


@pytest.mark.parametrize("prefix", ["", "wai sr", "1wai"])
def test_wai_sr_models_reject_bad_prefix(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        wai_sr_models(prefix)


# --------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------


def test_missing_items_raise_unless_listwise(wai_500: pl.DataFrame) -> None:
    frame = wai_500.with_columns(
        pl.when(pl.int_range(pl.len()) < 7)
        .then(None)
        .otherwise(pl.col("wai_sr_5"))
        .alias("wai_sr_5")
    )
    spec = wai_sr_models()["three_factor"]
    with pytest.raises(ValueError, match="7 of 500 rows have a missing item"):
        fit_cfa(frame, spec)
    res = fit_cfa(frame, spec, nan_policy="listwise")
    assert res.n == 493
    assert res.chi2 == pytest.approx(fit_cfa(wai_500.slice(7), spec).chi2, rel=1e-6)


def test_columns_outside_the_model_are_ignored(hs: pl.DataFrame) -> None:
    with_text = hs.with_columns(pl.lit("note").alias("comment"), pl.lit(None).alias("empty"))
    assert fit_cfa(with_text, HS_MODEL).chi2 == pytest.approx(fit_cfa(hs, HS_MODEL).chi2)


@pytest.mark.parametrize(
    ("factors", "error", "message"),
    [
        ({}, ValueError, "factors is empty"),
        ({"visual": ["x1"], "textual": ["x4", "x5", "x6"]}, ValueError, "at least 2 items"),
        ({"visual": ["x1", "x2", "x3"]}, ValueError, "0 degrees of freedom"),
        ({"visual": ["x1", "x2", "nope", "x3"]}, ValueError, "not in items: nope"),
        ({"vis ual": ["x1", "x2", "x3", "x4"]}, ValueError, "identifier"),
        ({"visual": ["x1", "x2", "x2", "x3"]}, ValueError, "twice"),
        ({"x1": ["x1", "x2", "x3", "x4"]}, ValueError, "both as factor and as item: x1"),
        ({"visual": "x1 + x2 + x3"}, TypeError, "sequence of column names"),
        ([("visual", ["x1", "x2", "x3"])], TypeError, "mapping"),
    ],
)
def test_bad_model_specification_is_rejected(
    hs: pl.DataFrame, factors: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        fit_cfa(hs, factors)  # type: ignore[arg-type]


def test_non_frame_and_non_numeric_items_are_rejected(hs: pl.DataFrame) -> None:
    with pytest.raises(TypeError, match="polars DataFrame"):
        fit_cfa(hs.to_pandas(), HS_MODEL)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="x2"):
        fit_cfa(hs.with_columns(pl.col("x2").cast(pl.String)), HS_MODEL)


def test_collinear_items_are_rejected(hs: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="singular"):
        fit_cfa(hs.with_columns((pl.col("x1") * 2).alias("x2")), HS_MODEL)


def test_result_is_a_frozen_dataclass(hs: pl.DataFrame) -> None:
    res = fit_cfa(hs, HS_MODEL)
    assert isinstance(res, CfaResult)
    with pytest.raises(AttributeError):
        res.chi2 = 0.0  # type: ignore[misc]


def test_docstring_examples_run() -> None:
    result = doctest.testmod(cfa, raise_on_error=False)
    assert result.attempted >= 3
    assert result.failed == 0


def test_wai_sr_fit_on_simulated_clients_is_not_stuck_in_a_poor_local_solution() -> None:
    # Regression: with L-BFGS-B alone this cohort gave CFI 0 and SRMR .48 for
    # items whose alpha is .92; the better of two optimisers must fit well.
    from alliance.simulate import simulate_cohort
    from alliance.stats.cfa import compare_wai_sr_models

    cohort = simulate_cohort(300, 2, seed=7, instruments=("wai_sr",))
    first = cohort.data.filter(pl.col("session") == 1).select(
        [f"wai_sr_{i}" for i in range(1, 13)]
    )
    fits = compare_wai_sr_models(first)
    assert fits["cfi"].min() > 0.95
    assert fits["srmr"].max() < 0.08
