"""Synthetic cohorts with known truth: demo data, tests and benchmarks.

:func:`simulate_cohort` draws clients who attend up to ``n_sessions``
sessions and answer the chosen instruments after each one. Everything is
generated from a few latent variables per client and session, so the truth
behind the data (levels, slopes, injected ruptures and repairs, dropout) is
known and returned beside the data.

The model (latents are in units of the between-client SD of the alliance or
symptom level at session 1; ``t`` is the session number, 1-based):

* Alliance: ``A[i, t] = a0[i] + a1[i] * (t - 1) + R[i, t] + e[i, t]`` with
  ``a0 ~ N(0, 1)``, ``a1 ~ N(alliance_slope, alliance_slope_sd)`` (rising
  slowly), ``e ~ N(0, state_sd)`` session-to-session fluctuation and ``R``
  the rupture offset below.
* Symptoms: ``S[i, t] = s0[i] + s1[i] * (t - 1) + f[i, t]`` with
  ``s0 ~ N(0, 1)``, ``s1`` normal with mean ``symptom_slope`` (falling) and
  SD ``symptom_slope_sd``, ``f ~ N(0, state_sd)``.
* Alliance and outcome: ``corr(a0, -s1) = alliance_outcome_r`` exactly in the
  population, and ``corr(a1, s1) = slope_r`` (default 0: the client's
  alliance trend and symptom trend unrelated; the issue #11 null sets -0.6,
  alliance rising where symptoms fall, with no session-level link at all).
* Within-client effect: with ``within_effect = b`` the symptom latent at
  session ``t + 1`` moves by ``b * D[i, t]``, where ``D[i, t] = R[i, t] +
  e[i, t]`` is the alliance's deviation from the client's own trajectory at
  session ``t`` (a better-than-usual session, or a rupture). ``b < 0``: a
  better session alliance is followed by fewer symptoms. Default 0: no
  session-level link. This is the correlation the parameter sets: between the
  client's latent alliance level (``truth["alliance_intercept"]``) and the
  client's latent rate of symptom improvement (``-truth["symptom_slope"]``).
  Correlations computed from the observed items (e.g. the client's mean
  WAI-SR total against the client's PHQ-9 slope) are attenuated by
  measurement error, rounding, floor/ceiling effects, ruptures and dropout:
  at the default settings the correlation between the client's mean WAI-SR
  total and the slope of the client's PHQ-9 total is about two thirds of the
  parameter (about .18-.20 for the default .28; pass about .42 to observe
  about .28).
* Therapist form: ``T[i, t] = therapist_r * A[i, t] +
  sqrt(1 - therapist_r**2) * u[i] + g[i, t]`` with ``u ~ N(0, 1)`` the
  therapist's own view of the client and ``g ~ N(0, state_sd)``: it
  correlates with the client's rating (and sees part of each rupture) but is
  not identical to it.
* Ruptures: from session 2 on, a client without a rupture yet starts one at
  each attended session with probability ``rupture_rate`` (a per-session
  hazard; at most one injected rupture per client, so with 10 sessions about
  ``1 - (1 - 0.08)**9 = 53%`` of completers have one). At the rupture session
  ``r`` the alliance falls by ``rupture_size`` latent SDs. With probability
  ``repair_prob`` it is repaired: after ``k ~ U{1, 2, 3}`` sessions
  (``repair_session = r + k``) the alliance is back on its own trajectory and
  at least at its pre-rupture level (the fall shrinks linearly in between);
  otherwise it stays ``rupture_size`` below its trajectory.
* Dropout: with probability ``dropout_rate`` a client leaves after a session
  drawn uniformly from ``1 .. n_sessions - 1``. After an unrepaired rupture
  the client also leaves, with probability ``rupture_dropout``, after the
  rupture session or one of the two following it. So ``dropout_rate`` is the
  dropout of clients without an unrepaired rupture; the overall rate is
  higher (about 26% at the defaults with 10 sessions).
  ``dropout_session`` is the last session attended.
* Items: ``x = location + offset_j + loading * latent + noise``, in the
  instrument's own response metric, snapped to the nearest response option
  read from the instrument definition and stored as ``pl.Int8``. The
  location, loading and noise (as fractions of the response range) are the
  illustrative values in :data:`PROFILES`, not published norms. Item offsets
  are drawn once per instrument. ``missing_rate`` blanks items at random.

Random streams are derived from ``seed`` and a label per component
(latents, each instrument, missingness), so a cohort is identical for a given
seed, and adding an instrument does not change the others' responses.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from alliance.instruments import Instrument, get

__all__ = [
    "OUTPATIENT_RISK_RATE",
    "PROFILES",
    "Cohort",
    "ItemProfile",
    "risk_item_at_rate",
    "simulate_cohort",
    "simulate_scores",
]

OUTPATIENT_RISK_RATE = 0.10
"""Share of PHQ-9s with item 9 (thoughts of death or self-harm) above 0 that
:func:`risk_item_at_rate` keeps by default. Simon et al. (2013, Psychiatric
Services 64:1195-1202; 84,418 outpatients, 207,265 PHQ-9s) report that up to
10% of outpatients completing the PHQ-9 answer item 9 "more than half the
days" or more; any answer above 0 is kept at that figure here, so simulated
risk shows up at about the rate a clinic meets it."""

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ItemProfile:
    """How one instrument's items follow a latent variable.

    ``location``, ``loading``, ``noise`` and ``item_spread`` are fractions of
    the response range (highest minus lowest option): the expected item
    value at latent 0 measured from the lowest option, the change per latent
    SD, the SD of item-level noise, and the SD of fixed item offsets.
    Illustrative simulation settings, not norms.
    """

    latent: Literal["alliance", "therapist", "symptom"]
    location: float
    loading: float
    noise: float
    item_spread: float = 0.04


#: Instruments the simulator can generate, and how their items behave.
#: Alliance forms sit high on their scale (ceiling effects are real for the
#: WAI); the therapist form a little lower; PHQ-9 / GAD-7 start in the
#: moderate range (item mean about 1.5 of 0-3) and fall with the symptoms.
PROFILES: dict[str, ItemProfile] = {
    "wai_sr": ItemProfile("alliance", location=0.70, loading=0.14, noise=0.12),
    "wai_sr_t": ItemProfile("therapist", location=0.62, loading=0.12, noise=0.12),
    "sai": ItemProfile("alliance", location=0.66, loading=0.13, noise=0.12),
    "phq9": ItemProfile("symptom", location=0.50, loading=0.18, noise=0.16),
    "gad7": ItemProfile("symptom", location=0.45, loading=0.17, noise=0.16),
}


@dataclass(frozen=True)
class Cohort:
    """A simulated cohort.

    ``data``: wide item-level responses, one row per client-session attended,
    columns ``id``, ``session`` and ``{instrument}_{n}`` (``pl.Int8``, null
    when blanked by ``missing_rate``), sorted by id and session.

    ``truth``: one row per client: ``id``; ``alliance_intercept``,
    ``alliance_slope``, ``symptom_intercept``, ``symptom_slope`` (latent SD
    units, slopes per session); ``rupture_session`` (null if none);
    ``repaired`` (null if no rupture); ``repair_session`` (the session the
    alliance is back, null unless repaired; it can lie after the client's
    last session, in which case the repair is not seen in the data);
    ``dropout_session`` (last session attended by a client who left early,
    null for completers); ``sessions_attended``.

    ``params``: the arguments the cohort was drawn with.
    """

    data: pl.DataFrame
    truth: pl.DataFrame
    params: dict[str, Any]


def _rng(seed: int, label: str) -> np.random.Generator:
    """An independent random stream for one component, stable across runs."""
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(label.encode())]))


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")


def _option_values(instrument: Instrument) -> npt.NDArray[np.float64]:
    """The response option values shared by all the instrument's scored items."""
    scales = {instrument.response_for(n) for n in instrument.scored_items()}
    if len(scales) != 1:
        raise ValueError(f"cannot simulate {instrument.id!r}: its items use different scales")
    scale = next(iter(scales))
    if scale.kind != "choice":
        raise ValueError(f"cannot simulate {instrument.id!r}: items are not multiple choice")
    values = np.array(sorted(o.value for o in scale.options), dtype=np.float64)
    if not (np.all(values == np.rint(values)) and values[0] >= -128 and values[-1] <= 127):
        raise ValueError(f"cannot simulate {instrument.id!r}: options do not fit pl.Int8")
    return values


