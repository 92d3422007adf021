"""Internal-consistency reliability of a set of items.

Three statistics, each one function:

* :func:`cronbach_alpha` -- coefficient alpha with a Feldt confidence interval;
* :func:`mcdonald_omega` -- omega total from a one-factor model fitted by
  maximum likelihood;
* :func:`item_total_correlations` -- corrected item-total correlation and
  alpha-if-item-deleted, one row per item.

Input is a Polars frame whose columns are the items (or a 2-D NumPy array,
rows = respondents, columns = items). Rows with a missing item are never
dropped silently: the default ``nan_policy="raise"`` raises a ``ValueError``
naming how many rows are incomplete; ``nan_policy="listwise"`` drops them.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import optimize, stats

__all__ = [
    "AlphaResult",
    "NanPolicy",
    "OmegaResult",
    "cronbach_alpha",
    "item_total_correlations",
    "mcdonald_omega",
]

NanPolicy = Literal["raise", "listwise"]
"""How rows with a missing item are handled: ``"raise"`` (default) or ``"listwise"``."""

_NAN_POLICIES: tuple[str, ...] = ("raise", "listwise")

#: Lower bound for a uniqueness (on the correlation metric) in the ML factor fit,
#: as in R's ``factanal`` (``lower = 0.005``).
_UNIQUENESS_LOWER = 0.005


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Cronbach's alpha with its confidence interval.

    Attributes:
        alpha: coefficient alpha.
        ci_low, ci_high: Feldt confidence limits at the requested level.
        n: respondents used (complete rows).
        k: items.
    """

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int


@dataclass(frozen=True, slots=True)
class OmegaResult:
    """McDonald's omega (total) from a one-factor model.

    Attributes:
        omega: ``(sum lambda)^2 / ((sum lambda)^2 + sum theta)``.
        loadings: one-factor loadings, in item order, signed so that their sum
            is positive (covariance or correlation metric, as requested).
        uniquenesses: residual (unique) variances theta, in item order.
        n: respondents used (complete rows).
        k: items.
        items: item names, in the order of ``loadings``.
    """

    omega: float
    loadings: tuple[float, ...]
    uniquenesses: tuple[float, ...]
    n: int
    k: int
    items: tuple[str, ...]


# --------------------------------------------------------------------------
# input handling (shared with alliance.stats.cfa)
# --------------------------------------------------------------------------


def _check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be 'raise' or 'listwise', got {nan_policy!r}")


def _item_matrix(
    items: pl.DataFrame | NDArray[np.generic],
    *,
    nan_policy: str,
    min_items: int = 2,
    min_rows: int = 2,
) -> tuple[NDArray[np.float64], tuple[str, ...]]:
    """Validate ``items`` and return (complete rows as float64 matrix, item names).

    Nulls and NaNs both count as missing. Raises ``TypeError`` for a wrong
    container or a non-numeric column and ``ValueError`` for missing values
    (under ``nan_policy="raise"``), infinities, or too few items or rows.
    """
    _check_nan_policy(nan_policy)
    if isinstance(items, pl.DataFrame):
        bad = [
            name
            for name, dtype in items.schema.items()
            if not (dtype.is_numeric() or dtype == pl.Boolean)
        ]
        if bad:
            raise TypeError(f"item columns must be numeric; not numeric: {', '.join(bad)}")
        names = tuple(items.columns)
        x = items.select(pl.all().cast(pl.Float64)).to_numpy().astype(np.float64, copy=False)
        if x.ndim != 2:  # pragma: no cover - a DataFrame is always 2-D
            raise ValueError("items must be two-dimensional")
    elif isinstance(items, np.ndarray):
        if items.ndim != 2:
            raise ValueError(
                f"items must be a 2-D array (rows = respondents, columns = items); "
                f"got {items.ndim} dimension(s)"
            )
        if items.dtype.kind not in "biuf":
            raise TypeError(f"items must be a numeric array, got dtype {items.dtype}")
        x = items.astype(np.float64)
        names = tuple(f"item_{j + 1}" for j in range(x.shape[1]))
    else:
        raise TypeError(
            f"items must be a polars DataFrame or a 2-D numpy array, got {type(items).__name__}"
        )

    n_items = x.shape[1]
    if n_items < min_items:
        raise ValueError(f"at least {min_items} items are required, got {n_items}")
    if np.isinf(x).any():
        raise ValueError("items contain infinite values")
    incomplete = np.isnan(x).any(axis=1)
    n_incomplete = int(incomplete.sum())
    if n_incomplete:
        if nan_policy == "raise":
            raise ValueError(
                f"{n_incomplete} of {x.shape[0]} rows have a missing item; "
                "pass nan_policy='listwise' to drop them"
            )
        x = x[~incomplete]
    if x.shape[0] < min_rows:
        raise ValueError(f"at least {min_rows} complete rows are required, got {x.shape[0]}")
    return x, names


