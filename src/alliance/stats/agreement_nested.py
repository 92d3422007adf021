"""Client-therapist agreement over repeated sessions, with dyads as the unit of resampling.

Sessions of one dyad are not independent: pooling 3,208 dyad-sessions of 300
dyads as if they were 3,208 targets gave an ICC interval 0.054 wide and
p = 1e-172 (issue #11), where the first sessions alone gave 0.19. Two sound
ways, both here:

* :func:`first_session_pairs` -- each dyad's first session with both
  ratings: independent targets, so :func:`alliance.stats.agreement.icc_wide`
  (F test, Shrout & Fleiss intervals) applies as it is;
* :func:`icc_dyad_bootstrap` -- the ICCs over all dyad-sessions, with a
  percentile interval from a cluster bootstrap that resamples whole dyads
  (Field & Welsh 2007, "Bootstrapping clustered data", JRSS B 69:369-390;
  Davison & Hinkley 1997, s.3.8). No p-value: there is no sound one for
  pooled sessions without a model of their dependence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

__all__ = ["NestedIcc", "first_session_pairs", "icc_dyad_bootstrap"]


@dataclass(frozen=True)
class NestedIcc:
    """ICC(2,1) and ICC(3,1) over all dyad-sessions with dyad-bootstrap intervals.

    ``agreement`` / ``consistency``: the point estimates (Shrout & Fleiss,
    the same as :func:`alliance.stats.agreement.icc` on the pooled rows);
    ``*_ci_low`` / ``*_ci_high``: percentile limits over ``n_boot``
    resamples of whole dyads; ``dyads``, ``sessions``: the data behind them.
    """

    agreement: float
    agreement_ci_low: float
    agreement_ci_high: float
    consistency: float
    consistency_ci_low: float
    consistency_ci_high: float
    dyads: int
    sessions: int
    n_boot: int
    ci: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def first_session_pairs(
    frame: pl.DataFrame, *, id_col: str, session_col: str, client_col: str, therapist_col: str
) -> pl.DataFrame:
    """Each dyad's first session with both ratings: one independent row per dyad.

    >>> df = pl.DataFrame({"id": [1, 1, 2], "session": [2, 1, 1],
    ...                    "c": [4.0, None, 3.0], "t": [3.5, 3.0, 3.0]})
    >>> first_session_pairs(df, id_col="id", session_col="session",
    ...                     client_col="c", therapist_col="t").rows()
    [(1, 2, 4.0, 3.5), (2, 1, 3.0, 3.0)]
    """
    return (
        frame.select(id_col, session_col, client_col, therapist_col)
        .drop_nulls()
        .sort(id_col, session_col)
        .group_by(id_col, maintain_order=True)
        .first()
    )


def _sums(c: NDArray[np.float64], t: NDArray[np.float64], dyad: NDArray[np.int64], d: int) -> Any:
    """Per-dyad sufficient statistics: count, sum c, sum t, sum c^2, sum t^2, sum c*t."""
    stats = np.zeros((d, 6))
    for j, values in enumerate((np.ones_like(c), c, t, c * c, t * t, c * t)):
        stats[:, j] = np.bincount(dyad, weights=values, minlength=d)
    return stats


def _iccs(s: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """ICC(2,1) and ICC(3,1) (k = 2 raters) from summed statistics, one row per sample.

    With ``n`` targets, ``G`` the grand mean: ``SS_total = sum(c^2 + t^2) -
    2 n G^2``; ``SS_rows = sum((c + t)^2) / 2 - 2 n G^2``; ``SS_cols = n
    ((mean c - G)^2 + (mean t - G)^2)``; then Shrout & Fleiss (1979) as in
    :func:`alliance.stats.agreement.icc`.
    """
    n, sc, st, scc, stt, sct = (s[:, j] for j in range(6))
    grand = (sc + st) / (2 * n)
    ss_total = scc + stt - 2 * n * grand**2
    ss_rows = (scc + stt + 2 * sct) / 2 - 2 * n * grand**2
    ss_cols = n * ((sc / n - grand) ** 2 + (st / n - grand) ** 2)
    ss_err = ss_total - ss_rows - ss_cols
    msr, msc, mse = ss_rows / (n - 1), ss_cols, ss_err / (n - 1)
    icc2 = (msr - mse) / (msr + mse + 2 * (msc - mse) / n)
    icc3 = (msr - mse) / (msr + mse)
    return icc2, icc3


def icc_dyad_bootstrap(
    frame: pl.DataFrame,
    *,
    id_col: str,
    client_col: str,
    therapist_col: str,
    n_boot: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
) -> NestedIcc:
    """ICCs of client and therapist ratings over all dyad-sessions, dyads resampled.

    Every row (a dyad-session with both ratings) is a target, the roles the
    two raters; the point estimates are Shrout & Fleiss ICC(2,1) and
    ICC(3,1) of the pooled rows. The interval resamples whole dyads with
    replacement ``n_boot`` times (each resample keeps all sessions of each
    drawn dyad), recomputes both ICCs from per-dyad sums, and takes the
    ``(1 - ci) / 2`` and ``(1 + ci) / 2`` percentiles, so the dependence of
    sessions within a dyad widens the interval as it should. No p-value is
    given. Rows with a missing rating are left out.

    Raises ValueError with fewer than 3 dyads, ``n_boot < 100`` or ``ci``
    outside (0, 1).

    >>> rng = np.random.default_rng(1)
    >>> dyad = np.repeat(np.arange(40), 5)
    >>> level = rng.normal(4, 0.5, 40)[dyad]
    >>> df = pl.DataFrame({"id": dyad, "c": level + rng.normal(0, 0.3, 200),
    ...                    "t": level + rng.normal(0, 0.3, 200)})
    >>> r = icc_dyad_bootstrap(df, id_col="id", client_col="c", therapist_col="t")
    >>> r.dyads, r.sessions, r.agreement_ci_low < r.agreement < r.agreement_ci_high
    (40, 200, True)
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise ValueError(f"n_boot must be an integer >= 100, got {n_boot!r}")
    if not 0 < ci < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    rows = frame.select(id_col, client_col, therapist_col).drop_nulls()
    codes = rows.select(pl.col(id_col).rank("dense").cast(pl.Int64) - 1).to_series()
    dyad = codes.to_numpy()
    d = int(dyad.max()) + 1 if len(dyad) else 0
    if d < 3:
        raise ValueError(f"at least 3 dyads with both ratings are needed, got {d}")
    c = rows.get_column(client_col).cast(pl.Float64).to_numpy()
    t = rows.get_column(therapist_col).cast(pl.Float64).to_numpy()
    per_dyad = _sums(c, t, dyad, d)
    icc2, icc3 = _iccs(per_dyad.sum(axis=0, keepdims=True))
    weights = np.random.default_rng(seed).multinomial(d, np.full(d, 1.0 / d), size=n_boot)
    boot2, boot3 = _iccs(weights @ per_dyad)
    q = [100 * (1 - ci) / 2, 100 * (1 + ci) / 2]
    lo2, hi2 = np.nanpercentile(boot2, q)
    lo3, hi3 = np.nanpercentile(boot3, q)
    return NestedIcc(
        agreement=float(icc2[0]),
        agreement_ci_low=float(lo2),
        agreement_ci_high=float(hi2),
        consistency=float(icc3[0]),
        consistency_ci_low=float(lo3),
        consistency_ci_high=float(hi3),
        dyads=d,
        sessions=len(c),
        n_boot=n_boot,
        ci=ci,
    )
