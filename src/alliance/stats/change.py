"""Reliable and clinically significant change (Jacobson & Truax 1991).

Reliable change asks whether a client's change is larger than measurement
error; clinically significant change asks whether the client moved from the
clinical to the healthy range. The norms (SD, reliability, published minimum
reliable change, caseness cut-off) come from the ``change`` table of each
scale in the instrument files (:class:`alliance.instruments.schema.ChangeNorms`),
each with its source; nothing here hard-codes a norm.

References
----------
- Jacobson, N. S., & Truax, P. (1991). Clinical significance: A statistical
  approach to defining meaningful change in psychotherapy research. Journal of
  Consulting and Clinical Psychology, 59(1), 12-19.
- Maassen, G. H. (2004). The standard error in the Jacobson and Truax Reliable
  Change Index: The classical approach to the assessment of reliable change.
  Journal of the International Neuropsychological Society, 10(6), 888-893.
- NHS Talking Therapies for anxiety and depression manual (reliable
  improvement, recovery and reliable recovery on PHQ-9 and GAD-7) [check].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt
import polars as pl

from alliance.instruments.schema import Scale
from alliance.stats.checks import raise_repeated_sessions
from alliance.stats.checks import require_columns as _require_columns
from alliance.stats.checks import require_no_nulls as _require_no_nulls
from alliance.stats.checks import require_numeric as _require_numeric

__all__ = [
    "CATEGORIES",
    "PAIRED_CATEGORIES",
    "ChangeRule",
    "Comparison",
    "Cutoffs",
    "SDiffMethod",
    "classify_change",
    "clinical_cutoffs",
    "combine_recovery",
    "min_reliable_change",
    "reliable_change_index",
    "reliable_change_se",
    "s_diff",
]

Comparison = Literal[">", ">=", "<", "<=", "=="]
SDiffMethod = Literal["jacobson_truax", "maassen"]

#: Categories :func:`classify_change` can return.
CATEGORIES: tuple[str, ...] = (
    "recovered",
    "reliably improved",
    "no reliable change",
    "reliably deteriorated",
    "not a case at intake",
    "single observation",
    "no observation",
)

#: Categories :func:`combine_recovery` can return.
PAIRED_CATEGORIES: tuple[str, ...] = (
    "recovered",
    "reliably improved",
    "no reliable change",
    "reliably deteriorated",
    "not a case at intake",
    "single observation",
    "missing measure",
)

_OPS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    ">": lambda e, v: e > v,
    ">=": lambda e, v: e >= v,
    "<": lambda e, v: e < v,
    "<=": lambda e, v: e <= v,
    "==": lambda e, v: e == v,
}

ArrayOrScalar = TypeVar("ArrayOrScalar", float, pl.Series, npt.NDArray[Any])


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _positive(name: str, value: object) -> float:
    """Return ``value`` as a float, requiring a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    out = float(value)
    if not math.isfinite(out) or out <= 0:
        raise ValueError(f"{name} must be a finite number above 0, got {value!r}")
    return out


def _finite(name: str, value: object) -> float:
    """Return ``value`` as a float, requiring a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return out


def _reliability(value: object) -> float:
    """Return a reliability coefficient, requiring 0 < r_xx < 1."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"reliability must be a number, got {type(value).__name__}: {value!r}")
    out = float(value)
    if not 0 < out < 1:
        raise ValueError(f"reliability must lie strictly between 0 and 1, got {value!r}")
    return out


def _require_orderable(frame: pl.DataFrame, column: str) -> None:
    dtype = frame.schema[column]
    if not (dtype.is_numeric() or dtype.is_temporal()):
        raise TypeError(f"column {column!r} must be numeric or a date/time, got {dtype}")


# --------------------------------------------------------------------------
# reliable change
# --------------------------------------------------------------------------


def reliable_change_se(sd: float, reliability: float) -> float:
    """Standard error of measurement for the Reliable Change Index.

    Formula: ``SE = SD1 * sqrt(1 - r_xx)``, with ``SD1`` the pre-treatment
    (or normative) standard deviation and ``r_xx`` the test-retest or
    internal-consistency reliability (Jacobson & Truax 1991).

    Example:
        >>> round(reliable_change_se(7.5, 0.84), 4)  # 7.5 * sqrt(0.16) = 7.5 * 0.4
        3.0
    """
    sd_ = _positive("sd", sd)
    r = _reliability(reliability)
    return sd_ * math.sqrt(1.0 - r)


