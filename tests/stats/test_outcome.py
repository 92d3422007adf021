"""Alliance-outcome mixed models (alliance.stats.outcome)."""

from __future__ import annotations

import doctest
from typing import TypedDict

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliance.errors import DataError
from alliance.stats import outcome
from alliance.stats.outcome import (
    OutcomeModelResult,
    alliance_outcome_model,
    decompose_within_between,
    lead_within_client,
)

BETA_WITHIN = -0.5  # alliance above the client's usual at t -> lower symptoms at t+1
BETA_BETWEEN = -2.0  # clients with better alliance on average -> lower symptoms
BETA_SESSION = -0.4
N_CLIENTS, N_SESSIONS = 300, 8
#: The plain model (person-mean centring, random intercepts, no prior outcome):
#: the data below are generated from exactly that model, so it must recover them.
PLAIN = {"detrend": False, "random_slope": False, "prior_outcome": False}


class Columns(TypedDict):
    id_col: str
    session_col: str
    alliance_col: str
    outcome_col: str


COLS: Columns = {
    "id_col": "client_id",
    "session_col": "sess",
    "alliance_col": "wai",
    "outcome_col": "phq",
}


def simulate(seed: int = 11, slope_sd: float = 0.0) -> pl.DataFrame:
    """Panel where phq[t+1] = 20 + BW * within[t] + BB * mean + BS * (t+1) + u_i (+ v_i t) + e."""
    rng = np.random.default_rng(seed)
    n, k = N_CLIENTS, N_SESSIONS
    mu = rng.normal(5.0, 0.8, n)
    wai = mu[:, None] + rng.normal(0.0, 0.7, (n, k))
    mean = wai.mean(axis=1, keepdims=True)
    within = wai - mean
    sessions = np.arange(1, k + 1)
    u = rng.normal(0.0, 2.0, (n, 1))
    v = rng.normal(0.0, slope_sd, (n, 1))
    phq = np.empty((n, k))
    phq[:, 0] = 15 + rng.normal(0, 3, n)  # session 1: no previous alliance
    t_next = sessions[1:]
    phq[:, 1:] = (
        20
        + BETA_WITHIN * within[:, :-1]
        + BETA_BETWEEN * mean
        + BETA_SESSION * t_next
        + u
        + v * t_next
        + rng.normal(0.0, 1.0, (n, k - 1))
    )
    return pl.DataFrame(
        {
            "client_id": np.repeat(np.arange(n), k),
            "sess": np.tile(sessions, n),
            "wai": wai.ravel(),
            "phq": phq.ravel(),
        }
    )


@pytest.fixture(scope="module")
def panel() -> pl.DataFrame:
    return simulate()


@pytest.fixture(scope="module")
def fit(panel: pl.DataFrame) -> OutcomeModelResult:
    return alliance_outcome_model(panel, **PLAIN, **COLS)


def test_docstring_examples_run() -> None:
    result = doctest.testmod(outcome)
    assert result.attempted > 0
    assert result.failed == 0


# ------------------------------------------------------------ decomposition


