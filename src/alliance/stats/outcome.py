"""Alliance-outcome models: within- and between-client effects of the alliance.

The alliance-outcome correlation (r = .278, Flueckiger et al. 2018,
PSYCHOMETRICS.md s.6) mixes two questions: do clients with better alliances
do better (between clients), and does a better-than-usual session alliance
precede lower symptoms for that client (within client)? Splitting the
alliance into the client's mean and the session's deviation from it, and
predicting the outcome at the next session from the alliance now, separates
the two (Curran & Bauer 2011; Falkenstroem, Finkel, Sandell, Rubel & Holmqvist
2017). The model is a linear mixed model with client random intercepts and session
slopes, the within-client alliance detrended (each client's own line over
sessions removed) and the prior outcome in the model, fitted with
statsmodels ``MixedLM`` (BSD licence) by REML: person-mean centring with
random intercepts alone turns correlated client trends into a spurious
within effect (issue #11; Wang & Maxwell 2015).

References: Curran, P. J., & Bauer, D. J. (2011). The disaggregation of
within-person and between-person effects in longitudinal models of change.
Annual Review of Psychology, 62, 583-619. Falkenstroem, F., Finkel, S.,
Sandell, R., Rubel, J. A., & Holmqvist, R. (2017). Dynamic models of
individual change in psychotherapy process research. Journal of Consulting
and Clinical Psychology, 85(6), 537-549. Wang, L. P., & Maxwell, S. E.
(2015). On disaggregating between-person and within-person effects with
longitudinal data using multilevel models. Psychological Methods, 20(1),
63-83.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from scipy import stats

from alliance.stats.checks import require_columns as _require_columns
from alliance.stats.checks import (
    require_integer_sessions,
    require_one_row_per_session,
)
from alliance.stats.checks import require_no_nulls as _require_no_nulls
from alliance.stats.checks import require_numeric as _require_numeric

__all__ = [
    "BETWEEN",
    "PRIOR",
    "SESSION",
    "WITHIN",
    "OutcomeModelResult",
    "alliance_outcome_model",
    "decompose_within_between",
    "detrend_within_client",
    "lead_within_client",
]

# Names of the model's columns (and terms); fixed so results are comparable
# across data sets whatever the user's columns are called.
OUTCOME = "outcome_lead"
WITHIN = "alliance_within"
BETWEEN = "alliance_between"
SESSION = "session"
PRIOR = "outcome_prior"
CLIENT = "client"


def _require_sessions(frame: pl.DataFrame, id_col: str, session_col: str) -> None:
    """Integer, non-missing session numbers, one row per client and session."""
    require_integer_sessions(frame, session_col)
    _require_no_nulls(frame, id_col)
    _require_no_nulls(frame, session_col)
    require_one_row_per_session(frame, id_col, session_col)


def _float(value: object) -> float:
    """A polars scalar as a float (nan when missing)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _as_float(frame: pl.DataFrame, column: str) -> pl.Expr:
    expr = pl.col(column).cast(pl.Float64)
    return expr.fill_nan(None) if frame.schema[column].is_float() else expr


def decompose_within_between(frame: pl.DataFrame, id_col: str, col: str) -> pl.DataFrame:
    """Split a repeated measure into between-client and within-client parts.

    Formula: ``{col}_between = mean_i(col)`` (the client's mean over their
    observed values) and ``{col}_within = col - {col}_between`` (the
    session's deviation from it), so ``within + between == col`` up to
    floating-point rounding (exactly when the values and means are exactly
    representable, e.g. integer scores over 2, 4 or 8 sessions). Missing
    values are skipped in the mean and stay missing in ``within``. Curran &
    Bauer (2011) call this person-mean centring.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"id": [1, 1, 2, 2], "wai": [4.0, 6.0, 3.0, 3.0]})
        >>> decompose_within_between(df, "id", "wai").rows()
        [(1, 4.0, 5.0, -1.0), (1, 6.0, 5.0, 1.0), (2, 3.0, 3.0, 0.0), (2, 3.0, 3.0, 0.0)]
    """
    df = _require_columns(frame, [id_col, col])
    _require_numeric(df, col)
    _require_no_nulls(df, id_col)
    between, within = f"{col}_between", f"{col}_within"
    clash = [c for c in (between, within) if c in df.columns]
    if clash:
        raise ValueError(f"frame already has column(s) {clash}; rename them first")
    value = _as_float(df, col)
    return df.with_columns(value.mean().over(id_col).alias(between)).with_columns(
        (value - pl.col(between)).alias(within)
    )


