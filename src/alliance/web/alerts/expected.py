"""Expected recovery and alliance noise, from the clinic's own data (core: stats).

The clinic-wide regression of each session's score on the intake score is
cached for a few minutes; a client's band is that regression at their own
intake score. Shown on the outcome chart and used by the not-on-track rule.
The band's central coverage is the setting ``ALLIANCE_EXPECTED_BAND_COVERAGE``
(default 0.5: a typical client is "not on track" in 25% of sessions).
"""

from __future__ import annotations

import dataclasses

import polars as pl
from django.conf import settings
from django.core.cache import cache
from django.db.models import FloatField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from alliance.instruments import registry
from alliance.scoring.keys import parse_key
from alliance.stats import NoiseEstimate, estimate_noise_sd, expected_recovery_band
from alliance.web.measures.models import Response
from alliance.web.score_columns import total_of

BAND_CACHE_SECONDS = 600
BAND_MIN_CLIENTS = 30


def band_coverage() -> float:
    """The expected band's central coverage (setting ``ALLIANCE_EXPECTED_BAND_COVERAGE``)."""
    return float(settings.ALLIANCE_EXPECTED_BAND_COVERAGE)


def clinic_expected_band(
    organisation_id: int, instrument: str, coverage: float | None = None
) -> pl.DataFrame | None:
    """The clinic's regression per session (cached), or None with too few clients.

    ``coverage`` defaults to :func:`band_coverage`.
    """
    coverage = band_coverage() if coverage is None else coverage
    key = f"alliance:band:{organisation_id}:{instrument}:{coverage!r}"
    cached = cache.get(key)
    if cached is not None:
        return pl.DataFrame(cached) if cached else None
    rows = (
        Response.objects.filter(
            session__episode__client__organisation_id=organisation_id,
            instrument=instrument,
            respondent="client",
        )
        .annotate(value=Cast(KeyTextTransform(total_of(instrument), "scores"), FloatField()))
        .values_list("session__episode_id", "session__number", "value")
    )
    frame = pl.DataFrame(
        list(rows), schema={"id": pl.Int64, "session": pl.Int64, "score": pl.Float64}, orient="row"
    ).drop_nulls()
    band = None
    if frame.height and frame["id"].n_unique() >= BAND_MIN_CLIENTS:
        band = expected_recovery_band(
            frame, id_col="id", session_col="session", score_col="score", coverage=coverage
        )
        band = band.filter(
            (pl.col("n") >= BAND_MIN_CLIENTS)
            & pl.col("slope").is_not_null()
            & pl.col("residual_sd").is_not_null()
        )
    cache.set(key, band.to_dict(as_series=False) if band is not None else {}, BAND_CACHE_SECONDS)
    return band


def client_band(
    organisation_id: int, instrument: str, baseline: float | None, coverage: float | None = None
) -> dict[int, tuple[float, float]]:
    """Session number -> (low, high) expected score for a client with this intake score."""
    if baseline is None:
        return {}
    band = clinic_expected_band(organisation_id, instrument, coverage)
    if band is None:
        return {}
    result: dict[int, tuple[float, float]] = {}
    for r in band.iter_rows(named=True):
        centre = r["intercept"] + r["slope"] * baseline
        half = r["z"] * r["residual_sd"]
        result[int(r["session"])] = (float(centre - half), float(centre + half))
    return result


NOISE_CACHE_SECONDS = 600


def clinic_noise(organisation_id: int, columns: tuple[str, ...]) -> dict[str, NoiseEstimate]:
    """The clinic's own session-to-session noise SD of each alliance score (cached).

    :func:`alliance.stats.rupture_noise.estimate_noise_sd` over every client's
    stored scores; :func:`alliance.alerts.rupture.with_clinic_noise` uses an
    estimate only once it rests on enough differences, the documented default
    before that. Columns with too little data are left out.
    """
    key = f"alliance:noise:{organisation_id}:{','.join(columns)}"
    cached = cache.get(key)
    if cached is not None:
        return {c: NoiseEstimate(**v) for c, v in cached.items()}
    estimates: dict[str, NoiseEstimate] = {}
    for column in columns:
        instrument = parse_key(column, registry().values()).instrument
        rows = (
            Response.objects.filter(
                session__episode__client__organisation_id=organisation_id,
                instrument=instrument,
                respondent="client",
            )
            .annotate(value=Cast(KeyTextTransform(column, "scores"), FloatField()))
            .values_list("session__episode_id", "session__number", "value")
        )
        frame = pl.DataFrame(
            list(rows),
            schema={"id": pl.Int64, "session": pl.Int64, "score": pl.Float64},
            orient="row",
        ).drop_nulls()
        try:
            estimates[column] = estimate_noise_sd(frame, score="score")
        except ValueError:  # too few session-to-session differences yet
            continue
    cache.set(key, {c: dataclasses.asdict(e) for c, e in estimates.items()}, NOISE_CACHE_SECONDS)
    return estimates
