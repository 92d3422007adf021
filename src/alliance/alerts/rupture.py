"""The rupture rule: the research detector, run on one client's alliance series.

The clinic and the research toolkit must never disagree about which sessions
are ruptures, so this rule builds a one-client frame and calls
:func:`alliance.stats.ruptures.find_ruptures` with the config's settings and
the config's pooled noise SD. That SD is a documented default until the
clinic has enough data of its own: :func:`with_clinic_noise` puts the
clinic's estimate in its place, and :func:`false_alarm_rate` gives the
expected false-alarm rate of the settings in use (for the clinic page).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import polars as pl

from alliance.alerts._common import alliance_column, finding, fmt, subscale_of
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History
from alliance.stats.rupture_noise import (
    MIN_NOISE_PAIRS,
    FalseAlarmRate,
    NoiseEstimate,
    expected_false_alarm_rate,
)
from alliance.stats.ruptures import find_ruptures

__all__ = ["false_alarm_rate", "rule_rupture", "rupture_frame", "with_clinic_noise"]

_CLIENT = "client"


def rupture_frame(history: History, column: str) -> pl.DataFrame:
    """One client's measured sessions of ``column`` as ``id``, ``session``, ``column``."""
    points = history.values(column)
    return pl.DataFrame(
        {
            "id": [_CLIENT] * len(points),
            "session": [s for s, _ in points],
            column: [v for _, v in points],
        },
        schema={"id": pl.String, "session": pl.Int64, column: pl.Float64},
    )


def detect(history: History, config: AlertConfig, column: str) -> pl.DataFrame:
    """The detector's output for this history, with the config's settings."""
    return find_ruptures(
        rupture_frame(history, column),
        score=column,
        noise=config.rupture_noise_sd[column],
        settings=config.rupture_settings(),
        higher_is_better=config.scales[column].higher_is_better,
    )


def with_clinic_noise(
    config: AlertConfig,
    estimates: Mapping[str, NoiseEstimate],
    *,
    min_pairs: int = MIN_NOISE_PAIRS,
) -> AlertConfig:
    """``config`` with the clinic's own noise SDs where they rest on enough data.

    ``estimates`` maps score columns (``sai_total``...) to
    :func:`alliance.stats.rupture_noise.estimate_noise_sd` over the clinic's
    stored scores. An estimate with at least ``min_pairs`` session-to-session
    differences replaces the documented default for its column, and the
    ``rupture_noise_sd`` source says which columns come from where; the
    others keep the default.

    >>> from alliance.stats.rupture_noise import NoiseEstimate
    >>> est = NoiseEstimate(0.3, 450, 60, "MAD", "estimated from this data")
    >>> c = with_clinic_noise(AlertConfig(), {"sai_total": est})
    >>> c.rupture_noise_sd["sai_total"], c.rupture_noise_sd["wai_sr_total_mean"]
    (0.3, 0.175)
    """
    noise = dict(config.rupture_noise_sd)
    used = {c: e for c, e in estimates.items() if e.pairs >= min_pairs and c in noise}
    if not used:
        return config
    noise.update({c: e.sd for c, e in used.items()})
    words = "; ".join(
        f"{c}: this clinic's own estimate, {e.sd:.3f} ({e.pairs:,} session-to-session "
        f"differences, {e.clients:,} clients; {e.method})"
        for c, e in used.items()
    )
    sources = dict(config.sources)
    sources["rupture_noise_sd"] = f"{words}. Others: {config.sources['rupture_noise_sd']}"
    return dataclasses.replace(
        config, rupture_noise_sd=MappingProxyType(noise), sources=MappingProxyType(sources)
    )


def false_alarm_rate(config: AlertConfig, n_sessions: int = 12) -> FalseAlarmRate:
    """Expected false alarms of the rupture rule with ``config``'s settings (stable clients).

    :func:`alliance.stats.rupture_noise.expected_false_alarm_rate`; its
    ``sentence()`` is the line for the clinic page.
    """
    return expected_false_alarm_rate(config.rupture_settings(), n_sessions=n_sessions)


_REPAIR = {
    "repaired": "Repaired: back near the client's level of {previous} in session {repair_session}.",
    "not repaired": "Not repaired: no return near the client's level of {previous} within "
    "{within} sessions.",
    "censored": "Too soon to tell whether it is repaired (fewer than {within} later sessions).",
}


def _numbers(row: dict[str, Any], config: AlertConfig, column: str) -> dict[str, float]:
    sign = 1.0 if config.scales[column].higher_is_better else -1.0
    previous = None if row["drop"] is None else row[column] + sign * row["drop"]
    values = {
        "score": row[column],
        "previous": previous,
        "drop": row["drop"],
        "noise_sd": config.rupture_noise_sd[column],
        "prior_mean": row["prior_mean"],
        "z": row["z"],
        "z_k": config.rupture_z_k,
        "threshold": row["threshold"],
        "repair_session": row["repair_session"],
        # Repair status as data (1 = yes), so dashboards count it without parsing text:
        # ``repaired`` is 1 only when the score came back; ``repair_known`` is 0 while
        # it is too soon to tell (fewer than ``repair_within`` later sessions).
        "repaired": 1.0 if row["repair"] == "repaired" else 0.0,
        "repair_known": 0.0 if row["repair"] == "censored" else 1.0,
    }
    return {k: float(v) for k, v in values.items() if v is not None}


def _detail(row: dict[str, Any], n: dict[str, float], label: str, within: int) -> str:
    session = row["session"]
    words = [
        f"Session {session}: the client's {label} was {fmt(n['score'])}, down from "
        f"{fmt(n['previous'])} in the previous scored session.",
        f"That is {fmt(n['z'])} standard errors below the client's own level "
        f"(mean {fmt(n['prior_mean'])} of {row['n_prior']} earlier sessions; threshold "
        f"{fmt(n['z_k'])}, session-to-session SD {fmt(n['noise_sd'])}).",
    ]
    template = _REPAIR.get(str(row["repair"]), "Repair cannot be assessed.")
    words.append(
        template.format(
            previous=fmt(n["prior_mean"]),
            repair_session=row["repair_session"],
            within=within,
        )
    )
    return " ".join([*words, f"Rule: {row['rule']}."])


def _finding(row: dict[str, Any], config: AlertConfig, column: str) -> Finding:
    info, numbers = config.scales[column], _numbers(row, config, column)
    within = config.rupture_repair_within
    return finding(
        "rupture",
        "info" if row["repair"] == "repaired" else "warning",
        int(row["session"]),
        f"Possible rupture: {info.label}",
        _detail(row, numbers, info.label, within),
        numbers,
        subscale_of(info),
    )


def rule_rupture(history: History, config: AlertConfig) -> list[Finding]:
    """One finding per rupture the research detector flags in the preferred alliance score.

    Runs :func:`alliance.stats.ruptures.find_ruptures` on the first score of
    ``config.alliance_scores`` that the history has, with the config's
    ``rupture_*`` settings and noise SD, so its rupture sessions are exactly
    the detector's (boundaries included: ``z`` exactly at ``rupture_z_k``
    fires). Every
    rupture in the history is reported, with its repair status: repaired ones
    as info, the others (not repaired, or too soon to tell) as warnings.
    The expected false-alarm rate of these settings is
    :func:`false_alarm_rate` (about 1 per 100 stable sessions by default).
    """
    column = alliance_column(history, config)
    if column is None:
        return []
    flagged = detect(history, config, column).filter(pl.col("rupture"))
    return [_finding(row, config, column) for row in flagged.iter_rows(named=True)]