def lead_within_client(
    frame: pl.DataFrame, *, id_col: str, session_col: str, col: str, lag: int = 1
) -> pl.DataFrame:
    """Add the same client's ``col`` at session number ``t + lag`` to each row.

    Each row (client ``i``, session ``t``) gets ``{col}_lead{lag}``, the value
    of ``col`` in the row of client ``i`` whose session number is exactly
    ``t + lag``; null when that session is absent. Pairing is by session
    number, not by row position, so a gap (sessions 1, 2, 4) never pairs
    non-consecutive sessions (2 and 4) and row order does not matter. Two
    rows for one client and session raise :class:`alliance.errors.DataError`.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"id": [1, 1, 1], "s": [1, 2, 4], "phq": [20, 15, 9]})
        >>> lead_within_client(df, id_col="id", session_col="s", col="phq")["phq_lead1"].to_list()
        [15, None, None]
    """
    df = _require_columns(frame, [id_col, session_col, col])
    if isinstance(lag, bool) or not isinstance(lag, int):
        raise TypeError(f"lag must be an integer, got {lag!r}")
    if lag < 0:
        raise ValueError(f"lag must be 0 or more sessions, got {lag}")
    name = f"{col}_lead{lag}"
    if name in df.columns:
        raise ValueError(f"frame already has column {name!r}; rename it first")
    _require_sessions(df, id_col, session_col)
    key = pl.col(session_col).cast(pl.Int64)
    lead = df.select(pl.col(id_col), (key - lag).alias("__key"), pl.col(col).alias(name))
    return (
        df.with_columns(key.alias("__key"))
        .join(lead, on=[id_col, "__key"], how="left", maintain_order="left")
        .drop("__key")
    )


@dataclass(frozen=True)
class OutcomeModelResult:
    """A fitted alliance-outcome mixed model.

    ``params``: one row per fixed effect (``term``: ``Intercept``,
    ``alliance_within``, ``alliance_between``, ``session``) with
    ``estimate``, ``se``, ``z``, ``p`` (two-sided, normal) and the
    ``ci_low`` / ``ci_high`` Wald interval. ``random_effects``: the random
    effect variances and covariance (``term``, ``estimate``);
    ``residual_variance``: the level-1 variance. ``n_clients`` / ``n_obs``:
    clients and paired client-sessions in the fit. ``formula`` and
    ``re_formula`` are the statsmodels formulas over the model columns
    (``outcome_lead`` is the outcome at session ``t + lag``, ``session`` its
    session number). ``warnings`` holds what statsmodels warned.
    """

    params: pl.DataFrame
    n_clients: int
    n_obs: int
    converged: bool
    formula: str
    re_formula: str | None
    lag: int
    random_effects: pl.DataFrame
    residual_variance: float
    log_likelihood: float
    warnings: tuple[str, ...] = field(default=())

    def estimate(self, term: str) -> float:
        """The fixed-effect estimate of ``term`` (e.g. ``"alliance_within"``)."""
        hit = self.params.filter(pl.col("term") == term)
        if hit.height != 1:
            raise KeyError(f"no term {term!r}; terms: {self.params.get_column('term').to_list()}")
        return float(hit.get_column("estimate")[0])