def _snap(x: FloatArray, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int8]:
    """Round each value to the nearest response option (clipping to the ends)."""
    contiguous = np.array_equal(values, np.arange(values[0], values[-1] + 1))
    if contiguous:
        out = np.clip(np.rint(x), values[0], values[-1])
        return out.astype(np.int8)
    midpoints = (values[1:] + values[:-1]) / 2
    return values[np.searchsorted(midpoints, x)].astype(np.int8)


def _with_missing(
    name: str, values: npt.NDArray[np.int8], rng: np.random.Generator, missing_rate: float
) -> pl.Series:
    series = pl.Series(name, values, dtype=pl.Int8)
    if missing_rate <= 0:
        return series
    blank = np.flatnonzero(rng.random(len(values), dtype=np.float32) < missing_rate)
    return series.scatter(blank, None) if len(blank) else series


def simulate_cohort(
    n_clients: int,
    n_sessions: int,
    *,
    seed: int,
    instruments: Sequence[str] = ("wai_sr", "wai_sr_t", "sai", "phq9", "gad7"),
    alliance_outcome_r: float = 0.28,
    rupture_rate: float = 0.08,
    rupture_size: float = 1.5,
    repair_prob: float = 0.6,
    dropout_rate: float = 0.2,
    rupture_dropout: float = 0.5,
    missing_rate: float = 0.0,
    alliance_slope: float = 0.05,
    alliance_slope_sd: float = 0.04,
    symptom_slope: float = -0.15,
    symptom_slope_sd: float = 0.10,
    state_sd: float = 0.2,
    therapist_r: float = 0.5,
    slope_r: float = 0.0,
    within_effect: float = 0.0,
) -> Cohort:
    """Simulate a cohort of clients with known alliance, ruptures and outcomes.

    The model is described in the module docstring. ``alliance_outcome_r``
    sets the population correlation between the latent alliance level
    (``truth["alliance_intercept"]``) and the latent rate of symptom
    improvement (``-truth["symptom_slope"]``); the default .28 is the
    meta-analytic alliance-outcome correlation (Flueckiger et al. 2018), an
    observed correlation, which the simulated observed one undershoots by
    measurement error (about two thirds of it; see the module docstring).
    ``rupture_rate`` is a per-session hazard (at most one rupture per
    client); ``rupture_size`` is in latent SDs (about 10 WAI-SR total points
    at the defaults, against a session-to-session SD of about 3.3 points
    from measurement and occasion noise). ``dropout_rate`` (20%, the average
    of Swift & Greenberg 2012) applies to clients without an unrepaired
    rupture; ``rupture_dropout`` is the extra chance of leaving within two
    sessions of an unrepaired one. ``therapist_r`` links the therapist
    form's latent to the client's. ``missing_rate`` blanks each item
    independently.

    >>> c = simulate_cohort(50, 6, seed=1, instruments=("wai_sr", "phq9"))
    >>> c.data.columns[:4]
    ['id', 'session', 'wai_sr_1', 'wai_sr_2']
    >>> c.data["phq9_1"].dtype, c.truth.height
    (Int8, 50)
    """
    if isinstance(n_clients, bool) or not isinstance(n_clients, int) or n_clients < 1:
        raise ValueError(f"n_clients must be a positive integer, got {n_clients!r}")
    if isinstance(n_sessions, bool) or not isinstance(n_sessions, int) or n_sessions < 1:
        raise ValueError(f"n_sessions must be a positive integer, got {n_sessions!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(instruments, str):
        raise TypeError("instruments must be a sequence of instrument ids, not one string")
    for name, p in (
        ("rupture_rate", rupture_rate),
        ("repair_prob", repair_prob),
        ("dropout_rate", dropout_rate),
        ("rupture_dropout", rupture_dropout),
        ("missing_rate", missing_rate),
    ):
        _check_probability(name, p)
    if not -1.0 < alliance_outcome_r < 1.0:
        raise ValueError(f"alliance_outcome_r must lie in (-1, 1), got {alliance_outcome_r}")
    if not alliance_outcome_r**2 + slope_r**2 < 1.0:
        raise ValueError(
            f"alliance_outcome_r**2 + slope_r**2 must be below 1, got r = {alliance_outcome_r}, "
            f"slope_r = {slope_r}"
        )
    if not math.isfinite(within_effect):
        raise ValueError(f"within_effect must be a finite number, got {within_effect}")
    if not -1.0 <= therapist_r <= 1.0:
        raise ValueError(f"therapist_r must lie in [-1, 1], got {therapist_r}")
    for name, v in (
        ("rupture_size", rupture_size),
        ("alliance_slope_sd", alliance_slope_sd),
        ("symptom_slope_sd", symptom_slope_sd),
        ("state_sd", state_sd),
    ):
        if not v >= 0:
            raise ValueError(f"{name} must be >= 0, got {v}")
    if len(set(instruments)) != len(instruments):
        raise ValueError(f"instruments repeat: {list(instruments)}")
    for inst_id in instruments:
        if inst_id not in PROFILES:
            raise ValueError(
                f"cannot simulate {inst_id!r}; supported instruments: {', '.join(PROFILES)}"
            )
    defs = {inst_id: get(inst_id) for inst_id in instruments}
    options = {inst_id: _option_values(defs[inst_id]) for inst_id in instruments}
    params = {
        "n_clients": n_clients,
        "n_sessions": n_sessions,
        "seed": seed,
        "instruments": tuple(instruments),
        "alliance_outcome_r": alliance_outcome_r,
        "rupture_rate": rupture_rate,
        "rupture_size": rupture_size,
        "repair_prob": repair_prob,
        "dropout_rate": dropout_rate,
        "rupture_dropout": rupture_dropout,
        "missing_rate": missing_rate,
        "alliance_slope": alliance_slope,
        "alliance_slope_sd": alliance_slope_sd,
        "symptom_slope": symptom_slope,
        "symptom_slope_sd": symptom_slope_sd,
        "state_sd": state_sd,
        "therapist_r": therapist_r,
        "slope_r": slope_r,
        "within_effect": within_effect,
    }

    n, big_t = n_clients, n_sessions
    rng = _rng(seed, "clients")
    # Client-level latents.
    a0 = rng.standard_normal(n)
    za = rng.standard_normal(n)
    a1 = alliance_slope + alliance_slope_sd * za
    s0 = rng.standard_normal(n)
    z = rng.standard_normal(n)
    r, rs = alliance_outcome_r, slope_r
    s1 = symptom_slope + symptom_slope_sd * (-r * a0 + rs * za + np.sqrt(1.0 - r * r - rs * rs) * z)
    u = rng.standard_normal(n)

    # Dropout without a rupture: leave after a session in 1 .. T-1.
    leaves = rng.random(n) < dropout_rate if big_t > 1 else np.zeros(n, dtype=bool)
    last = np.where(leaves, rng.integers(1, max(big_t, 2), size=n), big_t)

    # Ruptures: first success of a per-session hazard from session 2 on.
    if rupture_rate > 0:
        rupture = 1 + rng.geometric(rupture_rate, size=n)
    else:
        rupture = np.full(n, big_t + 1, dtype=np.int64)
    has_rupture = rupture <= last
    repaired = has_rupture & (rng.random(n) < repair_prob)
    lag = rng.integers(1, 4, size=n)
    repair_at = rupture + lag
    unrepaired = has_rupture & ~repaired
    rupture_leave = unrepaired & (rng.random(n) < rupture_dropout)
    last = np.where(rupture_leave, np.minimum(last, rupture + rng.integers(0, 3, size=n)), last)
    last = np.minimum(last, big_t)

    # Session-level latents on the (client, session) grid.
    t = np.arange(1, big_t + 1, dtype=np.float64)[None, :]
    trajectory = a0[:, None] + a1[:, None] * (t - 1)
    since = t - rupture[:, None]  # 0 at the rupture session
    offset = np.zeros((n, big_t))
    hit = has_rupture[:, None] & (since >= 0)
    fall = -rupture_size * np.ones_like(offset)
    # Repaired: the fall shrinks linearly to 0 at repair_at, then the alliance is
    # on its trajectory and at least at the pre-rupture level.
    shrink = -rupture_size * (1.0 - since / lag[:, None])
    back = np.maximum(0.0, -a1[:, None] * (since + 1))
    repaired_part = np.where(since < lag[:, None], shrink, back)
    offset = np.where(hit, np.where(repaired[:, None], repaired_part, fall), offset)

    observed = t <= last[:, None]  # rows attended
    n_obs = int(observed.sum())
    state = rng.standard_normal((3, n_obs)) * state_sd
    alliance = (trajectory + offset)[observed] + state[0]
    symptom = (s0[:, None] + s1[:, None] * (t - 1))[observed] + state[1]
    if within_effect != 0.0:
        deviation = np.zeros((n, big_t))
        deviation[observed] = offset[observed] + state[0]
        previous = np.concatenate([np.zeros((n, 1)), deviation[:, :-1]], axis=1)
        symptom = symptom + within_effect * previous[observed]
    therapist = (
        therapist_r * alliance
        + np.sqrt(max(0.0, 1.0 - therapist_r**2))
        * np.broadcast_to(u[:, None], (n, big_t))[observed]
        + state[2]
    )
    latents = {"alliance": alliance, "symptom": symptom, "therapist": therapist}

    ids = np.broadcast_to(np.arange(1, n + 1, dtype=np.int64)[:, None], (n, big_t))[observed]
    sessions = np.broadcast_to(np.arange(1, big_t + 1, dtype=np.int64)[None, :], (n, big_t))[
        observed
    ]
    columns: list[pl.Series] = [pl.Series("id", ids), pl.Series("session", sessions)]
    for inst_id in instruments:
        profile = PROFILES[inst_id]
        values = options[inst_id]
        low, width = float(values[0]), float(values[-1] - values[0])
        irng = _rng(seed, f"items:{inst_id}")
        mrng = _rng(seed, f"missing:{inst_id}")
        latent = latents[profile.latent].astype(np.float32)
        items = defs[inst_id].scored_items()
        offsets = irng.normal(0.0, profile.item_spread * width, size=len(items))
        base = np.float32(profile.loading * width) * latent
        for j, item in enumerate(items):
            noise = irng.standard_normal(n_obs, dtype=np.float32)
            x = base + np.float32(low + profile.location * width + offsets[j])
            x += np.float32(profile.noise * width) * noise
            columns.append(
                _with_missing(defs[inst_id].item_column(item), _snap(x, values), mrng, missing_rate)
            )
    data = pl.DataFrame(columns)

    def nullable(values: IntArray, keep: npt.NDArray[np.bool_], name: str) -> pl.Series:
        series = pl.Series(name, values, dtype=pl.Int64)
        return series.scatter(np.flatnonzero(~keep), None)

    truth = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1, dtype=np.int64)),
            pl.Series("alliance_intercept", a0),
            pl.Series("alliance_slope", a1),
            pl.Series("symptom_intercept", s0),
            pl.Series("symptom_slope", s1),
            nullable(rupture, has_rupture, "rupture_session"),
            pl.Series("repaired", repaired).scatter(np.flatnonzero(~has_rupture), None),
            nullable(repair_at, repaired, "repair_session"),
            nullable(last.astype(np.int64), last < big_t, "dropout_session"),
            pl.Series("sessions_attended", last.astype(np.int64)),
        ]
    )
    return Cohort(data=data, truth=truth, params=params)


