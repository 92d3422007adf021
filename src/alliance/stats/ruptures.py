"""Alliance ruptures and repairs from session-by-session self-report scores.

A rupture is a tension or breakdown in the collaborative relationship
(Safran & Muran). In self-report data it shows as a sudden fall of the
session's alliance score. :func:`detect_ruptures` implements the project
default of PSYCHOMETRICS.md section 5 (our own design; every threshold is a
parameter) and reports, for each session, which rule fired and the numbers
behind it:

* rule ``"drop"``: the score fell from the client's previous scored session
  by at least ``min_drop`` -- normally the instrument's minimum reliable
  change (Jacobson & Truax 1991; :func:`min_drop_from_norms`,
  :func:`min_drop_for`). ``min_drop=None`` disables the rule.
* rule ``"sd"``: the score lies at least ``sd_k`` within-client SDs below the
  client's running mean of the *prior* sessions, once ``min_prior`` prior
  scored sessions exist (after Stiles et al. 2004's V-shaped sequences, whose
  "about 2 SDs below the client's level" threshold is [check]).
* rule ``"cutoff"``: the score lies below an absolute cut-off, as OpenFIT
  flags any SRS below 36 (Duncan et al.; PSYCHOMETRICS.md s.1 and s.5).
  ``cutoff=None`` (the default) disables the rule.

A rupture counts as *repaired* when a later score returns to at least the
pre-drop level -- the previous scored session's score -- within
``repair_within`` sessions (Safran & Muran; rupture repair and outcome
r = .24, Safran et al. 2011).

With ``higher_is_better=False`` (symptom scales, where a rise is the bad
direction) every comparison is mirrored: a "drop" is a rise, "below the
mean" is above it, "below the cut-off" is above it, and "back to the
pre-drop level" means at or below it.
"""

from __future__ import annotations

import itertools
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from alliance.errors import DataError
from alliance.instruments import Instrument, get
from alliance.stats.change import min_reliable_change, s_diff
from alliance.stats.rupture_noise import NoiseEstimate, RuptureSettings, _cum_sum_in_runs

__all__ = [
    "DetectionAccuracy",
    "RuptureSummary",
    "detect_ruptures",
    "detection_accuracy",
    "find_ruptures",
    "min_drop_for",
    "min_drop_from_norms",
    "rupture_summary",
]

REPAIR_STATES = ("repaired", "not repaired", "censored")


def min_drop_from_norms(sd: float, reliability: float, z: float = 1.96) -> float:
    """Minimum reliable drop (Jacobson & Truax 1991), for ``min_drop``.

    Formula: ``z * sqrt(2) * SD * sqrt(1 - r_xx)``, i.e. ``z * S_diff``; it
    delegates to :func:`alliance.stats.change.s_diff` and
    :func:`alliance.stats.change.min_reliable_change` so that the detector
    and the change statistics cannot disagree.

    >>> round(min_drop_from_norms(7.5, 0.84), 4)  # 1.96 * sqrt(2) * 7.5 * 0.4 = 8.3156
    8.3156
    """
    return min_reliable_change(s_diff(sd, reliability), z=z)


def min_drop_for(
    instrument: Instrument | str, scale: str = "total", z: float = 1.96
) -> float | None:
    """The instrument's minimum reliable change on ``scale``, or None without a norm.

    A published ``min_reliable_change`` wins; otherwise ``sd`` and
    ``reliability`` give :func:`min_drop_from_norms`. Returns None when the
    scale has no published norm (WAI-SR, SAI): then estimate SD and
    reliability from your own data and say so.

    >>> min_drop_for("phq9")  # NHS Talking Therapies: 6 points [check]
    6.0
    >>> min_drop_for("wai_sr") is None
    True
    """
    inst = get(instrument) if isinstance(instrument, str) else instrument
    norms = inst.scale(scale).change
    if norms is None or not norms.published:
        return None
    if norms.min_reliable_change is not None:
        return float(norms.min_reliable_change)
    if norms.sd is not None and norms.reliability is not None:
        return min_drop_from_norms(norms.sd, norms.reliability, z=z)
    return None


