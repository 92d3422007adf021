"""Confirmatory factor analysis of item sets (semopy, maximum likelihood).

* :func:`fit_cfa` -- fit a simple-structure CFA and report chi-square, CFI,
  TLI, RMSEA, SRMR, information criteria and standardised loadings;
* :func:`wai_sr_models` -- the WAI-SR 3-factor (Goal, Task, Bond) and
  2-factor (Bond vs Goal/Task) specifications;
* :func:`compare_wai_sr_models` -- both WAI-SR models side by side.

semopy (MIT) estimates the parameters with its Wishart maximum-likelihood
objective on the ML (divide-by-N) sample covariance, minimised by both SLSQP
and L-BFGS-B; the fit with the smaller discrepancy is kept, since either can
stop at a poor local solution on some data. Every fit index
is computed from that solution by the formulas in :func:`fit_cfa`, which
match lavaan's defaults (``estimator = "ML"``, ``likelihood = "normal"``):
the chi-square is ``N * F_ML`` and RMSEA divides by ``N``, not ``N - 1``
(lavaan's ``lav_utils_get_ntotal`` uses ``N`` for ML with the normal
likelihood and ``N - G`` only with ``likelihood = "wishart"``;
``lav_fit_rmsea``: ``sqrt(max(X2/N/df - 1/N, 0))``). semopy's own
``calc_stats`` divides by ``N - 1``, so its RMSEA is larger by the factor
``sqrt(N / (N - 1))``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
import semopy
from numpy.typing import NDArray
from scipy import stats

from alliance.stats.reliability import NanPolicy, _item_matrix

__all__ = [
    "CfaResult",
    "compare_wai_sr_models",
    "fit_cfa",
    "rmsea_ml",
    "wai_sr_models",
]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: WAI-SR subscale key, item numbers per factor (Hatcher & Gillaspy 2006).
SOLVERS = ("SLSQP", "L-BFGS-B")


def wai_sr_subscales() -> dict[str, tuple[int, ...]]:
    """The WAI-SR subscale key, read from the instrument file (never a literal here)."""
    from alliance.instruments import get

    inst = get("wai_sr")
    return {name.capitalize(): inst.scale(name).items for name in ("goal", "task", "bond")}


@dataclass(frozen=True, slots=True)
class CfaResult:
    """Fit of one confirmatory factor model.

    Attributes:
        chi2, df, p: model chi-square test (``N * F_ML``) and its p-value.
        cfi, tli, rmsea, srmr: fit indices (formulas in :func:`fit_cfa`).
        n: respondents used (complete rows).
        loadings: one row per factor-item loading with columns ``factor``,
            ``item``, ``estimate`` (unstandardised; the first item of each
            factor is fixed to 1), ``std_estimate`` (latent and observed
            variances standardised), ``se``, ``z``, ``p`` (null for fixed loadings).
        converged: the optimiser reported success and the statistics are finite.
        chi2_baseline, df_baseline: independence (baseline) model test.
        loglik, aic, bic: log-likelihood of the model (means saturated) and
            the information criteria derived from it.
    """

    chi2: float
    df: int
    p: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    n: int
    loadings: pl.DataFrame
    converged: bool
    chi2_baseline: float
    df_baseline: int
    loglik: float
    aic: float
    bic: float


def rmsea_ml(chi2: float, df: int, n: int) -> float:
    r"""Root mean square error of approximation of an ML model test.

    Formula (Steiger 1990; lavaan's default for ``estimator = "ML"`` with
    ``likelihood = "normal"``, where ``chi2 = N * F_ML``)::

        RMSEA = sqrt(max(chi2 - df, 0) / (df * N))  =  sqrt(max(chi2/N/df - 1/N, 0))

    lavaan divides by ``N`` here and by ``N - 1`` only under
    ``likelihood = "wishart"`` (its ``lav_utils_get_ntotal``; the formula in
    ``R/lav_fit_rmsea.R``). semopy's ``calc_rmsea`` divides by ``N - 1``.

    References:
        Steiger, J. H. (1990). Structural model evaluation and modification:
        An interval estimation approach. Multivariate Behavioral Research
        25:173-180.
        Rosseel, Y. (2012). lavaan: An R package for structural equation
        modeling. Journal of Statistical Software 48(2):1-36.

    Args:
        chi2: the model chi-square (``N * F_ML``), 0 or more.
        df: its degrees of freedom, 1 or more.
        n: the number of respondents, 2 or more.

    Raises:
        TypeError: a non-numeric argument, or a non-integer ``df`` or ``n``.
        ValueError: a negative or non-finite ``chi2``, ``df < 1`` or ``n < 2``.

    Example (lavaan's Holzinger-Swineford CFA: chi2 85.306, df 24, N 301):
        >>> round(rmsea_ml(85.306, 24, 301), 5)  # sqrt(61.306 / 7224)
        0.09212
        >>> rmsea_ml(10.0, 24, 301)  # chi2 below df: exact fit
        0.0
    """
    if isinstance(chi2, bool) or not isinstance(chi2, int | float | np.integer | np.floating):
        raise TypeError(f"chi2 must be a number, got {type(chi2).__name__}")
    for name, value in (("df", df), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if not math.isfinite(chi2) or chi2 < 0:
        raise ValueError(f"chi2 must be a finite number of 0 or more, got {chi2!r}")
    if df < 1:
        raise ValueError(f"df must be 1 or more, got {df}")
    if n < 2:
        raise ValueError(f"n must be 2 or more, got {n}")
    return math.sqrt(max(float(chi2) - df, 0.0) / (df * n))


def _validate_factors(factors: Mapping[str, Sequence[str]]) -> list[str]:
    """Check the model specification; return the observed items in first-seen order."""
    if not isinstance(factors, Mapping):
        raise TypeError(
            f"factors must be a mapping of factor name to item names, got {type(factors).__name__}"
        )
    if not factors:
        raise ValueError("factors is empty: name at least one factor and its items")
    observed: list[str] = []
    for name, items in factors.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"factor name {name!r} must be a Python-style identifier")
        if isinstance(items, str) or not isinstance(items, Sequence):
            raise TypeError(f"items of factor {name!r} must be a sequence of column names")
        if len(items) < 2:
            raise ValueError(f"factor {name!r} needs at least 2 items, got {len(items)}")
        if len(set(items)) != len(items):
            raise ValueError(f"factor {name!r} lists an item twice")
        for item in items:
            if not isinstance(item, str) or not _NAME.match(item):
                raise ValueError(
                    f"item {item!r} of factor {name!r} must be an identifier-like column name"
                )
            if item not in observed:
                observed.append(item)
    clash = sorted(set(factors) & set(observed))
    if clash:
        raise ValueError(f"names used both as factor and as item: {', '.join(clash)}")
    return observed


def fit_cfa(
    items: pl.DataFrame,
    factors: Mapping[str, Sequence[str]],
    *,
    nan_policy: NanPolicy = "raise",
) -> CfaResult:
    r"""Fit a confirmatory factor model by maximum likelihood.

    Each factor loads on its listed items (the first loading fixed to 1),
    factors covary freely, residuals are uncorrelated. With ``p`` observed
    items, ``q`` free parameters, ``N`` complete rows, ``S`` the ML sample
    covariance (divisor ``N``) and ``Sigma`` the model-implied covariance::

        F_ML  = log|Sigma| + tr(S Sigma^-1) - log|S| - p
        chi2  = N * F_ML,             df = p(p + 1)/2 - q,  p-value = P(chi2_df > chi2)
        chi2_b = N * (sum_i log s_ii - log|S|),   df_b = p(p - 1)/2   (independence model)
        CFI   = 1 - max(chi2 - df, 0) / max(chi2 - df, chi2_b - df_b, 0)   (1 if both are 0)
        TLI   = (chi2_b/df_b - chi2/df) / (chi2_b/df_b - 1)
        RMSEA = sqrt(max(chi2 - df, 0) / (df N))
        SRMR  = sqrt( sum_{i <= j} r_ij^2 / (p(p + 1)/2) ),
                r_ij = (s_ij - sigma_ij) / sqrt(s_ii s_jj)
        logL  = -N/2 * (p log(2 pi) + log|Sigma| + tr(S Sigma^-1))
        AIC   = -2 logL + 2q,   BIC = -2 logL + q log N

    SRMR is Bentler's: residual covariances over the lower triangle *including
    the diagonal*, standardised by the observed standard deviations (lavaan's
    default ``srmr``). RMSEA divides by ``N`` as lavaan does for ML with its
    default normal likelihood (with ``likelihood = "wishart"`` lavaan uses
    ``N - 1`` in both the chi-square and RMSEA; source: lavaan,
    ``R/lav_fit_rmsea.R`` and ``lav_utils_get_ntotal``, Rosseel 2012).
    These reproduce lavaan on the Holzinger-Swineford example (chi2 85.306,
    df 24, CFI .931, TLI .896, RMSEA .092 = sqrt(61.306 / (24 * 301)),
    SRMR .065).

    References:
        Bentler, P. M. (1990). Comparative fit indexes in structural models.
        Psychological Bulletin 107:238-246 (CFI).
        Tucker, L. R. & Lewis, C. (1973). Psychometrika 38:1-10 (TLI).
        Steiger, J. H. (1990). Multivariate Behavioral Research 25:173-180 (RMSEA).
        Rosseel, Y. (2012). lavaan: An R package for structural equation
        modeling. Journal of Statistical Software 48(2):1-36 (the N used
        for RMSEA: ``lav_utils_get_ntotal`` in lavaan's source).
        Hu, L. & Bentler, P. M. (1999). Structural Equation Modeling 6:1-55 (SRMR).
        Igolkina, A. A. & Meshcheryakov, G. (2020). semopy: a Python package
        for structural equation modeling. Structural Equation Modeling 27:952-963.

    Args:
        items: one column per item (other columns are ignored).
        factors: factor name -> its item columns, e.g. ``{"Bond": ["w3", "w5", "w7"]}``;
            names must be identifier-like.
        nan_policy: ``"raise"`` (default) or ``"listwise"`` for rows with a
            missing model item.

    Raises:
        TypeError: ``items`` is not a Polars frame, a malformed ``factors``,
            or a non-numeric item.
        ValueError: unknown columns, a factor with fewer than 2 items, a
            model without positive degrees of freedom, missing items under
            ``nan_policy="raise"``, too few rows, or a singular covariance.

    Example:
        >>> import numpy as np, polars as pl
        >>> rng = np.random.default_rng(0)
        >>> f = rng.normal(size=(400, 2)) @ np.linalg.cholesky([[1, .4], [.4, 1]]).T
        >>> x = np.repeat(f, 3, axis=1) * 0.8 + rng.normal(scale=0.6, size=(400, 6))
        >>> df = pl.DataFrame(x, schema=["a1", "a2", "a3", "b1", "b2", "b3"])
        >>> res = fit_cfa(df, {"A": ["a1", "a2", "a3"], "B": ["b1", "b2", "b3"]})
        >>> res.df, res.n, res.converged
        (8, 400, True)
        >>> res.cfi > 0.95 and res.rmsea < 0.06
        True
        >>> res.loadings.columns
        ['factor', 'item', 'estimate', 'std_estimate', 'se', 'z', 'p']
    """
    if not isinstance(items, pl.DataFrame):
        raise TypeError(f"items must be a polars DataFrame, got {type(items).__name__}")
    observed = _validate_factors(factors)
    missing = [c for c in observed if c not in items.columns]
    if missing:
        raise ValueError(f"item columns not in items: {', '.join(missing)}")
    n_obs = len(observed)
    n_factors = len(factors)
    n_loadings = sum(len(v) for v in factors.values())
    n_free = (n_loadings - n_factors) + n_factors * (n_factors + 1) // 2 + n_obs
    df = n_obs * (n_obs + 1) // 2 - n_free
    if df < 1:
        raise ValueError(
            f"the model has {df} degrees of freedom ({n_obs} items, {n_free} free "
            "parameters): it is not testable"
        )
    x, _ = _item_matrix(
        items.select(observed), nan_policy=nan_policy, min_items=1, min_rows=n_obs + 1
    )
    n = x.shape[0]
    s_ml = np.cov(x, rowvar=False, ddof=0)
    sign, logdet_s = np.linalg.slogdet(s_ml)
    if sign <= 0 or np.any(np.diag(s_ml) <= 0):
        raise ValueError("the item covariance matrix is singular (constant or collinear items)")

    description = "\n".join(f"{name} =~ {' + '.join(cols)}" for name, cols in factors.items())
    # Either optimiser can stop at a poor local solution on some data (L-BFGS-B
    # did on simulated WAI-SR items: CFI 0 where SLSQP gives 1.0), so fit with
    # both and keep the smaller ML discrepancy.
    fits = []
    for solver in SOLVERS:
        candidate = semopy.Model(description)
        result = candidate.fit(pd.DataFrame(x, columns=observed), obj="MLW", solver=solver)
        # semopy orders its observed variables its own way: bring Sigma into ours
        order = list(candidate.vars["observed"])
        perm = [order.index(v) for v in observed]
        sig = np.asarray(candidate.calc_sigma()[0], dtype=np.float64)[np.ix_(perm, perm)]
        c2, ll = _ml_discrepancy(s_ml, sig, n, logdet_s)
        if math.isfinite(c2):
            fits.append((c2, ll, sig, candidate, result))
    if not fits:
        raise ValueError("the factor model could not be fitted to these data")
    chi2, loglik, sigma, model, solution = min(fits, key=lambda f: f[0])
    q = len(model.param_vals)  # free parameters as semopy counts them (equals n_free)
    df = n_obs * (n_obs + 1) // 2 - q
    chi2_b = n * (float(np.log(np.diag(s_ml)).sum()) - logdet_s)
    df_b = n_obs * (n_obs - 1) // 2
    d = 1.0 / np.sqrt(np.diag(s_ml))
    resid = (s_ml - sigma) * np.outer(d, d)
    srmr = math.sqrt(float(np.mean(resid[np.tril_indices(n_obs)] ** 2)))

    excess, excess_b = chi2 - df, chi2_b - df_b
    cfi_denominator = max(excess, excess_b, 0.0)
    cfi = 1.0 - max(excess, 0.0) / cfi_denominator if cfi_denominator > 0 else 1.0
    tli = (chi2_b / df_b - chi2 / df) / (chi2_b / df_b - 1.0)
    rmsea = rmsea_ml(chi2, df, n)
    aic = -2.0 * loglik + 2.0 * q
    bic = -2.0 * loglik + q * math.log(n)
    numbers = (chi2, cfi, tli, rmsea, srmr, aic)
    converged = bool(solution.success) and all(math.isfinite(v) for v in numbers)
    return CfaResult(
        chi2=float(chi2),
        df=int(df),
        p=float(stats.chi2.sf(chi2, df)),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=float(rmsea),
        srmr=float(srmr),
        n=int(n),
        loadings=_loadings_frame(model, factors),
        converged=converged,
        chi2_baseline=float(chi2_b),
        df_baseline=int(df_b),
        loglik=float(loglik),
        aic=float(aic),
        bic=float(bic),
    )


def _ml_discrepancy(
    s_ml: NDArray[np.float64], sigma: NDArray[np.float64], n: int, logdet_s: float
) -> tuple[float, float]:
    """Return (chi2 = N * F_ML, log-likelihood) for a model-implied ``sigma``."""
    p = s_ml.shape[0]
    sign, logdet_sigma = np.linalg.slogdet(sigma)
    if sign <= 0:
        return math.inf, -math.inf
    trace = float(np.trace(np.linalg.solve(sigma, s_ml)))
    f_ml = logdet_sigma + trace - logdet_s - p
    loglik = -0.5 * n * (p * math.log(2.0 * math.pi) + logdet_sigma + trace)
    return n * max(f_ml, 0.0), loglik


def _loadings_frame(model: semopy.Model, factors: Mapping[str, Sequence[str]]) -> pl.DataFrame:
    """Loadings (raw and standardised) from semopy's estimates, in specification order."""
    table = model.inspect(std_est=True)
    est = pl.from_pandas(table.astype(str)).select(
        pl.col("rval").alias("factor"),
        pl.col("lval").alias("item"),
        pl.col("op"),
        pl.col("Estimate").cast(pl.Float64, strict=False).alias("estimate"),
        pl.col("Est. Std").cast(pl.Float64, strict=False).alias("std_estimate"),
        pl.col("Std. Err").cast(pl.Float64, strict=False).alias("se"),
        pl.col("z-value").cast(pl.Float64, strict=False).alias("z"),
        pl.col("p-value").cast(pl.Float64, strict=False).alias("p"),
    )
    spec = pl.DataFrame(
        {
            "factor": [f for f, cols in factors.items() for _ in cols],
            "item": [c for cols in factors.values() for c in cols],
        },
        schema={"factor": pl.String, "item": pl.String},
    )
    return spec.join(
        est.filter(pl.col("op") == "~").drop("op"),
        on=["factor", "item"],
        how="left",
        maintain_order="left",
    )


def wai_sr_models(prefix: str = "wai_sr") -> dict[str, dict[str, tuple[str, ...]]]:
    """WAI-SR confirmatory models for item columns ``{prefix}_1`` .. ``{prefix}_12``.

    * ``"three_factor"``: Goal = 4, 6, 8, 11; Task = 1, 2, 10, 12;
      Bond = 3, 5, 7, 9 (Hatcher & Gillaspy 2006).
    * ``"two_factor"``: Bond = 3, 5, 7, 9; GoalTask = the eight Goal and Task
      items (Falkenstroem et al. 2015 found Bond vs Goal/Task fits best).

    A trailing underscore in ``prefix`` is allowed, so ``"wai_sr_t"`` and
    ``"wai_sr_t_"`` both name the therapist form's columns ``wai_sr_t_1`` ...

    References:
        Hatcher, R. L. & Gillaspy, J. A. (2006). Development and validation of
        a revised short version of the Working Alliance Inventory.
        Psychotherapy Research 16:12-25.
        Falkenstroem, F., Hatcher, R. L. & Holmqvist, R. (2015). Confirmatory
        factor analysis of the patient version of the Working Alliance
        Inventory-Short Form Revised. Assessment 22:581-593.

    Args:
        prefix: column prefix (identifier-like).

    Raises:
        ValueError: ``prefix`` is empty or not identifier-like.

    Example:
        >>> models = wai_sr_models("wai_sr_t_")
        >>> models["three_factor"]["Goal"]
        ('wai_sr_t_4', 'wai_sr_t_6', 'wai_sr_t_8', 'wai_sr_t_11')
        >>> sorted(models["two_factor"])
        ['Bond', 'GoalTask']
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a string, got {type(prefix).__name__}")
    stem = prefix.rstrip("_")
    if not _NAME.match(stem):
        raise ValueError(f"prefix {prefix!r} must be an identifier-like column prefix")

    def cols(numbers: Sequence[int]) -> tuple[str, ...]:
        return tuple(f"{stem}_{i}" for i in numbers)

    key = wai_sr_subscales()
    return {
        "three_factor": {name: cols(numbers) for name, numbers in key.items()},
        "two_factor": {
            "Bond": cols(key["Bond"]),
            "GoalTask": cols(sorted(key["Goal"] + key["Task"])),
        },
    }


def compare_wai_sr_models(
    items: pl.DataFrame,
    prefix: str = "wai_sr",
    *,
    nan_policy: NanPolicy = "raise",
) -> pl.DataFrame:
    r"""Fit the WAI-SR 3-factor and 2-factor models and compare them.

    One row per model (``three_factor``, ``two_factor``) with the statistics
    of :func:`fit_cfa` and a chi-square difference test of the 2-factor model
    (nested: Goal-Task correlation fixed to 1) against the 3-factor one::

        delta_chi2 = chi2_2f - chi2_3f,  delta_df = df_2f - df_3f,
        p_delta = P(chi2_{delta_df} > delta_chi2)

    The constraint sits on the boundary of the parameter space, so this test
    is conservative; compare AIC/BIC too (lower is better).

    Reference:
        Falkenstroem, F., Hatcher, R. L. & Holmqvist, R. (2015). Assessment
        22:581-593.

    Args:
        items: frame with columns ``{prefix}_1`` .. ``{prefix}_12``.
        prefix: column prefix (see :func:`wai_sr_models`).
        nan_policy: ``"raise"`` (default) or ``"listwise"``; both models use
            the same rows.

    Returns:
        Columns ``model``, ``n_factors``, ``chi2``, ``df``, ``p``, ``cfi``,
        ``tli``, ``rmsea``, ``srmr``, ``aic``, ``bic``, ``n``, ``converged``,
        ``delta_chi2``, ``delta_df``, ``p_delta`` (the last three null for the
        3-factor row).

    Raises:
        As :func:`fit_cfa`.

    Example:
        >>> import numpy as np, polars as pl
        >>> rng = np.random.default_rng(3)
        >>> f = rng.normal(size=(300, 1))
        >>> x = np.clip(np.round(3 + f + rng.normal(size=(300, 12))), 1, 5)
        >>> df = pl.DataFrame(x, schema=[f"wai_sr_{i}" for i in range(1, 13)])
        >>> compare_wai_sr_models(df).select("model", "df").rows()
        [('three_factor', 51), ('two_factor', 53)]
    """
    models = wai_sr_models(prefix)
    results = {name: fit_cfa(items, spec, nan_policy=nan_policy) for name, spec in models.items()}
    full = results["three_factor"]
    rows = []
    for name, res in results.items():
        nested = name != "three_factor"
        delta_chi2 = max(res.chi2 - full.chi2, 0.0) if nested else None
        delta_df = res.df - full.df if nested else None
        p_delta = (
            float(stats.chi2.sf(delta_chi2, delta_df))
            if delta_chi2 is not None and delta_df
            else None
        )
        rows.append(
            {
                "model": name,
                "n_factors": len(models[name]),
                "chi2": res.chi2,
                "df": res.df,
                "p": res.p,
                "cfi": res.cfi,
                "tli": res.tli,
                "rmsea": res.rmsea,
                "srmr": res.srmr,
                "aic": res.aic,
                "bic": res.bic,
                "n": res.n,
                "converged": res.converged,
                "delta_chi2": delta_chi2,
                "delta_df": delta_df,
                "p_delta": p_delta,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "model": pl.String,
            "n_factors": pl.Int64,
            "chi2": pl.Float64,
            "df": pl.Int64,
            "p": pl.Float64,
            "cfi": pl.Float64,
            "tli": pl.Float64,
            "rmsea": pl.Float64,
            "srmr": pl.Float64,
            "aic": pl.Float64,
            "bic": pl.Float64,
            "n": pl.Int64,
            "converged": pl.Boolean,
            "delta_chi2": pl.Float64,
            "delta_df": pl.Int64,
            "p_delta": pl.Float64,
        },
        orient="row",
    )