def detrend_within_client(
    frame: pl.DataFrame, *, id_col: str, session_col: str, col: str, min_points: int = 3
) -> pl.DataFrame:
    """Add ``{col}_detrended``: each value minus the client's own straight line over sessions.

    Formula: for client ``i`` with ``n_i >= min_points`` observed values,
    ``{col}_detrended = x[i, t] - (a_i + c_i * t)`` where ``a_i`` and ``c_i``
    are the client's ordinary least-squares intercept and slope of ``x`` on
    the session number ``t``; ``c_i = sum((t - tbar)(x - xbar)) / sum((t -
    tbar)^2)``. With fewer values (or one session number) the client's line
    cannot be told from its noise and the column is 0 for every observed
    value (no within-client information). Missing values stay missing.
    Person-mean centring (:func:`decompose_within_between`) removes only the
    client's level; when clients differ in their trends (the alliance rising
    faster for some), the centred value still carries the trend, and a
    within-client effect then mixes session-to-session change with the
    correlation of the clients' slopes (Curran & Bauer 2011; Wang & Maxwell
    2015, who recommend detrending the within-person predictor).

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"id": [1, 1, 1, 2, 2], "s": [1, 2, 3, 1, 2],
        ...                    "x": [1.0, 3.0, 2.0, 5.0, 6.0]})
        >>> detrend_within_client(df, id_col="id", session_col="s", col="x")["x_detrended"].to_list()
        [-0.5, 1.0, -0.5, 0.0, 0.0]
    """
    df = _require_columns(frame, [id_col, session_col, col])
    _require_numeric(df, col)
    name = f"{col}_detrended"
    if name in df.columns:
        raise ValueError(f"frame already has column {name!r}; rename it first")
    x = _as_float(df, col)
    t = pl.col(session_col).cast(pl.Float64)
    t_obs = pl.when(x.is_not_null()).then(t)
    n = x.count().over(id_col)
    tc = t_obs - t_obs.mean().over(id_col)
    xc = x - x.mean().over(id_col)
    sxx = (tc * tc).sum().over(id_col)
    slope = pl.when(sxx > 0).then((tc * xc).sum().over(id_col) / sxx)
    resid = xc - slope * tc
    keep = (n >= min_points) & (sxx > 0)
    return df.with_columns(
        pl.when(x.is_null()).then(None).when(keep).then(resid).otherwise(0.0).alias(name)
    )