def _validate(
    frame: object,
    score: str,
    id_col: str,
    session_col: str,
    min_drop: float | None,
    sd_k: float | None,
    min_prior: int,
    cutoff: float | None,
    repair_within: int,
) -> pl.LazyFrame:
    if isinstance(frame, pl.DataFrame):
        lazy = frame.lazy()
    elif isinstance(frame, pl.LazyFrame):
        lazy = frame
    else:
        raise TypeError(f"expected a polars DataFrame or LazyFrame, got {type(frame).__name__}")
    names = {id_col, session_col, score}
    if len(names) != 3:
        raise ValueError("score, id_col and session_col must name three different columns")
    schema = lazy.collect_schema()
    missing = [c for c in (id_col, session_col, score) if c not in schema]
    if missing:
        raise ValueError(f"missing column(s) {', '.join(missing)}; have {', '.join(schema)}")
    if not schema[score].is_numeric():
        raise TypeError(f"score column {score!r} must be numeric, got {schema[score]}")
    if not schema[session_col].is_integer():
        raise TypeError(
            f"session column {session_col!r} must hold integers, got {schema[session_col]}"
        )
    if min_drop is not None and not (math.isfinite(min_drop) and min_drop > 0):
        raise ValueError(f"min_drop must be a positive number or None, got {min_drop}")
    if sd_k is not None and not (math.isfinite(sd_k) and sd_k > 0):
        raise ValueError(f"sd_k must be a positive number or None, got {sd_k}")
    if isinstance(min_prior, bool) or not isinstance(min_prior, int) or min_prior < 2:
        raise ValueError(
            f"min_prior must be an integer >= 2 (an SD needs two scores), got {min_prior!r}"
        )
    if cutoff is not None and not math.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number or None, got {cutoff}")
    if isinstance(repair_within, bool) or not isinstance(repair_within, int) or repair_within < 1:
        raise ValueError(f"repair_within must be an integer >= 1, got {repair_within!r}")
    return lazy.select(id_col, session_col, score)


def _validate_noise(noise_sd: float | None, z_k: float, drop_k: float, repair_z: float) -> None:
    if noise_sd is not None and not (math.isfinite(noise_sd) and noise_sd > 0):
        raise ValueError(f"noise_sd must be a positive number or None, got {noise_sd}")
    for name, value in (("z_k", z_k), ("drop_k", drop_k), ("repair_z", repair_z)):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}")
    if drop_k < 0:
        raise ValueError(f"drop_k must be >= 0, got {drop_k}")


def _check_keys(df: pl.DataFrame, id_col: str, session_col: str) -> None:
    """Repeated (id, session) pairs are data errors; df is sorted by them."""
    same = (pl.col(id_col) == pl.col(id_col).shift(1)) & (
        pl.col(session_col) == pl.col(session_col).shift(1)
    )
    dups = df.lazy().with_row_index("__row").filter(same).select("__row", id_col, session_col)
    first = dups.head(1).collect()
    if first.height:
        n_dups = dups.select(pl.len()).collect().item()
        ident, session = first[id_col][0], first[session_col][0]
        raise DataError(
            f"duplicated ({id_col}, {session_col}): ({ident!r}, {session}) appears more than "
            f"once ({n_dups} repeated row(s) in all); each client-session must be one row",
            column=session_col,
            value=(ident, session),
        )


def _sessions_increase(part: pl.DataFrame, id_col: str, session_col: str) -> bool:
    """True when, within each client of a slice with sorted ids, sessions strictly increase."""
    i, s = pl.col(id_col), pl.col(session_col)
    return bool(part.select(((i != i.shift(1)) | (s > s.shift(1))).slice(1).all()).item())


def _sorted_slices(lazy: pl.LazyFrame, id_col: str, session_col: str) -> list[pl.DataFrame]:
    """The three columns in (id, session) order, keys checked, in slices of whole clients.

    Data already in strictly increasing (id, session) order -- the usual
    export order -- are neither sorted again nor searched for repeated
    pairs (there can be none): the ids are checked to be sorted, then the
    sessions within each slice, with small working columns. Only integer
    and text ids qualify (their comparison order is the sort order).
    """
    df = lazy.collect()
    for col in (id_col, session_col):
        nulls = df[col].null_count()
        if nulls:
            raise DataError(f"column {col!r} has {nulls} missing value(s)", column=col)
    ids = df[id_col]
    if (ids.dtype.is_integer() or ids.dtype == pl.String) and ids.is_sorted():
        slices = _client_slices(df, id_col)
        if all(_sessions_increase(part, id_col, session_col) for part in slices):
            return slices
    df = df.sort(id_col, session_col, maintain_order=False)
    _check_keys(df, id_col, session_col)
    return _client_slices(df, id_col)