def s_diff(
    sd1: float,
    reliability: float,
    *,
    method: SDiffMethod = "jacobson_truax",
    sd2: float | None = None,
) -> float:
    """Standard error of the difference between two scores.

    Formulas:
        - ``"jacobson_truax"`` (Jacobson & Truax 1991):
          ``SE = SD1 * sqrt(1 - r_xx)``; ``S_diff = sqrt(2 * SE**2)``.
        - ``"maassen"`` (Maassen 2004): ``S_diff = sqrt((SD1**2 + SD2**2) * (1 - r_xx))``,
          with ``SD2`` the post-treatment SD (required). With ``SD2 == SD1`` it
          equals the Jacobson-Truax value [check: PSYCHOMETRICS.md s.4].

    Example:
        >>> round(s_diff(7.5, 0.84), 4)  # SE = 3.0; sqrt(2 * 9) = 4.2426
        4.2426
        >>> round(s_diff(6.0, 0.75, method="maassen", sd2=8.0), 4)  # sqrt(100 * .25) = 5
        5.0
    """
    if method == "jacobson_truax":
        if sd2 is not None:
            raise ValueError("sd2 is used only with method='maassen'")
        se = reliable_change_se(sd1, reliability)
        return math.sqrt(2.0 * se * se)
    if method == "maassen":
        if sd2 is None:
            raise ValueError("method='maassen' needs sd2, the post-treatment SD")
        a = _positive("sd1", sd1)
        b = _positive("sd2", sd2)
        r = _reliability(reliability)
        return math.sqrt((a * a + b * b) * (1.0 - r))
    raise ValueError(f"method must be one of {get_args(SDiffMethod)}, got {method!r}")


def reliable_change_index(x1: ArrayOrScalar, x2: ArrayOrScalar, s_diff: float) -> ArrayOrScalar:
    """Reliable Change Index of one or many clients.

    Formula: ``RC = (x2 - x1) / S_diff`` (Jacobson & Truax 1991); ``|RC| > 1.96``
    means the change exceeds measurement error at the 5% level. The sign
    follows the scale: on a scale where lower is healthier a negative RC is
    improvement.

    ``x1`` and ``x2`` are scalars, numpy arrays (or lists) or polars Series
    of equal length; the result has the same kind. Missing values stay
    missing.

    Example:
        >>> reliable_change_index(20.0, 11.0, 4.5)  # (11 - 20) / 4.5
        -2.0
        >>> import polars as pl
        >>> reliable_change_index(pl.Series([20, 10]), pl.Series([11, 19]), 4.5).to_list()
        [-2.0, 2.0]
    """
    sd_ = _positive("s_diff", s_diff)
    if isinstance(x1, pl.Series) or isinstance(x2, pl.Series):
        s1 = x1 if isinstance(x1, pl.Series) else pl.Series("x1", np.atleast_1d(x1))
        s2 = x2 if isinstance(x2, pl.Series) else pl.Series("x2", np.atleast_1d(x2))
        for name, s in (("x1", s1), ("x2", s2)):
            if not s.dtype.is_numeric():
                raise TypeError(f"{name} must be numeric, got {s.dtype}")
        if len(s1) != len(s2) and 1 not in (len(s1), len(s2)):
            raise ValueError(f"x1 and x2 differ in length: {len(s1)} and {len(s2)}")
        out = (s2.cast(pl.Float64) - s1.cast(pl.Float64)) / sd_
        return out.rename("rci")
    if isinstance(x1, int | float | np.integer | np.floating) and isinstance(
        x2, int | float | np.integer | np.floating
    ):
        return (_finite("x2", x2) - _finite("x1", x1)) / sd_
    a1 = np.asarray(x1)
    a2 = np.asarray(x2)
    for name, a in (("x1", a1), ("x2", a2)):
        if a.dtype == np.bool_ or not np.issubdtype(a.dtype, np.number):
            raise TypeError(f"{name} must be numeric, got dtype {a.dtype}")
    if a1.shape != a2.shape and a1.size != 1 and a2.size != 1:
        raise ValueError(f"x1 and x2 differ in shape: {a1.shape} and {a2.shape}")
    result: npt.NDArray[np.float64] = (a2.astype(np.float64) - a1.astype(np.float64)) / sd_
    return result


