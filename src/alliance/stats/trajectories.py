"""Expected recovery bands estimated from a cohort's own data.

Progress-feedback systems compare each client's score at session ``t`` with
the range expected for clients who started at the same level, and flag
clients who fall on the wrong side of it ("not on track"); feedback on such
clients reduces deterioration (Lambert, Whipple & Kleinstaeuber 2018,
PSYCHOMETRICS.md s.6). No published expected-trajectory norms are shipped:
the band here is a per-session linear regression on the intake score, fitted
on the user's own cohort, so "expected" means "typical for this service".

Model, for each session number ``t`` after the baseline session:
``score_t = intercept_t + slope_t * score_baseline + e``, fitted by ordinary
least squares across clients; the band is the prediction plus or minus
``z * residual_sd_t`` with ``z`` the normal quantile for the requested
central coverage. The band ignores the uncertainty of the fitted line
(negligible with the ``min_n`` clients required before a band is used).

The coverage is a setting (:data:`DEFAULT_COVERAGE`, 0.9). It fixes how
often a client who is doing as typically as the service's other clients is
called "not on track": beyond the band on the unhealthy side in
``(1 - coverage) / 2`` of sessions (:func:`not_on_track_rate`): 25% of
sessions at a 50% band, 10% at 80%, 5% at the default 90%. The default is a
project choice, not a published norm, made for its base rate (a 50% band, as
first built, called 65% of stable simulated clients "not on track" at least
once in 12 sessions; 90% calls 17%):
Finch, Lambert & Schaalje (2001) and Lambert's signal-alarm systems set their
own boundaries, not retrieved here [check]; choose the coverage for the
number of warnings a therapist can read (bench/README.md, "Alert base
rates").

References: Lambert, M. J., Whipple, J. L., & Kleinstaeuber, M. (2018).
Collecting and delivering progress feedback: A meta-analysis of routine
outcome monitoring. Psychotherapy, 55(4), 520-537. Finch, A. E., Lambert,
M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: The
statistical generation of expected recovery curves for integration into an
early warning system. Clinical Psychology & Psychotherapy, 8(4), 231-242.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import polars as pl

from alliance.stats.checks import (
    require_columns as _require_columns,
)
from alliance.stats.checks import (
    require_integer_sessions,
    require_no_nulls,
    require_one_row_per_session,
)

__all__ = [
    "BAND_COLUMNS",
    "DEFAULT_COVERAGE",
    "STATUSES",
    "expected_recovery_band",
    "not_on_track_rate",
    "on_track",
]

#: Central coverage of the expected band unless set otherwise: a project
#: default chosen for its base rate, not a published norm [check]. At 0.9, a
#: typical client is "not on track" in 5% of sessions (:func:`not_on_track_rate`).
DEFAULT_COVERAGE = 0.9

#: Columns of the frame :func:`expected_recovery_band` returns, after the session column.
BAND_COLUMNS: tuple[str, ...] = (
    "n",
    "slope",
    "intercept",
    "residual_sd",
    "baseline_mean",
    "coverage",
    "z",
)

#: Labels :func:`on_track` gives.
STATUSES: tuple[str, ...] = ("on track", "not on track", "better than expected", "no band")

_NEW_COLUMNS = ("baseline", "expected", "expected_low", "expected_high", "status")


def _coverage(coverage: object) -> float:
    if isinstance(coverage, bool) or not isinstance(coverage, int | float | np.floating):
        raise TypeError(f"coverage must be a number, got {coverage!r}")
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must lie strictly between 0 and 1, got {coverage!r}")
    return float(coverage)


def not_on_track_rate(coverage: float = DEFAULT_COVERAGE) -> float:
    """Share of sessions a typical client is "not on track" by design.

    Formula: ``(1 - coverage) / 2``. A client whose scores follow the
    service's typical course (normal residuals around the fitted line) falls
    outside a central ``coverage`` band in ``1 - coverage`` of sessions, half
    of them on the unhealthy side; only that side is "not on track"
    (:func:`on_track`). Over several sessions far more clients are flagged at
    least once (the sessions of one client are correlated, so no simple
    formula: see bench/README.md, "Alert base rates").

    Reference: the normal central interval, ``P(Z > Phi^-1((1 + c) / 2)) =
    (1 - c) / 2``; Finch, Lambert & Schaalje (2001) for expected recovery
    bands.

    Example:
        >>> not_on_track_rate(0.5)
        0.25
        >>> [round(not_on_track_rate(c), 2) for c in (0.8, 0.9)]
        [0.1, 0.05]
    """
    return (1.0 - _coverage(coverage)) / 2.0


def _panel(
    frame: object, id_col: str, session_col: str, score_col: str, baseline_session: int
) -> pl.DataFrame:
    """Validate a long client-session frame; return id, session and float score."""
    df = _require_columns(frame, [id_col, session_col, score_col])
    if isinstance(baseline_session, bool) or not isinstance(baseline_session, int):
        raise TypeError(f"baseline_session must be an integer, got {baseline_session!r}")
    require_integer_sessions(df, session_col)
    if not df.schema[score_col].is_numeric():
        raise TypeError(f"column {score_col!r} must be numeric, got {df.schema[score_col]}")
    for c in (id_col, session_col):
        require_no_nulls(df, c)
    score = pl.col(score_col).cast(pl.Float64)
    if df.schema[score_col].is_float():
        score = score.fill_nan(None)
    panel = df.select(pl.col(id_col), pl.col(session_col), score.alias(score_col))
    require_one_row_per_session(panel, id_col, session_col)
    return panel


def _baseline(
    panel: pl.DataFrame, id_col: str, session_col: str, score_col: str, baseline_session: int
) -> pl.DataFrame:
    return panel.filter(
        (pl.col(session_col) == baseline_session) & pl.col(score_col).is_not_null()
    ).select(pl.col(id_col), pl.col(score_col).alias("__baseline"))


def expected_recovery_band(
    frame: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    score_col: str,
    coverage: float = DEFAULT_COVERAGE,
    baseline_session: int = 1,
) -> pl.DataFrame:
    """Per-session expected score band, regressed on the intake score.

    For each session number ``t > baseline_session``, across the clients
    with a score at both the baseline session and ``t`` (ordinary least
    squares, one ``group_by`` over sessions, no loops):
        ``slope_t = S_xy / S_xx``, ``intercept_t = mean(y) - slope_t * mean(x)``,
        ``residual_sd_t = sqrt(sum(residual**2) / (n_t - 2))``,
    with ``x`` the baseline score, ``y`` the score at ``t`` and ``S`` centred
    sums. The band for a client with baseline ``x0`` is
    ``intercept_t + slope_t * x0 +/- z * residual_sd_t`` where
    ``z = Phi^-1((1 + coverage) / 2)`` (0.674 for a 50% band,
    1.645 for the default 90% band). The coverage sets the share of typical sessions
    "not on track", ``(1 - coverage) / 2`` (:func:`not_on_track_rate`).
    ``slope`` is null when all baselines are equal, ``residual_sd`` when
    ``n < 3``. Finch, Lambert & Schaalje (2001) describe expected recovery
    curves of this kind; the band here is fitted on your own cohort.

    Returns one row per session: ``session_col``, ``n``, ``slope``,
    ``intercept``, ``residual_sd``, ``baseline_mean``, ``coverage``, ``z``.
    Missing (null or NaN) scores are skipped.

    Example:
        >>> import polars as pl
        >>> df = pl.DataFrame({"id": [1, 1, 2, 2, 3, 3], "s": [1, 2] * 3,
        ...                    "y": [10.0, 8.0, 20.0, 15.0, 30.0, 22.0]})
        >>> band = expected_recovery_band(df, id_col="id", session_col="s", score_col="y")
        >>> row = band.row(0, named=True)  # exact fit: y2 = 1 + 0.7 * y1
        >>> row["n"], round(row["slope"], 9), round(row["intercept"], 9), round(row["z"], 4)
        (3, 0.7, 1.0, 1.6449)
    """
    panel = _panel(frame, id_col, session_col, score_col, baseline_session)
    coverage = _coverage(coverage)
    z = NormalDist().inv_cdf(0.5 + coverage / 2)

    base = _baseline(panel, id_col, session_col, score_col, baseline_session)
    pairs = (
        panel.lazy()
        .filter((pl.col(session_col) > baseline_session) & pl.col(score_col).is_not_null())
        .join(base.lazy(), on=id_col, how="inner")
    )
    x = pl.col("__baseline")
    y = pl.col(score_col)
    dx = x - x.mean()
    dy = y - y.mean()
    sxx = dx.pow(2).sum()
    slope = pl.when(sxx > 0).then((dx * dy).sum() / sxx)
    sse = (dy - slope * dx).pow(2).sum()
    n = pl.len()
    band = (
        pairs.group_by(session_col)
        .agg(
            n.cast(pl.Int64).alias("n"),
            slope.alias("slope"),
            (y.mean() - slope * x.mean()).alias("intercept"),
            pl.when(n > 2).then((sse / (n - 2)).sqrt()).alias("residual_sd"),
            x.mean().alias("baseline_mean"),
        )
        .with_columns(
            pl.lit(float(coverage)).alias("coverage"),
            pl.lit(z).alias("z"),
        )
        .sort(session_col)
        .collect()
    )
    return band.select(session_col, *BAND_COLUMNS)


def on_track(
    frame: pl.DataFrame,
    band: pl.DataFrame,
    *,
    id_col: str,
    session_col: str,
    score_col: str,
    higher_is_better: bool,
    min_n: int = 30,
    baseline_session: int = 1,
) -> pl.DataFrame:
    """Label each client-session against its expected band.

    Joins every row of ``frame`` to the band of its session number (from
    :func:`expected_recovery_band`) and the client's baseline score:
    ``expected = intercept + slope * baseline``,
    ``expected_low / expected_high = expected -/+ z * residual_sd``. Status:
        - ``"not on track"``: beyond the band edge on the unhealthy side
          (above ``expected_high`` when lower is better, below
          ``expected_low`` when higher is better);
        - ``"better than expected"``: beyond the edge on the healthy side;
        - ``"on track"``: inside the band, edges included;
        - ``"no band"``: the session has fewer than ``min_n`` clients in the
          band, no band (the baseline session itself, or a session missing
          from ``band``), or the client has no baseline score.
    Rows with a missing score get a null status. Returns ``frame`` in its
    original row order with ``baseline``, ``expected``, ``expected_low``,
    ``expected_high`` and ``status`` added.

    Example:
        >>> import polars as pl
        >>> band = pl.DataFrame({"s": [2], "n": [40], "slope": [0.5], "intercept": [2.0],
        ...                      "residual_sd": [2.0], "baseline_mean": [18.0],
        ...                      "coverage": [0.5], "z": [1.0]})
        >>> df = pl.DataFrame({"id": [1, 1, 2, 2, 3, 3], "s": [1, 2] * 3,
        ...                    "y": [20.0, 12.0, 20.0, 16.0, 20.0, 7.0]})
        >>> # expected 2 + 0.5 * 20 = 12, band 10..14
        >>> on_track(df, band, id_col="id", session_col="s", score_col="y",
        ...          higher_is_better=False)["status"].to_list()
        ['no band', 'on track', 'no band', 'not on track', 'no band', 'better than expected']
    """
    panel = _panel(frame, id_col, session_col, score_col, baseline_session)
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    if isinstance(min_n, bool) or not isinstance(min_n, int):
        raise TypeError(f"min_n must be an integer, got {min_n!r}")
    if min_n < 3:
        raise ValueError(f"min_n must be at least 3 (a residual SD needs 3 clients), got {min_n}")
    needed = [session_col, "n", "slope", "intercept", "residual_sd", "z"]
    b = _require_columns(band, needed)
    if b.schema[session_col] != panel.schema[session_col]:
        b = b.with_columns(pl.col(session_col).cast(panel.schema[session_col]))
    if b.get_column(session_col).is_duplicated().any():
        raise ValueError(f"band has more than one row for a session in {session_col!r}")
    clash = [c for c in _NEW_COLUMNS if c in frame.columns]
    if clash:
        raise ValueError(f"frame already has column(s) {clash}; rename them first")

    base = _baseline(panel, id_col, session_col, score_col, baseline_session)
    keyed = panel.select(id_col, session_col).join(
        base, on=id_col, how="left", maintain_order="left"
    )
    keyed = keyed.join(b.select(needed), on=session_col, how="left", maintain_order="left")
    usable = (
        (pl.col("n") >= min_n)
        & pl.col("slope").is_not_null()
        & pl.col("residual_sd").is_not_null()
        & pl.col("z").is_not_null()
        & pl.col("__baseline").is_not_null()
    ).fill_null(False)
    expected = pl.when(usable).then(pl.col("intercept") + pl.col("slope") * pl.col("__baseline"))
    half = pl.col("z") * pl.col("residual_sd")
    added = keyed.select(
        pl.col("__baseline").alias("baseline"),
        expected.alias("expected"),
        (expected - half).alias("expected_low"),
        (expected + half).alias("expected_high"),
    )
    score = panel.get_column(score_col)
    added = added.with_columns(score.alias("__score"))
    if higher_is_better:
        worse = pl.col("__score") < pl.col("expected_low")
        better = pl.col("__score") > pl.col("expected_high")
    else:
        worse = pl.col("__score") > pl.col("expected_high")
        better = pl.col("__score") < pl.col("expected_low")
    status = (
        pl.when(pl.col("__score").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("expected").is_null())
        .then(pl.lit("no band"))
        .when(worse)
        .then(pl.lit("not on track"))
        .when(better)
        .then(pl.lit("better than expected"))
        .otherwise(pl.lit("on track"))
    )
    added = added.with_columns(status.alias("status")).drop("__score")
    return pl.concat([frame, added], how="horizontal")