def _labels(expr: pl.Expr, labels: list[str | None]) -> pl.Expr:
    """Text label number ``expr`` (null -> null): a gather from a tiny column.

    Much cheaper than building the same strings row by row with
    ``concat_str`` or a ``when``/``then`` chain of literals.
    """
    return pl.lit(pl.Series(labels, dtype=pl.String)).gather(expr)


#: Label of each combination of fired rules (drop = 1, sd = 2, cutoff = 4, baseline = 8).
_RULES: list[str | None] = [
    "+".join(
        name for bit, name in enumerate(("drop", "sd", "cutoff", "baseline")) if code >> bit & 1
    )
    or None
    for code in range(16)
]
#: Label of each repair state (1, 2, 3).
_REPAIRS: list[str | None] = [None, "repaired", "not repaired", "censored"]


def detect_ruptures(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    score: str,
    id_col: str = "id",
    session_col: str = "session",
    min_drop: float | None = None,
    sd_k: float | None = 2.0,
    min_prior: int = 3,
    cutoff: float | None = None,
    cutoff_inclusive: bool = False,
    repair_within: int = 3,
    higher_is_better: bool = True,
    noise_sd: float | None = None,
    z_k: float = 2.2,
    drop_k: float = 1.0,
    repair_z: float = 0.5,
) -> pl.DataFrame:
    """Flag alliance ruptures and their repair, session by session.

    This is the engine; :func:`find_ruptures` runs it with the calibrated
    defaults (the ``"baseline"`` rule alone, known false-alarm rate). The
    older rules (``"drop"`` and ``"sd"``) stay available by parameter for
    comparison (bench/bench_ruptures.py); their false-alarm rate on stable
    series is not controlled (issue #11: 6.3% of sessions).

    Project default (PSYCHOMETRICS.md s.5), with ``x[t]`` the score of a
    client's session and ``x[t-1]`` of the client's previous *scored*
    session (rows with a null score are kept but never flagged and never used
    as a reference; sessions need not be consecutive):

    - ``drop = x[t-1] - x[t]``; rule ``"drop"`` fires when
      ``drop >= min_drop`` (disabled when ``min_drop`` is None).
    - ``prior_mean`` / ``prior_sd``: mean and SD (ddof=1) of the client's
      ``n_prior`` earlier scored sessions (running sums per client);
      ``threshold = prior_mean - sd_k * prior_sd``; ``sd_below =
      (prior_mean - x[t]) / prior_sd``. Rule ``"sd"`` fires when
      ``n_prior >= min_prior`` and ``x[t] <= threshold``. A prior SD of 0
      (all earlier scores equal) cannot fire: any fall from a perfectly
      flat series would otherwise count, and ``sd_below`` is left null.
      ``sd_k=None`` disables the rule.
    - Rule ``"cutoff"`` (the OpenFIT-style absolute rule) fires when
      ``x[t] < cutoff`` (``<=`` with ``cutoff_inclusive=True``).
    - Rule ``"baseline"`` (only with ``noise_sd``, the pooled within-client
      session-to-session SD, e.g. :func:`estimate_noise_sd`): ``z =
      (prior_mean - x[t]) / (noise_sd * sqrt(1 + 1/n_prior))``, the test of
      one new score against the mean of the client's ``n_prior`` earlier
      ones when the noise SD is known (the variance of a difference between
      one score and a mean of n is ``sd^2 (1 + 1/n)``). It fires when
      ``n_prior >= min_prior``, ``z >= z_k`` and the fall from the previous
      scored session is at least ``drop_k * noise_sd`` (a *sudden* fall, so
      a rupture that stays low is flagged once). The false-alarm rate on
      stable series follows from ``z_k``, ``drop_k`` and ``min_prior``
      alone (:func:`expected_false_alarm_rate`).
    - ``repair`` (rupture rows only): ``"repaired"`` when a scored session in
      ``(t, t + repair_within]`` (by session number) reaches at least the
      pre-drop level -- ``x[t-1]``; with ``noise_sd``, the client's
      pre-rupture level within noise instead, ``prior_mean - repair_z *
      noise_sd * sqrt(1 + 1/n_prior)`` (a return judged against the same
      baseline as the fall; the previous score alone is one noisy session
      and mislabelled 13 of 68 simulated repairs) --
      (``repair_session`` is the first such one);
      ``"not repaired"`` when none does and the client has a scored session at
      or after ``t + repair_within``; ``"censored"`` when the client's data
      end earlier (we cannot tell); null when there is no previous scored
      session (a cut-off rupture at the first session).

    With ``higher_is_better=False`` everything is mirrored (``drop = x[t] -
    x[t-1]``, ``threshold = prior_mean + sd_k * prior_sd``, ``sd_below =
    (x[t] - prior_mean) / prior_sd``, ``x[t] > cutoff``, repaired when back at
    or below ``x[t-1]``): ``drop`` and ``sd_below`` are positive in the bad
    direction on either kind of scale.

    Returns one row per input row, sorted by id and session (the result does
    not depend on the input order): ``id``, ``session``, the score,
    ``rupture`` (bool; null when the score is null), ``rule`` (the rules
    that fired joined by ``+`` in the order drop, sd, cutoff, e.g.
    ``"drop+sd"``; null when none), ``drop``, ``n_prior``, ``prior_mean``,
    ``prior_sd``, ``sd_below``, ``threshold`` (of the baseline rule with
    ``noise_sd``, otherwise of the sd rule), ``z`` (null without
    ``noise_sd``), ``repair``, ``repair_session``. Repeated (id, session) pairs raise
    :class:`alliance.errors.DataError` (a ``ValueError``) naming the first.

    >>> df = pl.DataFrame({"id": [1] * 5, "session": [1, 2, 3, 4, 5],
    ...                    "wai": [40, 42, 41, 30, 41]})
    >>> out = detect_ruptures(df, score="wai", min_drop=6)
    >>> out.filter("rupture").select("session", "rule", "drop", "repair").rows()
    [(4, 'drop+sd', 11.0, 'repaired')]
    """
    lazy = _validate(
        frame, score, id_col, session_col, min_drop, sd_k, min_prior, cutoff, repair_within
    )
    _validate_noise(noise_sd, z_k, drop_k, repair_z)
    slices = _sorted_slices(lazy, id_col, session_col)

    def detect(part: pl.DataFrame) -> pl.DataFrame:
        return _detect_sorted(
            part,
            score=score,
            id_col=id_col,
            session_col=session_col,
            min_drop=min_drop,
            sd_k=sd_k,
            min_prior=min_prior,
            cutoff=cutoff,
            cutoff_inclusive=cutoff_inclusive,
            repair_within=repair_within,
            higher_is_better=higher_is_better,
            noise=None if noise_sd is None else (noise_sd, z_k, drop_k, repair_z),
        )

    if len(slices) == 1:
        return detect(slices[0])
    # Slices hold different clients: a few at a time, Polars releasing the GIL.
    workers = min(len(slices), pl.thread_pool_size(), MAX_PARALLEL_SLICES)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(detect, slices))
    return pl.concat(parts, rechunk=False)