def risk_item_at_rate(
    data: pl.DataFrame, seed: int, rate: float = OUTPATIENT_RISK_RATE
) -> pl.DataFrame:
    """Keep PHQ-9 item 9 above 0 in about ``rate`` of the rows (the others set to 0).

    :func:`simulate_cohort` draws item 9 from the same symptom latent as the
    other items, so it is above 0 in most simulated sessions, far above the
    rates reported for outpatients (:data:`OUTPATIENT_RISK_RATE`). This thins
    the positive answers at random, keeping each with probability
    ``rate / observed rate``; blanks stay blank. Data already at or below
    ``rate`` is returned unchanged.

    >>> c = simulate_cohort(200, 6, seed=3, instruments=("phq9",))
    >>> thinned = risk_item_at_rate(c.data, seed=3)
    >>> round(float((c.data["phq9_9"] > 0).mean()), 2), round(float((thinned["phq9_9"] > 0).mean()), 2)
    (0.74, 0.11)
    """
    _check_probability("rate", rate)
    column = get("phq9").item_column(9)
    positive = data[column].fill_null(0) > 0
    base = int(positive.sum()) / max(positive.len(), 1)
    if base <= rate:
        return data
    keep = np.random.default_rng(seed).random(data.height) < rate / base
    zero = pl.lit(0, dtype=data.schema[column])
    return data.with_columns(
        pl.when(pl.Series(keep) | ~positive).then(pl.col(column)).otherwise(zero).alias(column)
    )