def alliance_outcome_model(
    frame: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    alliance_col: str,
    outcome_col: str,
    lag: int = 1,
    detrend: bool = True,
    random_slope: bool = True,
    prior_outcome: bool = True,
    alpha: float = 0.05,
) -> OutcomeModelResult:
    """Lagged within/between alliance-outcome mixed model with client-specific trends.

    Model (client ``i``, session ``t``; the defaults):
        ``outcome[i, t + lag] = b0 + b_w * W[i, t] + b_b * mean_i(alliance)
        + b_s * (t + lag) + b_y * Y[i, t] + u_i + v_i * (t + lag) + e``
    where ``W[i, t]`` is the client's alliance at ``t`` minus the client's
    own straight-line trend over sessions (:func:`detrend_within_client`;
    person-mean centring alone with ``detrend=False``), ``Y[i, t]`` the
    client's outcome at ``t`` (the prior outcome) minus the client's own
    straight line through their outcome scores (so it carries the
    session's deviation, while the client's level and trend are left to
    ``u_i`` and ``v_i``: entered raw, it is collinear with the random
    intercept and the fit wanders; ``prior_outcome=False`` leaves it out,
    otherwise the pair needs it observed), and ``u_i``, ``v_i``
    client random intercepts and session slopes (``random_slope=False``:
    intercepts only), fitted by REML with statsmodels ``MixedLM``. ``b_w``
    is the within-client effect: a session alliance better than the
    client's own trend, and the outcome ``lag`` sessions later given the
    outcome now; ``b_b`` the between-client effect.

    Why each part (the defaults): clients' alliance and symptom trends are
    correlated (alliance rising where symptoms fall); with person-mean
    centring and random intercepts only, the within term absorbs that
    correlation and a "significant" within effect appears where there is no
    session-level link at all (8 of 8 simulated data sets in issue #11).
    Detrending the within-person predictor and a random slope of session
    remove it (Curran & Bauer 2011; Wang & Maxwell 2015); the prior outcome
    makes the question one of change, as in the dynamic models of
    Falkenstroem, Finkel, Sandell, Rubel & Holmqvist (2017). Measured over
    simulated data sets (bench/bench_outcome_model.py, bench/README.md
    "Alliance-outcome model"): the within effect's false-positive rate
    under the correlated-slopes null and the coverage of its 95% interval
    for a planted effect. ``p`` and the ``1 - alpha`` intervals are Wald
    (normal), as in statsmodels. The between effect is an association
    between clients, open to every confounder a client-level correlation
    is.

    References: Curran, P. J., & Bauer, D. J. (2011). Annual Review of
    Psychology, 62, 583-619. Wang, L. P., & Maxwell, S. E. (2015). On
    disaggregating between-person and within-person effects with
    longitudinal data using multilevel models. Psychological Methods, 20(1),
    63-83. Falkenstroem, F., Finkel, S., Sandell, R., Rubel, J. A., &
    Holmqvist, R. (2017). Journal of Consulting and Clinical Psychology,
    85(6), 537-549.

    Example:
        >>> import numpy as np, polars as pl
        >>> rng = np.random.default_rng(1)
        >>> n, k = 60, 6
        >>> ids, s = np.repeat(np.arange(n), k), np.tile(np.arange(1, k + 1), n)
        >>> wai = rng.normal(5, 1, n)[ids] + rng.normal(0, 1, n * k)
        >>> phq = 15 - s + rng.normal(0, 1, n * k)
        >>> fit = alliance_outcome_model(
        ...     pl.DataFrame({"id": ids, "s": s, "wai": wai, "phq": phq}),
        ...     id_col="id", session_col="s", alliance_col="wai", outcome_col="phq")
        >>> fit.n_clients, fit.n_obs, fit.params["term"].to_list()
        (60, 300, ['Intercept', 'alliance_within', 'alliance_between', 'session', 'outcome_prior'])
    """
    df = _require_columns(frame, [id_col, session_col, alliance_col, outcome_col])
    _require_numeric(df, alliance_col)
    _require_numeric(df, outcome_col)
    _require_sessions(df, id_col, session_col)
    if isinstance(lag, bool) or not isinstance(lag, int):
        raise TypeError(f"lag must be an integer, got {lag!r}")
    for name, flag in (
        ("detrend", detrend),
        ("random_slope", random_slope),
        ("prior_outcome", prior_outcome),
    ):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")

    data = _model_frame(df, id_col, session_col, alliance_col, outcome_col, lag, detrend)
    if not prior_outcome:
        data = data.drop(PRIOR)
    data = data.drop_nulls().sort(CLIENT, SESSION)
    n_obs = data.height
    n_clients = data.get_column(CLIENT).n_unique()
    if n_clients < 3 or n_obs <= n_clients:
        raise ValueError(
            f"too little data for the model: {n_obs} paired client-session(s) from "
            f"{n_clients} client(s) with alliance at t and outcome at t+{lag}; "
            "need at least 3 clients and more pairs than clients"
        )
    # a spread below rounding error of the alliance scale counts as none
    tiny = 1e-9 * max(1.0, float(data.select(pl.col(BETWEEN).abs().max()).item()))
    if not _float(data.get_column(BETWEEN).std()) > tiny:
        raise ValueError("every client has the same mean alliance: no between-client effect")
    if not _float(data.get_column(WITHIN).std()) > tiny:
        raise ValueError("no client's alliance varies around their own trend: no within effect")

    terms_in = [WITHIN, BETWEEN, SESSION] + ([PRIOR] if prior_outcome else [])
    formula = f"{OUTCOME} ~ " + " + ".join(terms_in)
    re_formula = f"~{SESSION}" if random_slope else None
    pdf = pd.DataFrame({c: data.get_column(c).to_numpy() for c in (*terms_in, OUTCOME)})
    groups = data.get_column(CLIENT).to_numpy()
    result, caught = _fit(formula, pdf, groups, re_formula)
    return _result(
        result, caught, alpha, random_slope, int(n_clients), int(n_obs), formula, re_formula, lag
    )