def find_ruptures(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    score: str,
    noise: NoiseEstimate | float,
    settings: RuptureSettings | None = None,
    id_col: str = "id",
    session_col: str = "session",
    cutoff: float | None = None,
    higher_is_better: bool = True,
) -> pl.DataFrame:
    """Ruptures by the calibrated baseline rule, with a known false-alarm rate.

    The default detector of the CLI, the research report and the clinic's
    rupture alert: :func:`detect_ruptures` with the ``"baseline"`` rule only
    (the old ``"drop"`` and ``"sd"`` rules off), the pooled noise SD
    ``noise`` (a :class:`NoiseEstimate` from
    :func:`alliance.stats.rupture_noise.estimate_noise_sd`, or a number
    passed from outside, e.g. the clinic's own estimate or its documented
    default) and ``settings``. A session is flagged when its score lies
    ``z_k`` standard errors below the mean of the client's earlier scores
    (``z = (prior_mean - x) / (sd * sqrt(1 + 1/n))``, ``n >= min_prior``) and
    fell at least ``drop_k * sd`` from the previous scored session; it is
    repaired when a score within ``repair_within`` sessions is back within
    ``repair_z`` standard errors of that mean. With the defaults about 1 in
    100 stable sessions is flagged
    (:func:`alliance.stats.rupture_noise.expected_false_alarm_rate`) and
    about 93% of one-session drops of 4 noise SDs are caught.

    >>> df = pl.DataFrame({"id": [1] * 6, "session": [1, 2, 3, 4, 5, 6],
    ...                    "sai": [3.5, 3.8, 3.6, 2.2, 3.3, 3.7]})
    >>> out = find_ruptures(df, score="sai", noise=0.35)
    >>> out.filter("rupture").select("session", "rule", "repair", "repair_session").rows()
    [(4, 'baseline', 'repaired', 6)]
    """
    s = settings or RuptureSettings()
    sd = noise.sd if isinstance(noise, NoiseEstimate) else noise
    if isinstance(sd, bool) or not isinstance(sd, int | float):
        raise TypeError(f"noise must be a NoiseEstimate or a number, got {type(noise).__name__}")
    return detect_ruptures(
        frame,
        score=score,
        id_col=id_col,
        session_col=session_col,
        min_drop=None,
        sd_k=None,
        min_prior=s.min_prior,
        cutoff=cutoff,
        repair_within=s.repair_within,
        higher_is_better=higher_is_better,
        noise_sd=float(sd),
        z_k=s.z_k,
        drop_k=s.drop_k,
        repair_z=s.repair_z,
    )