def min_reliable_change(s_diff: float, z: float = 1.96) -> float:
    """Smallest raw change that counts as reliable.

    Formula: ``z * S_diff`` (Jacobson & Truax 1991; ``z = 1.96`` for the 5%
    two-sided criterion).

    Example:
        >>> round(min_reliable_change(4.2426), 2)  # 1.96 * 4.2426 = 8.3155
        8.32
    """
    return _positive("z", z) * _positive("s_diff", s_diff)


# --------------------------------------------------------------------------
# clinically significant change
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoffs:
    """Jacobson-Truax cut-offs for clinically significant change.

    ``a``: two SDs beyond the clinical mean, toward health; ``b``: two SDs
    from the normal mean, toward illness (``None`` without norms); ``c``: the
    point between the two means weighted by their SDs (``None`` without
    norms). Jacobson & Truax prefer ``c`` when normative data exist.
    """

    a: float
    b: float | None
    c: float | None
    lower_is_healthier: bool


def clinical_cutoffs(
    m_clin: float,
    sd_clin: float,
    m_norm: float | None = None,
    sd_norm: float | None = None,
    *,
    lower_is_healthier: bool = True,
) -> Cutoffs:
    """Clinical significance cut-offs a, b and c (Jacobson & Truax 1991).

    Formulas (lower scores healthier):
        ``a = M_clin - 2 SD_clin``; ``b = M_norm + 2 SD_norm``;
        ``c = (SD_clin * M_norm + SD_norm * M_clin) / (SD_clin + SD_norm)``.
    On a scale where higher is healthier the two-SD steps change sign
    (``a = M_clin + 2 SD_clin``, ``b = M_norm - 2 SD_norm``); ``c`` is the same.
    ``b`` and ``c`` are ``None`` when no normative mean and SD are given.

    Example (CORE-10 norms, PSYCHOMETRICS.md s.3: clinical M 19.7 SD 7.7,
    general population M 4.7 SD 4.8; published cut-off 11):
        >>> cut = clinical_cutoffs(19.7, 7.7, 4.7, 4.8)
        >>> round(cut.c, 2)  # (7.7 * 4.7 + 4.8 * 19.7) / 12.5 = 130.75 / 12.5
        10.46
        >>> round(cut.a, 1), round(cut.b, 1)
        (4.3, 14.3)
    """
    if not isinstance(lower_is_healthier, bool):
        raise TypeError(f"lower_is_healthier must be True or False, got {lower_is_healthier!r}")
    mc = _finite("m_clin", m_clin)
    sc = _positive("sd_clin", sd_clin)
    sign = -1.0 if lower_is_healthier else 1.0
    a = mc + sign * 2.0 * sc
    if (m_norm is None) != (sd_norm is None):
        raise ValueError("m_norm and sd_norm go together: give both or neither")
    if m_norm is None or sd_norm is None:
        return Cutoffs(a=a, b=None, c=None, lower_is_healthier=lower_is_healthier)
    mn = _finite("m_norm", m_norm)
    sn = _positive("sd_norm", sd_norm)
    if (mn > mc) if lower_is_healthier else (mn < mc):
        side = "above" if lower_is_healthier else "below"
        raise ValueError(
            f"the normal mean ({mn}) is {side} the clinical mean ({mc}) although "
            f"lower_is_healthier={lower_is_healthier}; check the direction"
        )
    b = mn - sign * 2.0 * sn
    c = (sc * mn + sn * mc) / (sc + sn)
    return Cutoffs(a=a, b=b, c=c, lower_is_healthier=lower_is_healthier)