def _check_ci(ci: float) -> None:
    if isinstance(ci, bool) or not isinstance(ci, (int, float)):
        raise TypeError(f"ci must be a number in (0, 1), got {type(ci).__name__}")
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be in (0, 1), got {ci}")


# --------------------------------------------------------------------------
# Cronbach's alpha
# --------------------------------------------------------------------------


def cronbach_alpha(
    items: pl.DataFrame | NDArray[np.generic],
    *,
    ci: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> AlphaResult:
    r"""Cronbach's coefficient alpha with a Feldt confidence interval.

    Formula (variances with ``ddof=1``; ``k`` items, ``n`` respondents)::

        alpha = k / (k - 1) * (1 - sum_j var(x_j) / var(sum_j x_j))

    Feldt, Woodruff & Salih (1987) interval at level ``ci`` (``a = 1 - ci``),
    with ``F(q; d1, d2)`` the upper-``q`` quantile of the F distribution::

        ci_low  = 1 - (1 - alpha) * F(a/2;     n - 1, (n - 1)(k - 1))
        ci_high = 1 - (1 - alpha) * F(1 - a/2; n - 1, (n - 1)(k - 1))

    This is the interval of ``pingouin.cronbach_alpha`` and R's ``psych``.

    References:
        Cronbach, L. J. (1951). Coefficient alpha and the internal structure
        of tests. Psychometrika 16:297-334.
        Feldt, L. S., Woodruff, D. J. & Salih, F. A. (1987). Statistical
        inference for coefficient alpha. Applied Psychological Measurement
        11:93-103.

    Args:
        items: respondents x items (Polars frame of item columns or 2-D array).
        ci: confidence level of the interval, in (0, 1).
        nan_policy: ``"raise"`` (default) or ``"listwise"`` (drop incomplete rows).

    Raises:
        TypeError: wrong container or non-numeric items.
        ValueError: missing items under ``nan_policy="raise"``, fewer than two
            items or rows, or a total score without variance.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
        ...                    "q3": [1, 3, 3, 4, 4]})
        >>> res = cronbach_alpha(df)
        >>> round(res.alpha, 4), res.n, res.k
        (0.9538, 5, 3)
        >>> round(res.ci_low, 3), round(res.ci_high, 3)
        (0.766, 0.995)
    """
    _check_ci(ci)
    x, _ = _item_matrix(items, nan_policy=nan_policy)
    n, k = x.shape
    item_var = x.var(axis=0, ddof=1)
    total_var = float(x.sum(axis=1).var(ddof=1))
    if total_var <= 0.0:
        raise ValueError("the total score has zero variance: alpha is undefined")
    alpha = k / (k - 1) * (1.0 - float(item_var.sum()) / total_var)
    a = 1.0 - ci
    df1 = n - 1
    df2 = df1 * (k - 1)
    ci_low = 1.0 - (1.0 - alpha) * float(stats.f.isf(a / 2.0, df1, df2))
    ci_high = 1.0 - (1.0 - alpha) * float(stats.f.isf(1.0 - a / 2.0, df1, df2))
    return AlphaResult(alpha=alpha, ci_low=ci_low, ci_high=ci_high, n=n, k=k)


# --------------------------------------------------------------------------
# McDonald's omega
# --------------------------------------------------------------------------


def _ml_one_factor(
    corr: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """Fit one factor by maximum likelihood to a correlation matrix.

    The algorithm of R's ``factanal`` (Joreskog 1967; Lawley & Maxwell 1971):
    minimise over the uniquenesses ``psi`` the concentrated discrepancy
    ``F(psi) = sum_{j >= 2} (e_j - log e_j - 1)``, where ``e_j`` are the
    eigenvalues of ``Psi^-1/2 R Psi^-1/2`` below the largest. The loadings
    given ``psi`` are ``Psi^1/2 v_1 sqrt(max(e_1 - 1, 0))``.
    Returns (loadings, uniquenesses, converged).
    """
    p = corr.shape[0]
    start = (1.0 - 0.5 / p) / np.diag(np.linalg.inv(corr))
    start = np.clip(start, _UNIQUENESS_LOWER, 1.0)

    def first_factor(psi: NDArray[np.float64]) -> tuple[NDArray[np.float64], float, float]:
        scale = 1.0 / np.sqrt(psi)
        values, vectors = np.linalg.eigh(corr * np.outer(scale, scale))
        rest = values[:-1]
        discrepancy = float(np.sum(rest - np.log(rest) - 1.0))
        loading = np.sqrt(psi) * vectors[:, -1] * math.sqrt(max(values[-1] - 1.0, 0.0))
        return loading, discrepancy, float(values[0])

    def objective(psi: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        loading, discrepancy, _ = first_factor(psi)
        residual_diag = loading**2 + psi - np.diag(corr)
        return discrepancy, residual_diag / psi**2

    res = optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(_UNIQUENESS_LOWER, 1.0)] * p,
        options={"ftol": 1e-15, "gtol": 1e-11, "maxiter": 10_000},
    )
    psi = np.asarray(res.x, dtype=np.float64)
    # Converged when the projected gradient vanishes: L-BFGS-B can stop on a
    # failed line search once the discrepancy is at machine precision (an
    # exactly fitting model), which is a solution, not a failure.
    _, grad = objective(psi)
    at_lower = (psi <= _UNIQUENESS_LOWER) & (grad > 0)
    at_upper = (psi >= 1.0) & (grad < 0)
    projected = np.where(at_lower | at_upper, 0.0, grad)
    converged = bool(res.success) or float(np.max(np.abs(projected))) < 1e-6
    loading, _, _ = first_factor(psi)
    if loading.sum() < 0:
        loading = -loading
    return loading, psi, converged


def mcdonald_omega(
    items: pl.DataFrame | NDArray[np.generic],
    *,
    matrix: Literal["covariance", "correlation"] = "covariance",
    nan_policy: NanPolicy = "raise",
) -> OmegaResult:
    r"""McDonald's omega (total) from a one-factor maximum-likelihood model.

    Formula, with one-factor loadings ``lambda_j`` and uniquenesses
    ``theta_j`` (model ``Sigma = lambda lambda' + diag(theta)``)::

        omega = (sum_j lambda_j)^2 / ((sum_j lambda_j)^2 + sum_j theta_j)

    The model is fitted by maximum likelihood to the sample correlation
    matrix (the ``factanal`` algorithm: the discrepancy
    ``log|Sigma| + tr(R Sigma^-1) - log|R| - k`` is minimised over the
    uniquenesses, each bounded to [0.005, 1]). ML is scale-free, so the
    covariance-metric solution is the correlation solution rescaled by the
    item standard deviations (``ddof=1``): ``lambda_j = sd_j * lambda*_j``,
    ``theta_j = sd_j^2 * theta*_j``.

    ``matrix="covariance"`` (default) gives the reliability of the raw
    (unit-weighted) total score; ``matrix="correlation"`` gives omega for the
    sum of standardised items (as ``psych::omega`` on a correlation matrix).

    A ``RuntimeWarning`` is issued when the optimiser does not converge or a
    uniqueness sits on its lower bound (a Heywood case).

    References:
        McDonald, R. P. (1999). Test theory: a unified treatment. Erlbaum.
        Joreskog, K. G. (1967). Some contributions to maximum likelihood
        factor analysis. Psychometrika 32:443-482.

    Args:
        items: respondents x items (Polars frame of item columns or 2-D
            array); at least three items.
        matrix: ``"covariance"`` or ``"correlation"`` metric of the result.
        nan_policy: ``"raise"`` (default) or ``"listwise"``.

    Raises:
        TypeError: wrong container or non-numeric items.
        ValueError: missing items under ``nan_policy="raise"``, fewer than
            three items, fewer than ``k + 1`` rows, an item without variance,
            or a singular correlation matrix.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(1)
        >>> factor = rng.normal(size=(500, 1))
        >>> x = factor @ np.full((1, 4), 0.8) + rng.normal(scale=0.6, size=(500, 4))
        >>> res = mcdonald_omega(x)
        >>> round(res.omega, 2), res.n, res.k
        (0.86, 500, 4)
        >>> [round(v, 1) for v in res.loadings]
        [0.7, 0.8, 0.7, 0.8]
    """
    if matrix not in ("covariance", "correlation"):
        raise ValueError(f"matrix must be 'covariance' or 'correlation', got {matrix!r}")
    x, names = _item_matrix(items, nan_policy=nan_policy, min_items=3)
    n, k = x.shape
    if n <= k:
        raise ValueError(f"at least k + 1 = {k + 1} complete rows are required, got {n}")
    sd = x.std(axis=0, ddof=1)
    constant = [names[j] for j in np.flatnonzero(sd == 0.0)]
    if constant:
        raise ValueError(f"items without variance: {', '.join(constant)}")
    corr = np.atleast_2d(np.asarray(np.corrcoef(x, rowvar=False), dtype=np.float64))
    if np.linalg.matrix_rank(corr) < k:
        raise ValueError("the item correlation matrix is singular (collinear items)")
    loading, psi, converged = _ml_one_factor(corr)
    if not converged:
        warnings.warn(
            "the one-factor ML fit did not converge; omega may be inaccurate",
            RuntimeWarning,
            stacklevel=2,
        )
    heywood = [names[j] for j in np.flatnonzero(psi <= _UNIQUENESS_LOWER * (1 + 1e-6))]
    if heywood:
        warnings.warn(
            f"Heywood case: uniqueness at its lower bound for {', '.join(heywood)}",
            RuntimeWarning,
            stacklevel=2,
        )
    if matrix == "covariance":
        loading = loading * sd
        psi = psi * sd**2
    total = float(loading.sum()) ** 2
    omega = total / (total + float(psi.sum()))
    return OmegaResult(
        omega=omega,
        loadings=tuple(float(v) for v in loading),
        uniquenesses=tuple(float(v) for v in psi),
        n=n,
        k=k,
        items=names,
    )


# --------------------------------------------------------------------------
# item-total statistics
# --------------------------------------------------------------------------


def item_total_correlations(
    items: pl.DataFrame | NDArray[np.generic],
    *,
    nan_policy: NanPolicy = "raise",
) -> pl.DataFrame:
    r"""Corrected item-total correlation and alpha-if-item-deleted per item.

    With total ``T = sum_j x_j`` and rest score ``T_-j = T - x_j``
    (covariances with ``ddof=1``)::

        corrected_item_total_r_j = cov(x_j, T_-j) / sqrt(var(x_j) var(T_-j))
        cov(x_j, T_-j) = cov(x_j, T) - var(x_j)
        var(T_-j)      = var(T) - 2 cov(x_j, T) + var(x_j)
        alpha_if_deleted_j = (k - 1)/(k - 2) * (1 - (sum_i var(x_i) - var(x_j)) / var(T_-j))

    All items are computed at once from the covariance matrix (no loop).

    Reference:
        Nunnally, J. C. & Bernstein, I. H. (1994). Psychometric theory, 3rd ed.
        McGraw-Hill (corrected item-total correlation; alpha if item deleted).

    Args:
        items: respondents x items (Polars frame of item columns or 2-D
            array); at least three items.
        nan_policy: ``"raise"`` (default) or ``"listwise"``.

    Returns:
        A frame with columns ``item`` (str), ``corrected_item_total_r`` and
        ``alpha_if_deleted`` (Float64), one row per item in input order.
        The correlation is NaN for an item without variance.

    Raises:
        TypeError: wrong container or non-numeric items.
        ValueError: missing items under ``nan_policy="raise"``, fewer than
            three items or two rows, or a rest score without variance.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5],
        ...                    "q3": [1, 3, 3, 4, 4]})
        >>> out = item_total_correlations(df)
        >>> out["item"].to_list()
        ['q1', 'q2', 'q3']
        >>> [round(v, 3) for v in out["corrected_item_total_r"]]
        [0.97, 0.903, 0.87]
        >>> [round(v, 3) for v in out["alpha_if_deleted"]]
        [0.882, 0.933, 0.968]
    """
    x, names = _item_matrix(items, nan_policy=nan_policy, min_items=3)
    k = x.shape[1]
    cov = np.cov(x, rowvar=False, ddof=1)
    item_var = np.diag(cov)
    cov_item_total = cov.sum(axis=1)
    total_var = float(cov.sum())
    rest_var = total_var - 2.0 * cov_item_total + item_var
    if np.any(rest_var <= 0.0):
        raise ValueError("a rest score (total minus one item) has zero variance")
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (cov_item_total - item_var) / np.sqrt(item_var * rest_var)
    alpha_del = (k - 1) / (k - 2) * (1.0 - (item_var.sum() - item_var) / rest_var)
    return pl.DataFrame(
        {
            "item": list(names),
            "corrected_item_total_r": r.astype(np.float64),
            "alpha_if_deleted": alpha_del.astype(np.float64),
        },
        schema={
            "item": pl.String,
            "corrected_item_total_r": pl.Float64,
            "alpha_if_deleted": pl.Float64,
        },
    )
