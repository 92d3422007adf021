"""Session-to-session noise of a score, and the false-alarm rate it implies.

A rupture detector can only control its false alarms if it knows how much a
client's score moves from session to session when nothing happens. That
spread cannot come from Cronbach's alpha (alpha describes items within one
session, not sessions within a client) nor from a client's own first three
sessions (an SD from three scores is so unstable that a "2 SD" rule on it
fires on 3.9% of stable sessions, issue #11). :func:`estimate_noise_sd`
pools the spread over every client instead, robustly, so that the ruptures
in the data do not inflate it; :func:`expected_false_alarm_rate` turns the
detector's settings into the share of stable sessions it will flag.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl

from alliance.errors import DataError
from alliance.scoring.validate import strictly_increasing
from alliance.stats.rupture_settings import RuptureSettings

__all__ = [
    "MIN_NOISE_PAIRS",
    "FalseAlarmRate",
    "NoiseEstimate",
    "RuptureSettings",
    "estimate_noise_sd",
    "estimate_noise_sd_in_groups",
    "expected_false_alarm_rate",
]

#: Fewest session-to-session differences behind an estimate that may replace
#: a documented default (project choice: with 200 differences the MAD-based
#: SD has a relative standard error of about 6%; Rousseeuw & Croux 1993 give
#: the MAD's efficiency, 37%, so SE ~ 1/sqrt(2 * 0.37 * 200)).
MIN_NOISE_PAIRS = 200

_MAD_TO_SD = 1.4826  # 1 / Phi^-1(3/4): the MAD of a normal sample estimates 0.6745 SD


@dataclass(frozen=True)
class NoiseEstimate:
    """A pooled within-client session-to-session SD and what it rests on.

    ``sd``: the estimate; ``pairs``: session-to-session differences used;
    ``clients``: clients contributing at least one; ``method``: how it was
    computed, in words; ``source``: where the number comes from (data or a
    documented default).
    """

    sd: float
    pairs: int
    clients: int
    method: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def estimate_noise_sd(
    frame: pl.DataFrame,
    *,
    score: str,
    id_col: str = "id",
    session_col: str = "session",
    min_pairs: int = 30,
    refine: bool = True,
) -> NoiseEstimate:
    """Within-client session-to-session SD of ``score``, pooled over clients, robust to ruptures.

    First pass: with ``d = x[t] - x[t-1]`` the differences between each
    client's consecutive scored sessions (sorted by session), pooled over
    all clients, ``sd = 1.4826 * median(|d - median(d)|) / sqrt(2)``. For a
    client whose score is a stable level (or a straight-line trend) plus
    independent noise of SD ``s``, ``d`` has SD ``s * sqrt(2)``; the median
    absolute deviation (MAD, times 1.4826 to estimate an SD under
    normality) is not moved by the few large differences a rupture and its
    repair produce (breakdown point 50%; Rousseeuw & Croux 1993, JASA 88:
    1273-1283), unlike the SD of the differences. Where the scores are so
    coarse that more than half the differences are equal (MAD = 0), the
    mean absolute deviation ``sqrt(pi/2) * mean(|d - median(d)|)`` (also
    consistent for a normal SD, less robust) is used and ``method`` says so.

    The MAD is robust but blind to the tails of the noise: with
    heavy-tailed noise (Student t, 4 df) it estimates the SD of the body
    (0.28 for a true 0.35) and a detector using it flags twice its nominal
    rate. So with ``refine`` (the default) the MAD-based value is only a
    first pass: the rupture rule (default settings) is run with it, the two
    differences into and out of every flagged session are set aside, and
    the estimate is the SD of the remaining differences (about their
    median) over sqrt(2) -- a one-step reweighted estimator in the manner of
    Rousseeuw & Leroy (1987, Robust Regression and Outlier Detection,
    ch. 6). It keeps the tails of the noise and drops most of the ruptures
    (bench/README.md, "Ruptures": false alarms per 100 sessions at the
    defaults 0.76 with normal noise, 1.29 with t(4) noise). ``pairs``
    counts all differences. An estimate that is too large makes the
    detector stricter, not looser.

    Caveat (measured in bench/bench_ruptures.py): differences see only the
    part of the noise that changes from one session to the next. With
    positively autocorrelated noise (AR(1), phi > 0) ``sd`` underestimates
    the noise around a client's level, and a detector using it flags more
    than its nominal rate.

    Raises :class:`alliance.errors.DataError` when a column is missing or
    fewer than ``min_pairs`` differences exist, and when the estimate is 0.

    >>> rng = np.random.default_rng(0)
    >>> frame = pl.DataFrame({"id": np.repeat(np.arange(300), 10),
    ...                       "session": np.tile(np.arange(1, 11), 300),
    ...                       "y": rng.normal(3.6, 0.35, 3000)})
    >>> est = estimate_noise_sd(frame, score="y")
    >>> est.pairs, est.clients, abs(est.sd - 0.35) < 0.02
    (2700, 300, True)
    """
    missing = [c for c in (id_col, session_col, score) if c not in frame.columns]
    if missing:
        raise DataError(f"cannot estimate session-to-session noise: missing {', '.join(missing)}")
    return estimate_noise_sd_in_groups(
        lambda: [frame],
        score=score,
        id_col=id_col,
        session_col=session_col,
        min_pairs=min_pairs,
        refine=refine,
    )


def _ordered(frame: pl.DataFrame, score: str, id_col: str, session_col: str) -> pl.DataFrame:
    """Scored sessions sorted by client and session, with the difference from the last in ``__d``.

    Data already in strictly increasing (id, session) order (a streamed
    group from a sorted copy, a usual export) are not sorted again, and the
    difference is taken against the row above when it is the same client's:
    the same subtraction as ``diff().over(id)``, without the window.
    """
    picked = (
        frame.lazy()
        .select(id_col, session_col, pl.col(score).cast(pl.Float64))
        .filter(pl.col(score).is_not_null() & pl.col(score).is_finite())
        .collect()
    )
    if picked[id_col].null_count():
        return picked.sort(id_col, session_col).with_columns(
            pl.col(score).diff().over(id_col).alias("__d")
        )
    if not strictly_increasing(picked, [id_col, session_col]):
        picked = picked.sort(id_col, session_col)
    same = pl.col(id_col) == pl.col(id_col).shift(1)
    return picked.with_columns(
        pl.when(same).then(pl.col(score) - pl.col(score).shift(1)).alias("__d")
    )


def estimate_noise_sd_in_groups(
    groups: Callable[[], Iterable[pl.DataFrame]],
    *,
    score: str,
    id_col: str = "id",
    session_col: str = "session",
    min_pairs: int = 30,
    refine: bool = True,
) -> NoiseEstimate:
    """:func:`estimate_noise_sd` of data too large for memory, read as groups of whole clients.

    ``groups()`` yields frames that together hold the data, each client's
    sessions in one frame, clients in ascending id order across frames
    (as :func:`alliance.streaming.client_groups` yields them); it is called
    once, and a second time for the refining step. The estimate is the
    same number as :func:`estimate_noise_sd` on the whole data, bit for
    bit: the differences are taken within clients, the median and the MAD
    do not depend on the order of the differences, and the refined SD sums
    the kept differences in the whole data's (id, session) order.

    Memory: every session-to-session difference is held at once as a
    float64 (the median needs them all), 8 bytes per scored session, and at
    most one working array of the same size beside it (numpy's median sorts
    a copy; the deviations from it are taken in place). The groups' arrays
    are moved into the joined one as it fills, and the first array is
    released before the kept differences of the refining step (at most as
    many) are gathered: about 16 bytes per scored session at the peak.
    Nothing else grows with the data.
    """
    pieces: list[np.ndarray] = []
    clients = 0
    for group in groups():
        ordered = _ordered(group, score, id_col, session_col)
        diffs = ordered.filter(pl.col("__d").is_not_null())
        pieces.append(diffs["__d"].to_numpy())
        clients += diffs[id_col].n_unique()
    d = _joined(pieces)
    pairs = len(d)
    if pairs < min_pairs:
        raise DataError(
            f"cannot estimate session-to-session noise of {score}: {pairs} difference(s) "
            f"between consecutive sessions, at least {min_pairs} needed"
        )
    sd, method = _spread(d)
    del d
    if refine and sd > 0:
        kept_pieces = [
            _without_flagged(_ordered(group, score, id_col, session_col), id_col, score, sd)[
                "__d"
            ].to_numpy()
            for group in groups()
        ]
        kept = _joined(kept_pieces)
        if len(kept) >= min_pairs:
            # (kept - median) ** 2, then the mean: one working array, the same numbers.
            squares = kept - np.median(kept)
            del kept
            np.square(squares, out=squares)
            sd = float(np.sqrt(np.mean(squares))) / math.sqrt(2)
            method = (
                "SD of within-client session-to-session differences / sqrt(2), leaving out the "
                "differences into and out of sessions flagged by the rupture rule with a first, "
                f"robust estimate ({method})"
            )
    if not sd > 0:
        raise DataError(f"cannot estimate session-to-session noise of {score}: no variation")
    source = (
        f"estimated from this data: {pairs:,} session-to-session differences, {clients:,} clients"
    )
    return NoiseEstimate(sd=sd, pairs=pairs, clients=clients, method=method, source=source)


def _joined(pieces: list[np.ndarray]) -> np.ndarray:
    """The pieces end to end in one float64 array, each released once copied (no doubling)."""
    out = np.empty(sum(len(p) for p in pieces), dtype=np.float64)
    at = 0
    pieces.reverse()
    while pieces:
        piece = pieces.pop()
        out[at : at + len(piece)] = piece
        at += len(piece)
    return out


def _spread(d: np.ndarray) -> tuple[float, str]:
    """Robust SD of the noise from differences ``d`` (see :func:`estimate_noise_sd`).

    ``|d - median|`` is one working array, changed in place; its mean is
    taken before its median reorders it, so both are the numbers of the
    plain expressions ``np.mean(np.abs(d - c))`` and ``np.median(...)``.
    """
    centre = float(np.median(d))
    deviation = d - centre
    np.abs(deviation, out=deviation)
    mean_deviation = float(np.mean(deviation))
    mad = float(np.median(deviation, overwrite_input=True))
    del deviation
    if mad > 0:
        method = "1.4826 x MAD of within-client session-to-session differences / sqrt(2)"
        return _MAD_TO_SD * mad / math.sqrt(2), method
    sd = math.sqrt(math.pi / 2) * mean_deviation / math.sqrt(2)
    method = (
        "sqrt(pi/2) x mean absolute deviation of within-client differences / sqrt(2) "
        "(MAD was 0: coarse scores)"
    )
    return sd, method


def _without_flagged(ordered: pl.DataFrame, id_col: str, score: str, sd: float) -> pl.DataFrame:
    """Difference rows not touching a session the default rupture rule flags with ``sd``.

    ``ordered`` is sorted by client and session with the differences in
    ``__d``; the rule is that of :class:`RuptureSettings` (written out here,
    since :mod:`alliance.stats.ruptures` imports this module). Each client's
    running sum adds its scores in session order, as ``cum_sum().over(id)``
    does (:func:`_cum_sum_in_runs`), and positions and neighbours come from
    the client's run of rows, so no window function is needed.
    """
    s = RuptureSettings()
    ids = ordered[id_col]
    if ids.null_count():
        return _without_flagged_by_window(ordered, id_col, score, sd)
    lengths = ids.rle().struct.field("len")
    runs = lengths.to_numpy()
    starts = np.repeat(np.cumsum(runs) - runs, runs)
    position = pl.Series("__n", np.arange(ordered.height) - starts, dtype=pl.Float64)
    running = _cum_sum_in_runs(ordered[score], lengths).alias("__cs")
    x, n = pl.col(score), pl.col("__n")
    prior_mean = (pl.col("__cs") - x) / n
    z = (prior_mean - x) / (sd * (1 + 1 / n).sqrt())
    flagged = (n >= s.min_prior) & (z >= s.z_k) & (-pl.col("__d") >= s.drop_k * sd)
    marked = ordered.with_columns(position, running).with_columns(
        flagged.fill_null(False).alias("__f")
    )
    same = pl.col(id_col) == pl.col(id_col).shift(1)
    touching = pl.col("__f") | (pl.col("__f").shift(1) & same).fill_null(False)
    return marked.filter(pl.col("__d").is_not_null() & ~touching).drop("__n", "__cs")


def _without_flagged_by_window(
    ordered: pl.DataFrame, id_col: str, score: str, sd: float
) -> pl.DataFrame:
    """:func:`_without_flagged` with window functions (ids with missing values)."""
    s = RuptureSettings()
    x = pl.col(score)
    n = pl.int_range(pl.len()).over(id_col).cast(pl.Float64)
    prior_mean = ((x.cum_sum() - x).over(id_col)) / n
    z = (prior_mean - x) / (sd * (1 + 1 / n).sqrt())
    flagged = (n >= s.min_prior) & (z >= s.z_k) & (-pl.col("__d") >= s.drop_k * sd)
    marked = ordered.with_columns(flagged.fill_null(False).alias("__f"))
    touching = pl.col("__f") | pl.col("__f").shift(1).over(id_col).fill_null(False)
    return marked.filter(pl.col("__d").is_not_null() & ~touching)


def _cum_sum_in_runs(values: pl.Series, lengths: pl.Series) -> pl.Series:
    """Running sum of ``values`` restarting at each run (client) of ``lengths`` rows.

    The same additions in the same order as ``values.cum_sum().over(client)``:
    the runs are laid out as the rows of a zero-padded matrix and numpy adds
    along each row, left to right (the padding follows a run's values, so it
    changes nothing). Several times faster than the window function; very
    uneven runs, where the padding would cost more than it saves, use the
    window. ``values`` holds no nulls.
    """
    runs = lengths.to_numpy()
    width = int(runs.max()) if len(runs) else 0
    if len(runs) * width > 4 * len(values):
        client = pl.Series(np.repeat(np.arange(len(runs)), runs))
        return values.to_frame().select(pl.first().cum_sum().over(client)).to_series()
    padded = np.zeros((len(runs), width), dtype=np.float64)
    inside = np.arange(width)[None, :] < runs[:, None]
    padded[inside] = values.to_numpy()
    return pl.Series(values.name, np.cumsum(padded, axis=1)[inside])


@dataclass(frozen=True)
class FalseAlarmRate:
    """Expected flags on stable series (:func:`expected_false_alarm_rate`).

    ``per_session``: share of all sessions flagged (the first ``min_prior``
    sessions of each series cannot be); ``per_100_sessions`` the same times
    100; ``per_client``: share of stable clients with at least one flag over
    ``n_sessions``; ``n_sessions``: the series length assumed.
    """

    per_session: float
    per_100_sessions: float
    per_client: float
    n_sessions: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sentence(self) -> str:
        """The rate in words, for command output and the clinic page."""
        return (
            f"expected false alarms on stable clients: {self.per_100_sessions:.2f} per 100 sessions "
            f"({100 * self.per_client:.1f}% of clients flagged at least once in "
            f"{self.n_sessions} sessions; independent normal noise, pooled SD known)"
        )


def _position_rate(n: int, z_k: float, drop_k: float) -> float:
    """P(z >= z_k and fall >= drop_k SDs) for a stable score after ``n`` earlier ones.

    ``B = mean_n - x`` has variance ``s^2 (1 + 1/n)``, ``D = x_prev - x``
    variance ``2 s^2`` and covariance ``s^2 (1 + 1/n)``, so their
    correlation is ``sqrt((1 + 1/n) / 2)``.
    """
    # scipy loads only when a rate is computed, so `alliance` commands start without it.
    from scipy import stats

    if drop_k <= 0:
        return float(stats.norm.sf(z_k))
    rho = math.sqrt((1 + 1 / n) / 2)
    cov = [[1.0, rho], [rho, 1.0]]
    lower = [-z_k, -drop_k / math.sqrt(2)]
    return float(stats.multivariate_normal(mean=[0.0, 0.0], cov=cov).cdf(lower))


def expected_false_alarm_rate(
    settings: RuptureSettings | None = None,
    *,
    n_sessions: int = 12,
    draws: int = 20_000,
    seed: int = 11,
) -> FalseAlarmRate:
    """Expected share of stable sessions (and clients) the calibrated rule flags.

    For a stable client (a constant level plus independent normal noise of
    the pooled SD, known), the baseline rule at a session with ``n >=
    min_prior`` earlier ones fires with probability ``P(Z1 >= z_k, Z2 >=
    drop_k / sqrt(2))`` for standard normals ``Z1, Z2`` with correlation
    ``sqrt((1 + 1/n) / 2)`` (bivariate normal, scipy). ``per_session``
    averages that over sessions ``1 .. n_sessions`` (the first
    ``min_prior`` contribute 0). ``per_client`` (at least one flag in the
    series) depends on the overlap of baselines, so it is simulated
    (``draws`` series, fixed ``seed``). A rising trend lowers both rates;
    a falling one, autocorrelated or heavy-tailed noise raise them
    (bench/README.md, "Ruptures").

    >>> r = expected_false_alarm_rate(n_sessions=12)
    >>> round(r.per_100_sessions, 2), r.per_client < 0.15
    (1.01, True)
    """
    s = settings or RuptureSettings()
    if isinstance(n_sessions, bool) or not isinstance(n_sessions, int) or n_sessions < 1:
        raise ValueError(f"n_sessions must be a positive integer, got {n_sessions!r}")
    rates = [_position_rate(n, s.z_k, s.drop_k) for n in range(s.min_prior, n_sessions)]
    per_session = sum(rates) / n_sessions
    return FalseAlarmRate(
        per_session=per_session,
        per_100_sessions=100 * per_session,
        per_client=_client_rate(s, n_sessions, draws, seed),
        n_sessions=n_sessions,
    )


def _client_rate(s: RuptureSettings, n_sessions: int, draws: int, seed: int) -> float:
    """Share of simulated stable series (noise SD 1) with at least one flag."""
    if n_sessions <= s.min_prior:
        return 0.0
    x = np.random.default_rng(seed).standard_normal((draws, n_sessions))
    prior_sum = np.cumsum(x, axis=1) - x
    n = np.arange(n_sessions, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (prior_sum / n - x) / np.sqrt(1 + 1 / n)
    fall = np.concatenate([np.zeros((draws, 1)), x[:, :-1] - x[:, 1:]], axis=1)
    fire = (n >= s.min_prior) & (z >= s.z_k) & (fall >= s.drop_k)
    return float(fire.any(axis=1).mean())
