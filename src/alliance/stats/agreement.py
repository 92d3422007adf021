"""Client-therapist agreement: Shrout & Fleiss intraclass correlations and gaps.

The dyad (or dyad-session) is the *target*, the role (client, therapist) the
*rater*; both roles must rate on one metric (the WAI-SR and its therapist
parallel form share the 5-point scale and the subscale key).

* :func:`icc` -- ICC(2,1) absolute agreement and ICC(3,1) consistency from a
  long frame (one row per target x rater);
* :func:`icc_wide` -- the same from two aligned arrays (client, therapist);
* :func:`dyad_gaps` -- per-row ``gap = client - therapist`` and ``abs_gap``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import stats

__all__ = ["IccEstimate", "IccResult", "dyad_gaps", "icc", "icc_wide"]

NanPolicy = Literal["raise", "listwise"]


@dataclass(frozen=True, slots=True)
class IccEstimate:
    """One intraclass correlation with its F test and confidence interval.

    Attributes:
        kind: ``"ICC(2,1)"`` (absolute agreement) or ``"ICC(3,1)"`` (consistency).
        icc: the coefficient.
        f: F statistic ``MSR / MSE``.
        df1, df2: its degrees of freedom, ``n - 1`` and ``(n - 1)(k - 1)``.
        p: one-sided p-value of ``H0: ICC = 0``.
        ci_low, ci_high: confidence limits at the requested level.
    """

    kind: str
    icc: float
    f: float
    df1: int
    df2: int
    p: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class IccResult:
    """Shrout & Fleiss single-rater ICCs for one set of targets and raters.

    Attributes:
        agreement: ICC(2,1), two-way random effects, absolute agreement.
        consistency: ICC(3,1), two-way mixed effects, consistency.
        n: targets (dyads) used.
        k: raters (roles).
    """

    agreement: IccEstimate
    consistency: IccEstimate
    n: int
    k: int


def _check_nan_policy(nan_policy: str) -> None:
    if nan_policy not in ("raise", "listwise"):
        raise ValueError(f"nan_policy must be 'raise' or 'listwise', got {nan_policy!r}")


def _check_ci(ci: float) -> None:
    if isinstance(ci, bool) or not isinstance(ci, (int, float)):
        raise TypeError(f"ci must be a number in (0, 1), got {type(ci).__name__}")
    if not 0.0 < ci < 1.0:
        raise ValueError(f"ci must be in (0, 1), got {ci}")


def _complete_targets(wide: NDArray[np.float64], nan_policy: str) -> NDArray[np.float64]:
    """Drop (listwise) or reject targets lacking a rating from some rater."""
    incomplete = np.isnan(wide).any(axis=1)
    n_incomplete = int(incomplete.sum())
    if n_incomplete:
        if nan_policy == "raise":
            raise ValueError(
                f"{n_incomplete} of {wide.shape[0]} targets lack a rating from at least one "
                "rater; pass nan_policy='listwise' to drop them"
            )
        wide = wide[~incomplete]
    return wide


def _icc_from_matrix(wide: NDArray[np.float64], ci: float) -> IccResult:
    """Shrout & Fleiss ICC(2,1) and ICC(3,1) from a complete targets x raters matrix."""
    n, k = wide.shape
    if n < 2:
        raise ValueError(f"at least 2 targets with complete ratings are required, got {n}")
    if k < 2:
        raise ValueError(f"at least 2 raters are required, got {k}")
    if np.isinf(wide).any():
        raise ValueError("ratings contain infinite values")
    grand = float(wide.mean())
    ss_total = float(((wide - grand) ** 2).sum())
    ss_rows = k * float(((wide.mean(axis=1) - grand) ** 2).sum())
    ss_cols = n * float(((wide.mean(axis=0) - grand) ** 2).sum())
    ss_err = ss_total - ss_rows - ss_cols
    df1 = n - 1
    df2 = (n - 1) * (k - 1)
    msr = ss_rows / df1
    msc = ss_cols / (k - 1)
    mse = ss_err / df2
    if mse <= 1e-12 * max(ss_total, 1e-300):
        raise ValueError(
            "the residual mean square is zero (ratings agree perfectly up to a rater "
            "offset): the ICC F test and intervals are undefined"
        )

    icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
    icc3 = (msr - mse) / (msr + (k - 1) * mse)
    f_stat = msr / mse
    p = float(stats.f.sf(f_stat, df1, df2))
    q = 1.0 - (1.0 - ci) / 2.0

    # ICC(3,1): exact F interval (Shrout & Fleiss 1979, eq. for case 3)
    f_low = f_stat / float(stats.f.ppf(q, df1, df2))
    f_high = f_stat * float(stats.f.ppf(q, df2, df1))
    c_low = (f_low - 1.0) / (f_low + k - 1.0)
    c_high = (f_high - 1.0) / (f_high + k - 1.0)

    # ICC(2,1): Satterthwaite approximation (Shrout & Fleiss 1979; McGraw & Wong 1996)
    fj = msc / mse
    vn = df2 * (k * icc2 * fj + n * (1.0 + (k - 1) * icc2) - k * icc2) ** 2
    vd = df1 * k**2 * icc2**2 * fj**2 + (n * (1.0 + (k - 1) * icc2) - k * icc2) ** 2
    v = vn / vd
    f_star_high = float(stats.f.ppf(q, df1, v))
    f_star_low = float(stats.f.ppf(q, v, df1))
    denom = k * msc + (k * n - k - n) * mse
    a_low = n * (msr - f_star_high * mse) / (f_star_high * denom + n * msr)
    a_high = n * (f_star_low * msr - mse) / (denom + n * f_star_low * msr)

    return IccResult(
        agreement=IccEstimate("ICC(2,1)", icc2, f_stat, df1, df2, p, a_low, a_high),
        consistency=IccEstimate("ICC(3,1)", icc3, f_stat, df1, df2, p, c_low, c_high),
        n=n,
        k=k,
    )


def icc(
    ratings: pl.DataFrame,
    *,
    target: str,
    rater: str,
    score: str,
    ci: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> IccResult:
    r"""Shrout & Fleiss ICC(2,1) (absolute agreement) and ICC(3,1) (consistency).

    From the two-way ANOVA of the complete ``n`` targets x ``k`` raters
    table (``MSR`` targets, ``MSC`` raters, ``MSE`` residual)::

        ICC(2,1) = (MSR - MSE) / (MSR + (k - 1) MSE + k (MSC - MSE) / n)
        ICC(3,1) = (MSR - MSE) / (MSR + (k - 1) MSE)
        F = MSR / MSE,  df1 = n - 1,  df2 = (n - 1)(k - 1),  p = P(F_{df1,df2} > F)

    ICC(3,1) interval: ``F_L = F / F_q(df1, df2)``, ``F_U = F * F_q(df2, df1)``
    with ``q = 1 - (1 - ci)/2``, limits ``(F_X - 1) / (F_X + k - 1)``.
    ICC(2,1) interval: Satterthwaite degrees of freedom ``v`` for the
    ``MSC``/``MSE`` mixture, then
    ``n (MSR - F* MSE) / (F* (k MSC + (kn - k - n) MSE) + n MSR)`` with
    ``F* = F_q(df1, v)`` (lower) and the mirror expression with
    ``F* = F_q(v, df1)`` (upper). These are the formulas of R's
    ``psych::ICC`` and ``pingouin.intraclass_corr``.

    Each (target, rater) pair must appear at most once; a target lacking a
    rating from some rater (absent row, null or NaN score) is an error under
    ``nan_policy="raise"`` and dropped under ``"listwise"``.

    References:
        Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses in
        assessing rater reliability. Psychological Bulletin 86:420-428.
        McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some
        intraclass correlation coefficients. Psychological Methods 1:30-46.

    Args:
        ratings: long frame, one row per target x rater.
        target: column identifying the target (e.g. dyad or dyad-session).
        rater: column identifying the rater (e.g. ``"role"``).
        score: numeric rating column.
        ci: confidence level of the intervals, in (0, 1).
        nan_policy: ``"raise"`` (default) or ``"listwise"``.

    Raises:
        TypeError: ``ratings`` is not a Polars frame or ``score`` is not numeric.
        ValueError: missing columns, duplicate (target, rater) pairs, null
            targets or raters, targets lacking a rating (``"raise"``), fewer
            than two targets or raters, or a zero residual mean square.

    Example:
        >>> import polars as pl
        >>> long = pl.DataFrame({
        ...     "dyad": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
        ...     "role": ["client", "therapist"] * 5,
        ...     "wai": [50, 46, 38, 37, 55, 50, 42, 40, 47, 45],
        ... })
        >>> res = icc(long, target="dyad", rater="role", score="wai")
        >>> round(res.agreement.icc, 3), round(res.consistency.icc, 3)
        (0.872, 0.962)
        >>> res.consistency.df1, res.consistency.df2, res.n, res.k
        (4, 4, 5, 2)
    """
    if not isinstance(ratings, pl.DataFrame):
        raise TypeError(f"ratings must be a polars DataFrame, got {type(ratings).__name__}")
    _check_nan_policy(nan_policy)
    _check_ci(ci)
    missing = [c for c in (target, rater, score) if c not in ratings.columns]
    if missing:
        raise ValueError(f"columns not in ratings: {', '.join(missing)}")
    if len({target, rater, score}) != 3:
        raise ValueError("target, rater and score must be three different columns")
    if not ratings.schema[score].is_numeric():
        raise TypeError(f"score column {score!r} must be numeric, got {ratings.schema[score]}")
    for col in (target, rater):
        n_null = ratings[col].null_count()
        if n_null:
            raise ValueError(f"{n_null} rows have a null {col!r}")
    dup = ratings.select(pl.struct(target, rater).is_duplicated().sum()).item()
    if dup:
        raise ValueError(
            f"{dup} rows share a ({target}, {rater}) pair with another row: each target "
            "may be rated once per rater"
        )

    coded = ratings.select(
        pl.col(target).rank("dense").cast(pl.Int64).alias("_t") - 1,
        pl.col(rater).rank("dense").cast(pl.Int64).alias("_r") - 1,
        pl.col(score).cast(pl.Float64).fill_nan(None).fill_null(float("nan")).alias("_s"),
    )
    t_idx = coded["_t"].to_numpy()
    r_idx = coded["_r"].to_numpy()
    n_targets = int(t_idx.max()) + 1 if t_idx.size else 0
    n_raters = int(r_idx.max()) + 1 if r_idx.size else 0
    wide = np.full((n_targets, n_raters), np.nan)
    wide[t_idx, r_idx] = coded["_s"].to_numpy()
    return _icc_from_matrix(_complete_targets(wide, nan_policy), ci)


def icc_wide(
    client: Sequence[float] | NDArray[np.generic] | pl.Series,
    therapist: Sequence[float] | NDArray[np.generic] | pl.Series,
    *,
    ci: float = 0.95,
    nan_policy: NanPolicy = "raise",
) -> IccResult:
    r"""ICC(2,1) and ICC(3,1) from aligned client and therapist ratings.

    Element ``i`` of both inputs belongs to target (dyad) ``i``; the formulas
    are those of :func:`icc` with ``k = 2`` raters. A missing value (NaN or
    null) in either input is a missing pair.

    Reference:
        Shrout, P. E. & Fleiss, J. L. (1979). Psychological Bulletin 86:420-428.

    Args:
        client: client ratings, one per dyad.
        therapist: therapist ratings, same length and order.
        ci: confidence level of the intervals, in (0, 1).
        nan_policy: ``"raise"`` (default) or ``"listwise"``.

    Raises:
        TypeError: non-numeric input.
        ValueError: inputs not 1-D or of different lengths, missing pairs
            (``"raise"``), fewer than two complete pairs.

    Example:
        >>> res = icc_wide([50, 38, 55, 42, 47], [46, 37, 50, 40, 45])
        >>> round(res.agreement.icc, 3), round(res.consistency.icc, 3)
        (0.872, 0.962)
    """
    _check_nan_policy(nan_policy)
    _check_ci(ci)
    columns: list[NDArray[np.float64]] = []
    for name, values in (("client", client), ("therapist", therapist)):
        if isinstance(values, pl.Series):
            if not values.dtype.is_numeric():
                raise TypeError(f"{name} must be numeric, got {values.dtype}")
            arr = values.cast(pl.Float64).fill_null(float("nan")).to_numpy()
        else:
            raw = np.asarray(values)
            if raw.dtype.kind not in "biuf":
                raise TypeError(f"{name} must be numeric, got dtype {raw.dtype}")
            arr = raw.astype(np.float64)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got {arr.ndim} dimensions")
        columns.append(arr)
    if columns[0].shape != columns[1].shape:
        raise ValueError(
            f"client and therapist differ in length: {columns[0].size} vs {columns[1].size}"
        )
    wide = np.column_stack(columns)
    return _icc_from_matrix(_complete_targets(wide, nan_policy), ci)


def dyad_gaps(
    frame: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    client_col: str,
    therapist_col: str,
) -> pl.DataFrame:
    r"""Add the client-therapist gap per dyad-session row.

    Formula, per row::

        gap     = client - therapist
        abs_gap = |client - therapist|

    A positive gap means the client rates the alliance higher than the
    therapist. A null or NaN rating gives a null gap. Rows keep their order;
    ``(id_col, session_col)`` must identify rows uniquely.

    Reference:
        Tryon, G. S., Blackwell, S. C. & Hammel, E. F. (2007). A meta-analytic
        examination of client-therapist perspectives of the working alliance.
        Psychotherapy Research 17:629-642.

    Args:
        frame: one row per dyad and session.
        id_col: dyad (or client) identifier column.
        session_col: session identifier column.
        client_col: client rating column (numeric).
        therapist_col: therapist rating column (numeric, same metric).

    Returns:
        ``frame`` with two Float64 columns appended: ``gap`` and ``abs_gap``.

    Raises:
        TypeError: ``frame`` is not a Polars frame or a rating is not numeric.
        ValueError: a column is missing, ``gap``/``abs_gap`` already exist, or
            an (id, session) pair occurs more than once.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"dyad": [1, 1, 2], "session": [1, 2, 1],
        ...                    "client": [48, 50, 40], "therapist": [44, 51, None]})
        >>> out = dyad_gaps(df, id_col="dyad", session_col="session",
        ...                 client_col="client", therapist_col="therapist")
        >>> out["gap"].to_list(), out["abs_gap"].to_list()
        ([4.0, -1.0, None], [4.0, 1.0, None])
    """
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"frame must be a polars DataFrame, got {type(frame).__name__}")
    missing = [
        c for c in (id_col, session_col, client_col, therapist_col) if c not in frame.columns
    ]
    if missing:
        raise ValueError(f"columns not in frame: {', '.join(missing)}")
    clash = [c for c in ("gap", "abs_gap") if c in frame.columns]
    if clash:
        raise ValueError(f"frame already has column(s) {', '.join(clash)}")
    for col in (client_col, therapist_col):
        if not frame.schema[col].is_numeric():
            raise TypeError(f"rating column {col!r} must be numeric, got {frame.schema[col]}")
    dup = frame.select(pl.struct(id_col, session_col).is_duplicated().sum()).item()
    if dup:
        raise ValueError(f"{dup} rows share an ({id_col}, {session_col}) pair with another row")
    client = pl.col(client_col).cast(pl.Float64).fill_nan(None)
    therapist = pl.col(therapist_col).cast(pl.Float64).fill_nan(None)
    gap = client - therapist
    return frame.with_columns(gap.alias("gap"), gap.abs().alias("abs_gap"))
