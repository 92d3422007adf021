"""Alliance-outcome models: within- and between-client effects of the alliance.

The alliance-outcome correlation (r = .278, Flueckiger et al. 2018,
PSYCHOMETRICS.md s.6) mixes two questions: do clients with better alliances
do better (between clients), and does a better-than-usual session alliance
precede lower symptoms for that client (within client)? Splitting the
alliance into the client's mean and the session's deviation from it, and
predicting the outcome at the next session from the alliance now, separates
the two (Curran & Bauer 2011; Falkenstroem, Finkel, Sandell, Rubel & Holmqvist
2017). The model is a linear mixed model with client random intercepts
(optionally a random slope for session), fitted with statsmodels ``MixedLM``
(BSD licence) by REML.

References: Curran, P. J., & Bauer, D. J. (2011). The disaggregation of
within-person and between-person effects in longitudinal models of change.
Annual Review of Psychology, 62, 583-619. Falkenstroem, F., Finkel, S.,
Sandell, R., Rubel, J. A., & Holmqvist, R. (2017). Dynamic models of
individual change in psychotherapy process research. Journal of Consulting
and Clinical Psychology, 85(6), 537-549.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd
import polars as pl
from scipy import stats

from alliance.stats._checks import require_columns as _require_columns
from alliance.stats._checks import (
    require_integer_sessions,
    require_one_row_per_session,
)
from alliance.stats._checks import require_no_nulls as _require_no_nulls
from alliance.stats._checks import require_numeric as _require_numeric

__all__ = [
    "OutcomeModelResult",
    "alliance_outcome_model",
    "decompose_within_between",
    "lead_within_client",
]

# Names of the model's columns (and terms); fixed so results are comparable
# across data sets whatever the user's columns are called.
OUTCOME = "outcome_lead"
WITHIN = "alliance_within"
BETWEEN = "alliance_between"
SESSION = "session"
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


def alliance_outcome_model(
    frame: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    alliance_col: str,
    outcome_col: str,
    lag: int = 1,
    random_slope: bool = False,
    alpha: float = 0.05,
) -> OutcomeModelResult:
    """Lagged within/between alliance-outcome mixed model.

    Model (client ``i``, session ``t``):
        ``outcome[i, t + lag] = b0 + b_w * (alliance[i, t] - mean_i(alliance))
        + b_b * mean_i(alliance) + b_s * (t + lag) + u_i (+ v_i * (t + lag)) + e``
    with client random intercepts ``u_i`` (and, with ``random_slope=True``,
    random slopes ``v_i`` for session), fitted by REML with statsmodels
    ``MixedLM``. ``b_w`` is the within-client effect (a client's
    better-than-usual alliance now and their outcome ``lag`` sessions later);
    ``b_b`` the between-client effect. The client mean uses every observed
    alliance score of the client (:func:`decompose_within_between`); pairs
    are formed by exact session number (:func:`lead_within_client`), so gaps
    never pair non-consecutive sessions. Rows missing the alliance or the
    lagged outcome are left out. ``p`` and the ``1 - alpha`` intervals are
    Wald (normal) as in statsmodels. References: Curran & Bauer (2011);
    Falkenstroem et al. (2017).

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
        (60, 300, ['Intercept', 'alliance_within', 'alliance_between', 'session'])
    """
    df = _require_columns(frame, [id_col, session_col, alliance_col, outcome_col])
    _require_numeric(df, alliance_col)
    _require_numeric(df, outcome_col)
    _require_sessions(df, id_col, session_col)
    if isinstance(lag, bool) or not isinstance(lag, int):
        raise TypeError(f"lag must be an integer, got {lag!r}")
    if not isinstance(random_slope, bool):
        raise TypeError(f"random_slope must be True or False, got {random_slope!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie strictly between 0 and 1, got {alpha!r}")

    base = df.select(
        pl.col(id_col).alias(CLIENT),
        pl.col(session_col).alias(SESSION),
        _as_float(df, alliance_col).alias("alliance"),
        _as_float(df, outcome_col).alias("outcome"),
    )
    base = decompose_within_between(base, CLIENT, "alliance")
    paired = lead_within_client(base, id_col=CLIENT, session_col=SESSION, col="outcome", lag=lag)
    data = (
        paired.select(
            pl.col(CLIENT),
            (pl.col(SESSION) + lag).cast(pl.Float64).alias(SESSION),
            pl.col("alliance_within").alias(WITHIN),
            pl.col("alliance_between").alias(BETWEEN),
            pl.col(f"outcome_lead{lag}").alias(OUTCOME),
        )
        .drop_nulls([WITHIN, BETWEEN, OUTCOME])
        .sort(CLIENT, SESSION)
    )
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
        raise ValueError("no client's alliance varies across sessions: no within-client effect")

    formula = f"{OUTCOME} ~ {WITHIN} + {BETWEEN} + {SESSION}"
    re_formula = f"~{SESSION}" if random_slope else None
    pdf = pd.DataFrame(
        {c: data.get_column(c).to_numpy() for c in (SESSION, WITHIN, BETWEEN, OUTCOME)}
    )
    groups = data.get_column(CLIENT).to_numpy()

    import statsmodels.formula.api as smf  # heavy import, only when fitting

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = smf.mixedlm(formula, pdf, groups=groups, re_formula=re_formula)
            result = model.fit(reml=True)
        except np.linalg.LinAlgError as exc:
            raise ValueError(f"the mixed model could not be fitted: {exc}") from exc

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
        n_clients=int(n_clients),
        n_obs=int(n_obs),
        converged=bool(result.converged),
        formula=formula,
        re_formula=re_formula,
        lag=lag,
        random_effects=pl.DataFrame({"term": re_terms, "estimate": re_values}),
        residual_variance=float(result.scale),
        log_likelihood=float(result.llf),
        warnings=tuple(dict.fromkeys(str(w.message) for w in caught)),
    )