# --------------------------------------------------------------------------
# change rule and classification
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeRule:
    """How to judge one client's change on one scale.

    Reliable change uses ``s_diff`` when it is known (``|RC| > z``, default
    ``z = 1.96``), otherwise the published ``min_reliable_change`` in raw
    points (``|change| >= min_reliable_change`` in the healthy direction).
    When both are given ``s_diff`` decides and ``min_reliable_change`` is kept
    for reporting. Caseness is ``score <caseness> cutoff`` (e.g. PHQ-9
    ``score >= 10``); without a cut-off no caseness or recovery is judged.
    ``source`` says where the numbers come from; ``check`` marks numbers not
    yet confirmed against the primary source.

    Example:
        >>> rule = ChangeRule(higher_is_better=False, min_reliable_change=6,
        ...                   cutoff=10, caseness=">=", source="NHS TT [check]")
        >>> rule.criterion, rule.threshold
        ('min_change', 6.0)
    """

    higher_is_better: bool
    source: str
    min_reliable_change: float | None = None
    s_diff: float | None = None
    z: float = 1.96
    cutoff: float | None = None
    caseness: Comparison | None = None
    check: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.higher_is_better, bool):
            raise TypeError(
                f"higher_is_better must be True or False, got {self.higher_is_better!r}"
            )
        if not isinstance(self.source, str) or not self.source.strip():
            raise ValueError("a change rule needs a source (where its numbers come from)")
        if self.min_reliable_change is None and self.s_diff is None:
            raise ValueError("a change rule needs min_reliable_change or s_diff")
        if self.min_reliable_change is not None:
            _positive("min_reliable_change", self.min_reliable_change)
        if self.s_diff is not None:
            _positive("s_diff", self.s_diff)
        _positive("z", self.z)
        if (self.cutoff is None) != (self.caseness is None):
            raise ValueError("cutoff and caseness (the comparison) go together")
        if self.cutoff is not None:
            _finite("cutoff", self.cutoff)
        if self.caseness is not None and self.caseness not in _OPS:
            raise ValueError(f"caseness must be one of {list(_OPS)}, got {self.caseness!r}")

    @property
    def criterion(self) -> Literal["rci", "min_change"]:
        """``"rci"`` when ``s_diff`` decides, else ``"min_change"``."""
        return "rci" if self.s_diff is not None else "min_change"

    @property
    def threshold(self) -> float:
        """Raw points a change must reach (``z * s_diff`` or ``min_reliable_change``)."""
        if self.s_diff is not None:
            return self.z * self.s_diff
        if self.min_reliable_change is None:  # pragma: no cover - excluded in __post_init__
            raise ValueError("a change rule needs min_reliable_change or s_diff")
        return float(self.min_reliable_change)

    @classmethod
    def from_norms(
        cls,
        scale: Scale,
        *,
        sd: float | None = None,
        reliability: float | None = None,
        method: SDiffMethod = "jacobson_truax",
        sd2: float | None = None,
        z: float = 1.96,
    ) -> ChangeRule:
        """Build the rule from an instrument scale's ``change`` norms.

        Published ``sd`` and ``reliability`` give ``s_diff`` (by ``method``);
        otherwise the published ``min_reliable_change`` is used. Caseness
        comes from ``clinical_cutoff`` and ``caseness``. Where no norm is
        published, pass ``sd`` and ``reliability`` estimated from your own
        data (for example the intake SD and Cronbach's alpha); the rule's
        source then says so. A scale that does not say whether higher is
        better cannot be judged. ``method="maassen"`` (and ``sd2``) needs an
        SD: from the published norms or from ``sd`` and ``reliability``; a
        rule that would rest on a published minimum reliable change alone
        raises ``ValueError`` rather than silently ignoring the method.

        Example:
            >>> from alliance.instruments import get
            >>> rule = ChangeRule.from_norms(get("phq9").scale("total"))
            >>> rule.min_reliable_change, rule.cutoff, rule.caseness, rule.higher_is_better
            (6.0, 10.0, '>=', False)
        """
        if not isinstance(scale, Scale):
            raise TypeError(f"scale must be an instrument Scale, got {type(scale).__name__}")
        norms = scale.change
        published = norms is not None and norms.published
        if scale.higher_is_better is None:
            raise ValueError(
                f"scale {scale.id!r} ({scale.label}) does not say whether higher is better; "
                "set higher_is_better in the instrument file"
            )
        cutoff = norms.clinical_cutoff if norms is not None and published else None
        caseness = norms.caseness if norms is not None and published else None
        check = bool(norms.check) if norms is not None and published else False
        if (sd is None) != (reliability is None):
            raise ValueError("sd and reliability go together: give both or neither")
        if sd is not None and reliability is not None:
            sdiff = s_diff(sd, reliability, method=method, sd2=sd2)
            source = (
                f"sd={sd} and reliability={reliability} estimated from the user's data "
                f"({method} S_diff)"
            )
            if norms is not None and published and cutoff is not None:
                source += f"; caseness: {norms.source}"
            return cls(
                higher_is_better=scale.higher_is_better,
                source=source,
                s_diff=sdiff,
                z=z,
                cutoff=cutoff,
                caseness=caseness,
                check=check,
            )
        hint = (
            "pass sd and reliability estimated from your data, "
            "e.g. ChangeRule.from_norms(scale, sd=..., reliability=...)"
        )
        if norms is None or not norms.published:
            raise ValueError(f"no published norm for {scale.id!r} ({scale.label}); {hint}")
        if norms.sd is not None and norms.reliability is not None:
            return cls(
                higher_is_better=scale.higher_is_better,
                source=norms.source,
                s_diff=s_diff(norms.sd, norms.reliability, method=method, sd2=sd2),
                min_reliable_change=norms.min_reliable_change,
                z=z,
                cutoff=cutoff,
                caseness=caseness,
                check=check,
            )
        if norms.min_reliable_change is None:
            raise ValueError(
                f"no published norm for reliable change on {scale.id!r} ({scale.label}) "
                f"(only a clinical cut-off); {hint}"
            )
        if method == "jacobson_truax" and sd2 is not None:
            raise ValueError("sd2 is used only with method='maassen'")
        if method != "jacobson_truax":
            raise ValueError(
                f"method={method!r} needs an SD and a reliability, but the published "
                f"norm for {scale.id!r} ({scale.label}) is a minimum reliable change of "
                f"{norms.min_reliable_change:g} points without them; pass sd and reliability "
                "(e.g. the intake SD and alpha of your data) with sd2"
            )
        return cls(
            higher_is_better=scale.higher_is_better,
            source=norms.source,
            min_reliable_change=norms.min_reliable_change,
            z=z,
            cutoff=cutoff,
            caseness=caseness,
            check=check,
        )