def test_decomposition_is_exact_for_integer_scores_over_eight_sessions() -> None:
    # Means of 8 integers are multiples of 1/8: exact in binary, so no rounding at all.
    rng = np.random.default_rng(3)
    df = pl.DataFrame({"id": np.repeat(np.arange(50), 8), "wai": rng.integers(1, 8, 400)})
    out = decompose_within_between(df, "id", "wai")
    assert (out["wai_within"] + out["wai_between"] == out["wai"].cast(pl.Float64)).all()
    # hand check, client 0: mean of its 8 scores
    first = df.filter(pl.col("id") == 0)["wai"].to_numpy()
    assert out.filter(pl.col("id") == 0)["wai_between"].to_list() == [first.mean()] * 8


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.tuples(st.integers(0, 4), st.floats(-1e3, 1e3, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_within_plus_between_reproduces_the_original(values: list[tuple[int, float]]) -> None:
    df = pl.DataFrame(values, schema={"id": pl.Int64, "x": pl.Float64}, orient="row")
    out = decompose_within_between(df, "id", "x")
    np.testing.assert_allclose(
        (out["x_within"] + out["x_between"]).to_numpy(), df["x"].to_numpy(), rtol=0, atol=1e-9
    )
    # within-client deviations average to zero for every client
    means = out.group_by("id").agg(pl.col("x_within").mean())["x_within"].to_numpy()
    np.testing.assert_allclose(means, 0.0, atol=1e-9)


def test_decomposition_skips_missing_values_in_the_mean() -> None:
    df = pl.DataFrame({"id": [1, 1, 1], "x": [2.0, None, 4.0]})
    out = decompose_within_between(df, "id", "x")
    assert out["x_between"].to_list() == [3.0, 3.0, 3.0]
    assert out["x_within"].to_list() == [-1.0, None, 1.0]


# ----------------------------------------------------------------- lagging


def test_lead_pairs_by_exact_session_number_within_client() -> None:
    df = pl.DataFrame(
        {
            "id": [2, 1, 1, 1, 2],
            "s": [3, 4, 1, 2, 1],
            "y": [30, 14, 11, 12, 21],
        }
    )
    out = lead_within_client(df, id_col="id", session_col="s", col="y")
    # client 1: 1 -> 2 pairs (12); 2 -> 4 is a gap (no session 3): null; 4 -> none
    # client 2: 1 -> 2 absent: null, not client 2's session 3; 3 -> none
    assert out.select("id", "s", "y_lead1").rows() == [
        (2, 3, None),
        (1, 4, None),
        (1, 1, 12),
        (1, 2, None),
        (2, 1, None),
    ]
    two = lead_within_client(df, id_col="id", session_col="s", col="y", lag=2)
    # lag 2: client 1 session 2 -> 4 (14); client 2 session 1 -> 3 (30)
    assert two["y_lead2"].to_list() == [None, None, None, 14, 30]


def test_lead_rejects_duplicates_negative_lag_and_float_sessions() -> None:
    df = pl.DataFrame({"id": [1, 1], "s": [1, 1], "y": [1, 2]})
    with pytest.raises(DataError, match="two rows for the same session"):
        lead_within_client(df, id_col="id", session_col="s", col="y")
    ok = pl.DataFrame({"id": [1, 1], "s": [1, 2], "y": [1, 2]})
    with pytest.raises(ValueError, match="lag must be 0 or more"):
        lead_within_client(ok, id_col="id", session_col="s", col="y", lag=-1)
    with pytest.raises(TypeError, match="integer session numbers"):
        lead_within_client(
            ok.with_columns(pl.col("s").cast(pl.Float64)), id_col="id", session_col="s", col="y"
        )


# ------------------------------------------------------------------- model


def test_model_recovers_within_and_between_effects_within_3_se(fit: OutcomeModelResult) -> None:
    assert fit.converged
    assert fit.params["term"].to_list() == [
        "Intercept",
        "alliance_within",
        "alliance_between",
        "session",
    ]
    for term, truth in (
        ("alliance_within", BETA_WITHIN),
        ("alliance_between", BETA_BETWEEN),
        ("session", BETA_SESSION),
    ):
        row = fit.params.filter(pl.col("term") == term).row(0, named=True)
        assert abs(row["estimate"] - truth) < 3 * row["se"], (term, row)
        assert row["ci_low"] < truth < row["ci_high"]
    assert fit.estimate("alliance_within") < 0


def test_model_counts_clients_and_lagged_pairs(fit: OutcomeModelResult) -> None:
    # 300 clients x 7 pairs (t = 1..7 with t + 1 observed)
    assert (fit.n_clients, fit.n_obs) == (300, 2100)
    assert fit.formula == "outcome_lead ~ alliance_within + alliance_between + session"
    assert fit.re_formula is None
    assert fit.lag == 1


def test_model_params_table_is_internally_consistent(fit: OutcomeModelResult) -> None:
    p = fit.params
    assert p.columns == ["term", "estimate", "se", "z", "p", "ci_low", "ci_high"]
    np.testing.assert_allclose(p["z"].to_numpy(), (p["estimate"] / p["se"]).to_numpy())
    np.testing.assert_allclose(
        (p["ci_high"] - p["ci_low"]).to_numpy(), 2 * 1.959964 * p["se"].to_numpy(), rtol=1e-6
    )
    assert fit.random_effects["term"].to_list() == ["client intercept var"]
    # simulated random-intercept variance 4, residual variance 1
    assert fit.random_effects["estimate"][0] == pytest.approx(4.0, rel=0.3)
    assert fit.residual_variance == pytest.approx(1.0, rel=0.15)


def test_model_never_pairs_across_a_gap(panel: pl.DataFrame) -> None:
    # Drop session 5 of the first 100 clients: pairs 4->5 and 5->6 vanish for them,
    # and 4 -> 6 must not be formed. 300 * 7 - 100 * 2 = 1900 pairs.
    gappy = panel.filter(~((pl.col("sess") == 5) & (pl.col("client_id") < 100)))
    fit = alliance_outcome_model(gappy.sample(fraction=1.0, shuffle=True, seed=1), **PLAIN, **COLS)
    assert fit.n_obs == 1900
    est = fit.params.filter(pl.col("term") == "alliance_within").row(0, named=True)
    assert abs(est["estimate"] - BETA_WITHIN) < 3 * est["se"]


def test_model_with_lag_two_uses_sessions_two_apart(panel: pl.DataFrame) -> None:
    fit = alliance_outcome_model(panel, lag=2, **PLAIN, **COLS)
    assert fit.n_obs == 300 * 6
    assert fit.lag == 2


def test_model_with_random_slope_reports_slope_variance() -> None:
    options = {**PLAIN, "random_slope": True}
    fit = alliance_outcome_model(simulate(seed=5, slope_sd=0.3), **options, **COLS)
    assert fit.re_formula == "~session"
    assert fit.random_effects["term"].to_list() == [
        "client intercept var",
        "client session slope var",
        "client intercept x session slope cov",
    ]
    # simulated slope SD 0.3 -> variance 0.09
    assert fit.random_effects["estimate"][1] == pytest.approx(0.09, rel=0.5)
    row = fit.params.filter(pl.col("term") == "alliance_within").row(0, named=True)
    assert abs(row["estimate"] - BETA_WITHIN) < 3 * row["se"]


def test_model_rejects_bad_input(panel: pl.DataFrame) -> None:
    with pytest.raises(ValueError, match="too little data"):
        alliance_outcome_model(panel.filter(pl.col("client_id") < 2), **COLS)
    with pytest.raises(ValueError, match="same mean alliance"):
        alliance_outcome_model(
            panel.with_columns(pl.col("wai") - pl.col("wai").mean().over("client_id")), **COLS
        )
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['wai'\]"):
        alliance_outcome_model(panel.drop("wai"), **COLS)
    with pytest.raises(TypeError, match="'sess' must hold integer session numbers"):
        alliance_outcome_model(panel.with_columns(pl.col("sess").cast(pl.Float64)), **COLS)
    with pytest.raises(TypeError, match="'phq' must be numeric"):
        alliance_outcome_model(panel.with_columns(pl.col("phq").cast(pl.String)), **COLS)
    with pytest.raises(ValueError, match="alpha must lie strictly between 0 and 1"):
        alliance_outcome_model(panel, alpha=1.5, **COLS)