#: Rows per slice of whole clients that :func:`detect_ruptures` works on at once.
SLICE_ROWS = 1 << 20
#: Most slices worked on at the same time (each holds its own working columns).
MAX_PARALLEL_SLICES = 4


def _client_slices(df: pl.DataFrame, id_col: str, rows: int | None = None) -> list[pl.DataFrame]:
    """Zero-copy slices of about ``rows`` rows of the sorted frame, cut between clients.

    Every statistic looks only at the rows of one client, so slices of whole
    clients give the same numbers as the whole frame, while the working
    columns of one slice at a time stay small and are reused from slice to
    slice (fresh memory, not arithmetic, dominates the cost at 10 million
    rows).
    """
    rows = rows or SLICE_ROWS
    if df.height <= rows:
        return [df]
    ends = df[id_col].rle().struct.field("len").cum_sum()
    cuts = [0]
    while cuts[-1] + rows < df.height:
        at = int(ends.search_sorted(cuts[-1] + rows, side="left"))  # first end >= target
        cuts.append(int(ends[at]))
    cuts.append(df.height)
    return [df.slice(a, b - a) for a, b in itertools.pairwise(cuts) if b > a]


def _detect_sorted(
    df: pl.DataFrame,
    *,
    score: str,
    id_col: str,
    session_col: str,
    min_drop: float | None,
    sd_k: float | None,
    min_prior: int,
    cutoff: float | None,
    cutoff_inclusive: bool,
    repair_within: int,
    higher_is_better: bool,
    noise: tuple[float, float, float, float] | None = None,
) -> pl.DataFrame:
    """:func:`detect_ruptures` on whole clients sorted by (id, session), keys checked.

    Per-client quantities come from global operations on the sorted rows:
    ``__pos`` is the row's position within its client (from the id's run
    lengths), ``__start`` the row number of the client's first row, and
    ``__g`` numbers the clients (Polars knows it is sorted, so windows over
    it cut slices instead of hashing). Where the slice has no missing score
    the tests for blanks drop out; the numbers are the same.
    """
    sign = 1.0 if higher_is_better else -1.0
    k = float(sd_k) if sd_k is not None else 0.0
    x = pl.col(score)
    complete = df[score].null_count() == 0
    # Work on w = score in the "good is high" direction.
    w_expr = x.cast(pl.Float64) * sign if sign != 1.0 else x.cast(pl.Float64)
    run_lengths = pl.col(id_col).rle().struct.field("len")
    df = df.with_columns(
        w_expr.alias("__w"),
        pl.col(id_col).rle_id().alias("__g"),
        pl.int_ranges(0, run_lengths).explode().alias("__pos"),
    ).with_columns((pl.int_range(pl.len(), dtype=pl.Int64) - pl.col("__pos")).alias("__start"))
    w, g, pos, start = pl.col("__w"), pl.col("__g"), pl.col("__pos"), pl.col("__start")
    valid = w.is_not_null()
    session = pl.col(session_col)

    def before(expr: pl.Expr, name: str) -> pl.Expr:
        """Running sum of expr over all earlier rows (first of two steps)."""
        return (expr.cum_sum() - expr).alias(name)

    def in_client(name: str) -> pl.Expr:
        """Second step: minus the sum before the client's first row.

        For integer values global running sums are exact in float64, so the
        subtraction loses nothing.
        """
        return pl.col(name) - pl.col(name).gather(start)

    if complete:
        df = df.with_columns(
            pos.alias("n_prior"),
            pl.when(pos > 0).then(w.shift(1)).alias("__prev"),
            w.gather(start).alias("__base"),  # the client's first score
            session.last().over(g).alias("__last"),
        ).with_columns((w - pl.col("__base")).alias("__c"))
    else:
        # Previous scored session of the same client: the last score before
        # the row, provided the client has one (n_prior > 0).
        df = (
            df.with_columns(
                before(valid.cast(pl.Int64), "n_prior"),
                w.drop_nulls().first().over(g).alias("__base"),
                session.filter(valid).max().over(g).alias("__last"),
            )
            .with_columns(in_client("n_prior"))
            .with_columns(
                pl.when(pl.col("n_prior") > 0).then(w.shift(1).forward_fill()).alias("__prev"),
                (w - pl.col("__base")).fill_null(0.0).alias("__c"),
            )
        )
    # Centred on the client's first scored value: exact zeros for flat
    # series, and small running sums of squares.
    c = pl.col("__c")
    exact = df.select(
        ((c - c.round()).abs().max().fill_null(0) == 0)
        & ((c.abs().max().fill_null(0) ** 2) * df.height < 2.0**52)
    ).item()
    if exact:
        df = df.with_columns(before(c, "__s1"), before(c * c, "__s2")).with_columns(
            in_client("__s1"), in_client("__s2")
        )
    else:  # running sums within each client, added in row order
        lengths = df[id_col].rle().struct.field("len")
        df = df.with_columns(
            (_cum_sum_in_runs(df["__c"], lengths) - c).alias("__s1"),
            (_cum_sum_in_runs(df.select(c * c).to_series(), lengths) - c * c).alias("__s2"),
        )

    def when_valid(expr: pl.Expr) -> pl.Expr:
        return expr if complete else pl.when(valid).then(expr)

    def in_direction(expr: pl.Expr) -> pl.Expr:
        return expr * sign if sign != 1.0 else expr

    n = pl.col("n_prior").cast(pl.Float64)
    s1, s2 = pl.col("__s1"), pl.col("__s2")
    mean_c = pl.when(n > 0).then(s1 / n)
    var = pl.when(n > 1).then(((s2 - s1 * s1 / n) / (n - 1)).clip(lower_bound=0.0))
    mean_w, sd = pl.col("__mean"), pl.col("prior_sd")
    thr_w = mean_w - k * sd
    fire_drop = (
        (pl.col("drop") >= min_drop).fill_null(False) if min_drop is not None else pl.lit(False)
    )
    if sd_k is None:
        fire_sd = pl.lit(False)
    else:
        fire_sd = (pl.col("n_prior") >= min_prior) & (sd > 0) & (w <= thr_w)
        fire_sd = (fire_sd if complete else valid & fire_sd).fill_null(False)
    z_col = pl.col("z")
    if noise is None:
        fire_base = pl.lit(False)
        z_expr = pl.lit(None, dtype=pl.Float64)
        back = pl.col("__prev")
        threshold = pl.when(pl.col("n_prior") >= min_prior).then(in_direction(thr_w))
    else:
        sigma, z_k, drop_k, repair_z = noise
        scale = sigma * (1.0 + 1.0 / n).sqrt()
        z_expr = pl.when(n > 0).then((mean_w - w) / scale)
        fire_base = (
            (pl.col("n_prior") >= min_prior) & (z_col >= z_k) & (pl.col("drop") >= drop_k * sigma)
        ).fill_null(False)
        back = mean_w - repair_z * scale
        threshold = pl.when(pl.col("n_prior") >= min_prior).then(in_direction(mean_w - z_k * scale))
    if cutoff is None:
        fire_cut = pl.lit(False)
    elif higher_is_better:
        fire_cut = (x <= cutoff) if cutoff_inclusive else (x < cutoff)
    else:
        fire_cut = (x >= cutoff) if cutoff_inclusive else (x > cutoff)
    fire_cut = fire_cut.fill_null(False)
    # One number per combination of rules (drop 1, sd 2, cutoff 4), labelled below.
    fired = (
        fire_drop.cast(pl.UInt8)
        + 2 * fire_sd.cast(pl.UInt8)
        + 4 * fire_cut.cast(pl.UInt8)
        + 8 * fire_base.cast(pl.UInt8)
    )

    # Repair: the first scored session in (t, t + R] back at >= the pre-drop
    # level. The window holds at most R rows, since sessions are unique.
    horizon = session + repair_within
    hits = []
    for j in range(1, repair_within + 1):
        later_session = session.shift(-j)
        hit = (g.shift(-j) == g) & (later_session <= horizon) & (w.shift(-j) >= pl.col("__back"))
        hits.append(pl.when(hit).then(later_session))
    hit_col = pl.col("__hit")
    is_rupture = pl.col("rupture").fill_null(False) & pl.col("__prev").is_not_null()
    repair = (
        pl.when(hit_col.is_not_null())
        .then(1)
        .when(pl.col("__last") >= horizon)
        .then(2)
        .otherwise(3)
    )
    out = (
        df.lazy()
        .with_columns(
            when_valid(pl.col("__prev") - w).alias("drop"),
            (pl.col("__base") + mean_c).alias("__mean"),
            var.sqrt().alias("prior_sd"),
        )
        .with_columns(when_valid(z_expr).alias("z"), back.alias("__back"))
        .drop("__s1", "__s2", "__base", "__c", "__pos", "__start")
        .with_columns(
            fired.alias("__fired"),
            in_direction(mean_w).alias("prior_mean"),
            pl.when(sd > 0).then((mean_w - w) / sd).alias("sd_below"),
            threshold.alias("threshold"),
        )
        .with_columns(
            when_valid(pl.col("__fired") > 0).alias("rupture"),
            _labels(pl.col("__fired"), _RULES).alias("rule"),
            pl.coalesce(hits).alias("__hit"),
        )
        .with_columns(
            _labels(pl.when(is_rupture).then(repair), _REPAIRS).alias("repair"),
            pl.when(is_rupture).then(hit_col).alias("repair_session"),
        )
    )
    return out.select(
        id_col,
        session_col,
        score,
        "rupture",
        "rule",
        "drop",
        "n_prior",
        "prior_mean",
        "prior_sd",
        "sd_below",
        "threshold",
        "z",
        "repair",
        "repair_session",
    ).collect(engine="in-memory")  # shifts, running sums and fills: no use for streaming


