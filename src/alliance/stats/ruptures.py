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

import math
from dataclasses import asdict, dataclass
from typing import Any

import polars as pl

from alliance.errors import DataError
from alliance.instruments import Instrument, get
from alliance.stats.change import min_reliable_change, s_diff

__all__ = [
    "DetectionAccuracy",
    "RuptureSummary",
    "detect_ruptures",
    "detection_accuracy",
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
    sd_k: float,
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
    if not (math.isfinite(sd_k) and sd_k > 0):
        raise ValueError(f"sd_k must be a positive number, got {sd_k}")
    if isinstance(min_prior, bool) or not isinstance(min_prior, int) or min_prior < 2:
        raise ValueError(
            f"min_prior must be an integer >= 2 (an SD needs two scores), got {min_prior!r}"
        )
    if cutoff is not None and not math.isfinite(cutoff):
        raise ValueError(f"cutoff must be a finite number or None, got {cutoff}")
    if isinstance(repair_within, bool) or not isinstance(repair_within, int) or repair_within < 1:
        raise ValueError(f"repair_within must be an integer >= 1, got {repair_within!r}")
    return lazy.select(id_col, session_col, score)


def _check_keys(df: pl.DataFrame, id_col: str, session_col: str) -> None:
    """Null keys and repeated (id, session) pairs are data errors; df is sorted."""
    for col in (id_col, session_col):
        nulls = df[col].null_count()
        if nulls:
            raise DataError(f"column {col!r} has {nulls} missing value(s)", column=col)
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


def detect_ruptures(
    frame: pl.DataFrame | pl.LazyFrame,
    *,
    score: str,
    id_col: str = "id",
    session_col: str = "session",
    min_drop: float | None = None,
    sd_k: float = 2.0,
    min_prior: int = 3,
    cutoff: float | None = None,
    cutoff_inclusive: bool = False,
    repair_within: int = 3,
    higher_is_better: bool = True,
) -> pl.DataFrame:
    """Flag alliance ruptures and their repair, session by session.

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
    - Rule ``"cutoff"`` (the OpenFIT-style absolute rule) fires when
      ``x[t] < cutoff`` (``<=`` with ``cutoff_inclusive=True``).
    - ``repair`` (rupture rows only): ``"repaired"`` when a scored session in
      ``(t, t + repair_within]`` (by session number) reaches at least the
      pre-drop level ``x[t-1]`` (``repair_session`` is the first such one);
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
    ``prior_sd``, ``sd_below``, ``threshold``, ``repair``,
    ``repair_session``. Repeated (id, session) pairs raise
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
    df = lazy.sort(id_col, session_col, maintain_order=False).collect()
    _check_keys(df, id_col, session_col)

    sign = 1.0 if higher_is_better else -1.0
    k = float(sd_k)
    x = pl.col(score)
    # Work on w = score in the "good is high" direction, on the sorted frame.
    # g numbers the clients 0, 1, ...; per-client shifts are global shifts
    # checked against g (much faster than window functions on many clients).
    df = df.with_columns(
        (x.cast(pl.Float64) * sign).alias("__w"),
        pl.col(id_col).rle_id().alias("__g"),
    )
    w, g = pl.col("__w"), pl.col("__g")
    valid = w.is_not_null()
    new_client = g != g.shift(1).fill_null(-1)
    # Previous scored session of the same client.
    src = pl.when(valid).then(g).shift(1).forward_fill()
    prev = pl.when(src == g).then(w.shift(1).forward_fill())
    # Centre on the client's first scored value: exact zeros for flat series,
    # and small running sums of squares.
    base = w.drop_nulls().first().over(id_col)
    df = df.with_columns(
        prev.alias("__prev"),
        base.alias("__base"),
        pl.col(session_col).filter(valid).max().over(id_col).alias("__last"),
    ).with_columns((w - pl.col("__base")).fill_null(0.0).alias("__c"))
    c = pl.col("__c")
    exact = df.select(
        ((c - c.round()).abs().max().fill_null(0) == 0)
        & ((c.abs().max().fill_null(0) ** 2) * df.height < 2.0**52)
    ).item()

    def prior_sum(expr: pl.Expr) -> pl.Expr:
        """Sum of expr over the client's earlier rows."""
        if exact:
            # Integer-valued: global running sums are exact in float64, so the
            # sum before the client's first row can be subtracted without loss.
            before = expr.cum_sum() - expr
            return before - pl.when(new_client).then(before).forward_fill()
        return expr.cum_sum().over(id_col) - expr

    df = df.with_columns(
        prior_sum(valid.cast(pl.Int64)).alias("n_prior"),
        prior_sum(c).alias("__s1"),
        prior_sum(c * c).alias("__s2"),
    )
    n = pl.col("n_prior").cast(pl.Float64)
    s1, s2 = pl.col("__s1"), pl.col("__s2")
    mean_c = pl.when(n > 0).then(s1 / n)
    var = pl.when(n > 1).then(((s2 - s1 * s1 / n) / (n - 1)).clip(lower_bound=0.0))
    steps: list[list[pl.Expr]] = [
        [
            pl.when(valid).then(pl.col("__prev") - w).alias("drop"),
            (pl.col("__base") + mean_c).alias("__mean"),
            var.sqrt().alias("prior_sd"),
        ]
    ]
    mean_w, sd = pl.col("__mean"), pl.col("prior_sd")
    thr_w = mean_w - k * sd
    fire_drop = (
        (pl.col("drop") >= min_drop).fill_null(False) if min_drop is not None else pl.lit(False)
    )
    fire_sd = (valid & (pl.col("n_prior") >= min_prior) & (sd > 0) & (w <= thr_w)).fill_null(False)
    if cutoff is None:
        fire_cut = pl.lit(False)
    elif higher_is_better:
        fire_cut = (x <= cutoff) if cutoff_inclusive else (x < cutoff)
    else:
        fire_cut = (x >= cutoff) if cutoff_inclusive else (x > cutoff)
    fire_cut = fire_cut.fill_null(False)
    rule = pl.concat_str(
        [
            pl.when(fire_drop).then(pl.lit("drop")),
            pl.when(fire_sd).then(pl.lit("sd")),
            pl.when(fire_cut).then(pl.lit("cutoff")),
        ],
        separator="+",
        ignore_nulls=True,
    )
    steps.append(
        [
            pl.when(valid).then(fire_drop | fire_sd | fire_cut).alias("rupture"),
            pl.when(rule != "").then(rule).alias("rule"),
            (mean_w * sign).alias("prior_mean"),
            pl.when(sd > 0).then((mean_w - w) / sd).alias("sd_below"),
            pl.when(pl.col("n_prior") >= min_prior).then(thr_w * sign).alias("threshold"),
        ]
    )
    # Repair: the first scored session in (t, t + R] back at >= the pre-drop
    # level. The window holds at most R rows, since sessions are unique.
    session = pl.col(session_col)
    horizon = session + repair_within
    hits = []
    for j in range(1, repair_within + 1):
        later_session = session.shift(-j)
        hit = (g.shift(-j) == g) & (later_session <= horizon) & (w.shift(-j) >= pl.col("__prev"))
        hits.append(pl.when(hit).then(later_session))
    steps.append([pl.coalesce(hits).alias("__hit")])
    hit_col = pl.col("__hit")
    is_rupture = pl.col("rupture").fill_null(False) & pl.col("__prev").is_not_null()
    steps.append(
        [
            pl.when(is_rupture & hit_col.is_not_null())
            .then(pl.lit("repaired"))
            .when(is_rupture & (pl.col("__last") >= horizon))
            .then(pl.lit("not repaired"))
            .when(is_rupture)
            .then(pl.lit("censored"))
            .alias("repair"),
            pl.when(is_rupture).then(hit_col).alias("repair_session"),
        ]
    )
    out = df.lazy()
    for exprs in steps:
        out = out.with_columns(exprs)
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
        "repair",
        "repair_session",
    ).collect()


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