def _model_frame(
    df: pl.DataFrame,
    id_col: str,
    session_col: str,
    alliance_col: str,
    outcome_col: str,
    lag: int,
    detrend: bool,
) -> pl.DataFrame:
    """One row per (client, session t) with the model's columns (nulls kept)."""
    base = df.select(
        pl.col(id_col).alias(CLIENT),
        pl.col(session_col).alias(SESSION),
        _as_float(df, alliance_col).alias("alliance"),
        _as_float(df, outcome_col).alias("outcome"),
    )
    base = decompose_within_between(base, CLIENT, "alliance")
    base = detrend_within_client(base, id_col=CLIENT, session_col=SESSION, col="outcome")
    if detrend:
        base = detrend_within_client(base, id_col=CLIENT, session_col=SESSION, col="alliance")
        within = pl.col("alliance_detrended")
    else:
        within = pl.col("alliance_within")
    paired = lead_within_client(base, id_col=CLIENT, session_col=SESSION, col="outcome", lag=lag)
    return paired.select(
        pl.col(CLIENT),
        (pl.col(SESSION) + lag).cast(pl.Float64).alias(SESSION),
        within.alias(WITHIN),
        pl.col("alliance_between").alias(BETWEEN),
        pl.col("outcome_detrended").alias(PRIOR),
        pl.col(f"outcome_lead{lag}").alias(OUTCOME),
    )


def _fit(
    formula: str, pdf: pd.DataFrame, groups: np.ndarray, re_formula: str | None
) -> tuple[Any, list[warnings.WarningMessage]]:
    import statsmodels.formula.api as smf  # heavy import, only when fitting

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = smf.mixedlm(formula, pdf, groups=groups, re_formula=re_formula)
            # L-BFGS first: statsmodels' default (BFGS) often stops short with a
            # random slope and leaves NaN standard errors; the others if it fails.
            result = model.fit(reml=True, method=["lbfgs", "bfgs", "powell"])
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"the mixed model could not be fitted: {exc}") from exc
    return result, caught


def _result(
    result: Any,
    caught: list[warnings.WarningMessage],
    alpha: float,
    random_slope: bool,
    n_clients: int,
    n_obs: int,
    formula: str,
    re_formula: str | None,
    lag: int,
) -> OutcomeModelResult:
    terms = list(result.model.exog_names)
    fe = np.asarray(result.fe_params, dtype=np.float64)
    se = np.asarray(result.bse_fe, dtype=np.float64)
    zval = fe / se
    crit = NormalDist().inv_cdf(1 - alpha / 2)
    p = 2.0 * np.asarray(stats.norm.sf(np.abs(zval)), dtype=np.float64)
    params = pl.DataFrame(
        {
            "term": terms,
            "estimate": fe,
            "se": se,
            "z": zval,
            "p": p,
            "ci_low": fe - crit * se,
            "ci_high": fe + crit * se,
        }
    )
    cov_re = np.asarray(result.cov_re, dtype=np.float64)
    re_terms = ["client intercept var"]
    re_values = [float(cov_re[0, 0])]
    if random_slope:
        re_terms += [f"client {SESSION} slope var", f"client intercept x {SESSION} slope cov"]
        re_values += [float(cov_re[1, 1]), float(cov_re[0, 1])]
    return OutcomeModelResult(
        params=params,
        n_clients=n_clients,
        n_obs=n_obs,
        converged=bool(result.converged),
        formula=formula,
        re_formula=re_formula,
        lag=lag,
        random_effects=pl.DataFrame({"term": re_terms, "estimate": re_values}),
        residual_variance=float(result.scale),
        log_likelihood=float(result.llf),
        warnings=tuple(dict.fromkeys(str(w.message) for w in caught)),
    )