@dataclass(frozen=True)
class RuptureSummary:
    """Counts over the output of :func:`detect_ruptures`.

    ``sessions``: rows with a score; ``rupture_rate = ruptures / sessions``;
    ``repair_rate = repaired / (repaired + not_repaired)`` -- censored
    ruptures (follow-up too short to tell) and ``unassessed`` ones (no
    previous score, hence no pre-drop level) are left out of the
    denominator. Rates are NaN when their denominator is 0.
    """

    clients: int
    sessions: int
    ruptures: int
    rupture_rate: float
    clients_with_rupture: int
    repaired: int
    not_repaired: int
    censored: int
    unassessed: int
    repair_rate: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(a: int, b: int) -> float:
    return a / b if b else math.nan


def rupture_summary(flags: pl.DataFrame, *, id_col: str = "id") -> RuptureSummary:
    """Summarise :func:`detect_ruptures` output.

    >>> df = pl.DataFrame({"id": [1] * 5, "session": [1, 2, 3, 4, 5],
    ...                    "wai": [40, 42, 41, 30, 41]})
    >>> s = rupture_summary(detect_ruptures(df, score="wai", min_drop=6))
    >>> s.sessions, s.ruptures, s.rupture_rate, s.repaired, s.repair_rate
    (5, 1, 0.2, 1, 1.0)
    """
    need = [id_col, "rupture", "repair"]
    missing = [c for c in need if c not in flags.columns]
    if missing:
        raise ValueError(f"not a detect_ruptures result: missing {', '.join(missing)}")
    rupture = pl.col("rupture")
    row = flags.select(
        pl.col(id_col).n_unique().alias("clients"),
        rupture.is_not_null().sum().alias("sessions"),
        rupture.fill_null(False).sum().alias("ruptures"),
        pl.col(id_col).filter(rupture.fill_null(False)).n_unique().alias("clients_with_rupture"),
        (pl.col("repair") == "repaired").sum().alias("repaired"),
        (pl.col("repair") == "not repaired").sum().alias("not_repaired"),
        (pl.col("repair") == "censored").sum().alias("censored"),
        (rupture.fill_null(False) & pl.col("repair").is_null()).sum().alias("unassessed"),
    ).row(0, named=True)
    counts = {key: int(v) for key, v in row.items()}
    return RuptureSummary(
        **counts,
        rupture_rate=_ratio(counts["ruptures"], counts["sessions"]),
        repair_rate=_ratio(counts["repaired"], counts["repaired"] + counts["not_repaired"]),
    )