def classify_change(
    frame: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    score_col: str,
    rule: ChangeRule,
) -> pl.DataFrame:
    """Classify each client's change from first to last observed score.

    Per client (one ``group_by``, no loops): ``score_first`` and
    ``score_last`` are the scores at the earliest and latest session with a
    score; ``change = score_last - score_first``; ``rci = change / s_diff``
    (null when the rule has no ``s_diff``). Reliable improvement: with
    ``s_diff``, ``|RC| > z`` in the healthy direction; otherwise
    ``|change| >= min_reliable_change`` in the healthy direction; reliable
    deterioration likewise in the other direction. ``case_start`` /
    ``case_end``: ``score <caseness> cutoff`` at the first / last score.

    ``category`` (Jacobson & Truax 1991; NHS Talking Therapies), first
    match wins:
        - ``"reliably deteriorated"``: reliable change in the unhealthy
          direction, *whether or not* the client was a case at intake
          (deterioration is never hidden behind a caseness label);
        - ``"not a case at intake"``: below caseness at the first score and
          not reliably deteriorated (``reliable_improvement`` still shows
          any reliable improvement);
        - ``"recovered"``: a case at intake, reliably improved and not a
          case at the end (with one measure; see below);
        - ``"reliably improved"`` / ``"no reliable change"``;
        - ``"single observation"``: only one scored session;
        - ``"no observation"``: the client has rows but no score.
    Without a cut-off, caseness columns are null and the category is one of
    the three reliable-change labels.

    NHS Talking Therapies "recovery" uses PHQ-9 *and* GAD-7 together (a case
    on either at intake, below caseness on both at the end) [check:
    PSYCHOMETRICS.md s.3]; classify each measure here and pair them with
    :func:`combine_recovery`.

    Missing (null or NaN) scores are skipped; two rows for the same client
    and session raise :class:`alliance.errors.DataError`. ``session_col`` may
    be a session number or a date. Rows come back sorted by ``id_col``.

    Example:
        >>> import polars as pl
        >>> rule = ChangeRule(higher_is_better=False, min_reliable_change=6,
        ...                   cutoff=10, caseness=">=", source="NHS TT [check]")
        >>> df = pl.DataFrame({"id": [1, 1, 2, 2, 3], "s": [1, 2, 1, 2, 1],
        ...                    "phq": [18, 7, 12, 10, 15]})
        >>> classify_change(df, id_col="id", session_col="s", score_col="phq",
        ...                 rule=rule)["category"].to_list()
        ['recovered', 'no reliable change', 'single observation']
    """
    df = _require_columns(frame, [id_col, session_col, score_col])
    if not isinstance(rule, ChangeRule):
        raise TypeError(f"rule must be a ChangeRule, got {type(rule).__name__}")
    _require_numeric(df, score_col)
    _require_orderable(df, session_col)
    _require_no_nulls(df, id_col)
    _require_no_nulls(df, session_col)

    score = pl.col(score_col).cast(pl.Float64)
    if df.schema[score_col].is_float():
        score = score.fill_nan(None)
    session = pl.col(session_col)
    observed = pl.col("__score").is_not_null()
    per_client = (
        df.lazy()
        .select(pl.col(id_col), session, score.alias("__score"))
        .group_by(id_col)
        .agg(
            pl.len().alias("__rows"),
            session.n_unique().alias("__sessions"),
            observed.sum().cast(pl.Int64).alias("n_obs"),
            session.filter(observed).min().alias("first_session"),
            session.filter(observed).max().alias("last_session"),
            pl.col("__score")
            .filter(observed)
            .get(session.filter(observed).arg_min())
            .alias("score_first"),
            pl.col("__score")
            .filter(observed)
            .get(session.filter(observed).arg_max())
            .alias("score_last"),
        )
        .collect()
    )
    dup = per_client.filter(pl.col("__rows") != pl.col("__sessions"))
    raise_repeated_sessions(dup, id_col, session_col)

    two_or_more = pl.col("n_obs") >= 2
    change = pl.when(two_or_more).then(pl.col("score_last") - pl.col("score_first"))
    if rule.s_diff is not None:
        rci: pl.Expr = change / rule.s_diff
    else:
        rci = pl.lit(None, dtype=pl.Float64)
    # gain > 0 means change toward health.
    gain = change if rule.higher_is_better else -change
    if rule.s_diff is not None:
        signed = gain / rule.s_diff
        improved = signed > rule.z
        deteriorated = signed < -rule.z
    else:
        threshold = rule.threshold
        improved = gain >= threshold
        deteriorated = gain <= -threshold
    if rule.cutoff is not None and rule.caseness is not None:
        op = _OPS[rule.caseness]
        case_start = op(pl.col("score_first"), rule.cutoff)
        case_end: pl.Expr = pl.when(two_or_more).then(op(pl.col("score_last"), rule.cutoff))
    else:
        case_start = pl.lit(None, dtype=pl.Boolean)
        case_end = pl.lit(None, dtype=pl.Boolean)

    out = per_client.select(
        pl.col(id_col),
        pl.col("n_obs"),
        pl.col("first_session"),
        pl.col("last_session"),
        pl.col("score_first"),
        pl.when(two_or_more).then(pl.col("score_last")).alias("score_last"),
        change.alias("change"),
        rci.alias("rci"),
        improved.alias("reliable_improvement"),
        deteriorated.alias("reliable_deterioration"),
        case_start.alias("case_start"),
        case_end.alias("case_end"),
    )
    category = (
        pl.when(pl.col("n_obs") == 0)
        .then(pl.lit("no observation"))
        .when(pl.col("n_obs") == 1)
        .then(pl.lit("single observation"))
        .when(pl.col("reliable_deterioration"))
        .then(pl.lit("reliably deteriorated"))
        .when(pl.col("case_start").not_())
        .then(pl.lit("not a case at intake"))
        .when(pl.col("reliable_improvement") & pl.col("case_start") & pl.col("case_end").not_())
        .then(pl.lit("recovered"))
        .when(pl.col("reliable_improvement"))
        .then(pl.lit("reliably improved"))
        .otherwise(pl.lit("no reliable change"))
    )
    return out.with_columns(category.alias("category")).sort(id_col)