def simulate_scores(
    n_clients: int,
    n_sessions: int,
    *,
    seed: int,
    within_effect: float = 0.0,
    slope_r: float = -0.6,
    between_r: float = 0.28,
    alliance_level: float = 3.6,
    alliance_level_sd: float = 0.5,
    alliance_slope: float = 0.03,
    alliance_slope_sd: float = 0.04,
    alliance_sd: float = 0.35,
    outcome_level: float = 15.0,
    outcome_level_sd: float = 4.0,
    outcome_slope: float = -0.6,
    outcome_slope_sd: float = 0.4,
    outcome_sd: float = 2.5,
) -> pl.DataFrame:
    """Alliance and outcome scores (no items) with a known within-client effect.

    Model (client ``i``, session ``t = 1 .. n_sessions``):
    ``alliance[i, t] = a0_i + a1_i * (t - 1) + d[i, t]``, ``d ~ N(0,
    alliance_sd)``; ``outcome[i, t] = s0_i + s1_i * (t - 1) + within_effect *
    d[i, t - 1] + f[i, t]`` (no term at ``t = 1``), ``f ~ N(0, outcome_sd)``.
    Client levels and slopes are normal with the given means and SDs, with
    ``corr(a1, s1) = slope_r`` (the correlated-slopes pattern of issue #11:
    -0.6, alliance rising where symptoms fall) and ``corr(a0, s1) =
    -between_r``. The alliance is measured without error, so
    ``within_effect`` is exactly the coefficient a sound within-client model
    of ``outcome[t + 1]`` on the alliance's deviation from the client's own
    trend at ``t`` should recover (in outcome points per alliance point);
    ``within_effect = 0`` is the null. Defaults are illustrative (an SAI-like
    0-5 alliance, a PHQ-9-like outcome), not norms.

    Returns ``id``, ``session``, ``alliance``, ``outcome`` (Float64), sorted.

    >>> df = simulate_scores(50, 6, seed=1, within_effect=-1.5)
    >>> df.shape, df.columns
    ((300, 4), ['id', 'session', 'alliance', 'outcome'])
    """
    if isinstance(n_clients, bool) or not isinstance(n_clients, int) or n_clients < 1:
        raise ValueError(f"n_clients must be a positive integer, got {n_clients!r}")
    if isinstance(n_sessions, bool) or not isinstance(n_sessions, int) or n_sessions < 2:
        raise ValueError(f"n_sessions must be an integer >= 2, got {n_sessions!r}")
    if not slope_r**2 + between_r**2 < 1.0:
        raise ValueError(f"slope_r**2 + between_r**2 must be below 1, got {slope_r}, {between_r}")
    rng = _rng(seed, "scores")
    n, big_t = n_clients, n_sessions
    za, zs, z0 = rng.standard_normal((3, n))
    a0 = alliance_level + alliance_level_sd * z0
    a1 = alliance_slope + alliance_slope_sd * za
    rest = math.sqrt(1.0 - slope_r**2 - between_r**2)
    s1 = outcome_slope + outcome_slope_sd * (slope_r * za - between_r * z0 + rest * zs)
    s0 = outcome_level + outcome_level_sd * rng.standard_normal(n)
    t = np.arange(big_t, dtype=np.float64)[None, :]
    d = alliance_sd * rng.standard_normal((n, big_t))
    previous = np.concatenate([np.zeros((n, 1)), d[:, :-1]], axis=1)
    f = outcome_sd * rng.standard_normal((n, big_t))
    alliance = a0[:, None] + a1[:, None] * t + d
    outcome = s0[:, None] + s1[:, None] * t + within_effect * previous + f
    return pl.DataFrame(
        {
            "id": np.repeat(np.arange(1, n + 1, dtype=np.int64), big_t),
            "session": np.tile(np.arange(1, big_t + 1, dtype=np.int64), n),
            "alliance": alliance.ravel(),
            "outcome": outcome.ravel(),
        }
    )