@dataclass(frozen=True)
class DetectionAccuracy:
    """Detected against injected ruptures (see :func:`detection_accuracy`)."""

    injected: int
    detectable: int
    detected: int
    true_positives: int
    recalled: int
    recall: float
    precision: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def detection_accuracy(
    flags: pl.DataFrame,
    truth: pl.DataFrame,
    *,
    id_col: str = "id",
    session_col: str = "session",
    truth_session: str = "rupture_session",
    window: int = 0,
) -> DetectionAccuracy:
    """Recall and precision of flagged ruptures against known (injected) ones.

    Matching rule: a flag at session ``s`` of client ``i`` matches an
    injected rupture of the same client at session ``r`` when
    ``|s - r| <= window`` (default 0: the very session). ``recall =
    recalled / detectable``, where ``detectable`` counts injected ruptures
    at a session the client has a score for (``injected`` counts all non-null
    ``truth_session`` values; one after dropout or at a blank score cannot be
    found) and ``recalled`` those with at least one matching flag.
    ``precision = true_positives / detected``: the share of flagged sessions
    that match an injected rupture. A rupture flagged again at later sessions
    (e.g. an unrepaired one that stays low) therefore lowers precision.

    ``truth`` has one or more rows per client with ``id_col`` and
    ``truth_session`` (null for none), e.g. ``Cohort.truth`` from
    :func:`alliance.simulate.simulate_cohort`.

    >>> flags = pl.DataFrame({"id": [1, 1, 2, 2], "session": [2, 3, 2, 3],
    ...                       "rupture": [True, False, False, True]})
    >>> truth = pl.DataFrame({"id": [1, 2], "rupture_session": [2, 2]})
    >>> a = detection_accuracy(flags, truth)
    >>> a.recall, a.precision
    (0.5, 0.5)
    >>> detection_accuracy(flags, truth, window=1).recall
    1.0
    """
    if isinstance(window, bool) or not isinstance(window, int) or window < 0:
        raise ValueError(f"window must be a non-negative integer, got {window!r}")
    for name, frame, cols in (
        ("flags", flags, (id_col, session_col, "rupture")),
        ("truth", truth, (id_col, truth_session)),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {', '.join(missing)}")
    id_type = flags.schema[id_col]
    scored = flags.lazy().filter(pl.col("rupture").is_not_null()).select(id_col, session_col)
    flagged = flags.lazy().filter(pl.col("rupture").fill_null(False)).select(id_col, session_col)
    injected = (
        truth.lazy()
        .filter(pl.col(truth_session).is_not_null())
        .select(pl.col(id_col).cast(id_type), pl.col(truth_session).cast(flags.schema[session_col]))
        .unique()
        .with_row_index("__inj")
    )
    detectable = injected.join(
        scored, left_on=[id_col, truth_session], right_on=[id_col, session_col], how="semi"
    )
    pairs = (
        flagged.with_row_index("__flag")
        .join(injected, on=id_col, how="inner")
        .filter((pl.col(session_col) - pl.col(truth_session)).abs() <= window)
    )
    counts = pl.collect_all(
        [
            injected.select(pl.len()),
            detectable.select(pl.len()),
            flagged.select(pl.len()),
            pairs.select(pl.col("__flag").n_unique()),
            pairs.join(detectable, on="__inj", how="semi").select(pl.col("__inj").n_unique()),
        ]
    )
    n_inj, n_det, n_flag, tp, recalled = (int(c.item()) for c in counts)
    return DetectionAccuracy(
        injected=n_inj,
        detectable=n_det,
        detected=n_flag,
        true_positives=tp,
        recalled=recalled,
        recall=_ratio(recalled, n_det),
        precision=_ratio(tp, n_flag),
    )