_PAIR_COLUMNS = (
    "n_obs",
    "case_start",
    "case_end",
    "reliable_improvement",
    "reliable_deterioration",
)


def combine_recovery(
    phq: pl.DataFrame, gad: pl.DataFrame, *, id_col: str | None = None
) -> pl.DataFrame:
    """Pair PHQ-9 and GAD-7 classifications by the NHS Talking Therapies rules.

    ``phq`` and ``gad`` are :func:`classify_change` results (rules with a
    clinical cut-off). Per client [check: NHS TT manual; PSYCHOMETRICS.md s.3]:
        - ``case_start``: a case on either measure at intake;
        - ``case_end``: a case on either measure at the end;
        - ``recovery``: ``case_start`` and not ``case_end`` (NHS TT
          "recovery": below caseness on both at the end);
        - ``reliable_improvement``: reliably improved on at least one
          measure and not reliably deteriorated on the other;
        - ``reliable_deterioration``: reliably deteriorated on at least one
          and not reliably improved on the other;
        - ``reliable_recovery``: ``recovery`` and ``reliable_improvement``.
    ``category`` uses the labels of :func:`classify_change` in the same
    order (``"reliably deteriorated"`` before ``"not a case at intake"``),
    with ``"recovered"`` meaning reliable recovery, and ``"missing measure"`` when
    a client lacks scores on either measure (``"single observation"`` when a
    measure has only one). ``id_col`` defaults to the first column of ``phq``.

    Example:
        >>> import polars as pl
        >>> phq_rule = ChangeRule(higher_is_better=False, min_reliable_change=6,
        ...                       cutoff=10, caseness=">=", source="NHS TT [check]")
        >>> gad_rule = ChangeRule(higher_is_better=False, min_reliable_change=4,
        ...                       cutoff=8, caseness=">=", source="NHS TT [check]")
        >>> df = pl.DataFrame({"id": [1, 1, 2, 2], "s": [1, 2, 1, 2],
        ...                    "phq": [16, 6, 16, 6], "gad": [12, 5, 12, 9]})
        >>> kw = dict(id_col="id", session_col="s")
        >>> phq = classify_change(df, score_col="phq", rule=phq_rule, **kw)
        >>> gad = classify_change(df, score_col="gad", rule=gad_rule, **kw)
        >>> combine_recovery(phq, gad)["category"].to_list()
        ['recovered', 'reliably improved']
    """
    for name, f in (("phq", phq), ("gad", gad)):
        if not isinstance(f, pl.DataFrame):
            raise TypeError(f"{name} must be a polars DataFrame, got {type(f).__name__}")
    key = id_col if id_col is not None else (phq.columns[0] if phq.columns else "")
    for name, f in (("phq", phq), ("gad", gad)):
        _require_columns(f, [key, *_PAIR_COLUMNS])
        if f.height and f.get_column("case_start").null_count() == f.height:
            raise ValueError(
                f"{name} has no caseness: classify it with a rule that has a clinical cut-off"
            )
    if phq.schema[key] != gad.schema[key]:
        raise TypeError(
            f"{key!r} has different types in phq ({phq.schema[key]}) and gad ({gad.schema[key]})"
        )
    left = phq.select(key, *[pl.col(c).alias(f"{c}_phq") for c in _PAIR_COLUMNS])
    right = gad.select(key, *[pl.col(c).alias(f"{c}_gad") for c in _PAIR_COLUMNS])
    both = left.join(right, on=key, how="full", coalesce=True)

    def col(name: str, m: str) -> pl.Expr:
        return pl.col(f"{name}_{m}")

    imp_p, imp_g = col("reliable_improvement", "phq"), col("reliable_improvement", "gad")
    det_p, det_g = col("reliable_deterioration", "phq"), col("reliable_deterioration", "gad")
    case_start = col("case_start", "phq") | col("case_start", "gad")
    case_end = col("case_end", "phq") | col("case_end", "gad")
    improvement = (imp_p & det_g.not_()) | (imp_g & det_p.not_())
    deterioration = (det_p & imp_g.not_()) | (det_g & imp_p.not_())
    out = both.select(
        pl.col(key),
        case_start.alias("case_start"),
        case_end.alias("case_end"),
        (case_start & case_end.not_()).alias("recovery"),
        improvement.alias("reliable_improvement"),
        deterioration.alias("reliable_deterioration"),
        (case_start & case_end.not_() & improvement).alias("reliable_recovery"),
        pl.min_horizontal(col("n_obs", "phq"), col("n_obs", "gad")).alias("__n"),
        (col("n_obs", "phq").is_null() | col("n_obs", "gad").is_null()).alias("__absent"),
    )
    category = (
        pl.when(pl.col("__absent") | (pl.col("__n") == 0))
        .then(pl.lit("missing measure"))
        .when(pl.col("__n") == 1)
        .then(pl.lit("single observation"))
        .when(pl.col("reliable_deterioration"))
        .then(pl.lit("reliably deteriorated"))
        .when(pl.col("case_start").not_())
        .then(pl.lit("not a case at intake"))
        .when(pl.col("reliable_recovery"))
        .then(pl.lit("recovered"))
        .when(pl.col("reliable_improvement"))
        .then(pl.lit("reliably improved"))
        .otherwise(pl.lit("no reliable change"))
    )
    return out.with_columns(category.alias("category")).drop("__n", "__absent").sort(key)
