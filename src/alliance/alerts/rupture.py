"""The rupture rule: the research detector, run on one client's alliance series.

The clinic and the research toolkit must never disagree about which sessions
are ruptures, so this rule builds a one-client frame and calls
:func:`alliance.stats.ruptures.detect_ruptures` with the config's settings.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from alliance.alerts._common import alliance_column, finding, fmt, subscale_of
from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History
from alliance.stats.ruptures import detect_ruptures

__all__ = ["rule_rupture", "rupture_frame"]

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
    return detect_ruptures(
        rupture_frame(history, column),
        score=column,
        min_drop=config.rupture_min_drop[column],
        sd_k=config.rupture_sd_k,
        min_prior=config.rupture_min_prior,
        repair_within=config.rupture_repair_within,
        higher_is_better=config.scales[column].higher_is_better,
    )


_REPAIR = {
    "repaired": "Repaired: back to {previous} or better in session {repair_session}.",
    "not repaired": "Not repaired: no return to {previous} within {within} sessions.",
    "censored": "Too soon to tell whether it is repaired (fewer than {within} later sessions).",
}


def _numbers(row: dict[str, Any], config: AlertConfig, column: str) -> dict[str, float]:
    sign = 1.0 if config.scales[column].higher_is_better else -1.0
    previous = None if row["drop"] is None else row[column] + sign * row["drop"]
    values = {
        "score": row[column],
        "previous": previous,
        "drop": row["drop"],
        "min_drop": config.rupture_min_drop[column],
        "prior_mean": row["prior_mean"],
        "prior_sd": row["prior_sd"],
        "sd_below": row["sd_below"],
        "sd_k": config.rupture_sd_k,
        "repair_session": row["repair_session"],
        # Repair status as data (1 = yes), so dashboards count it without parsing text:
        # ``repaired`` is 1 only when the score came back; ``repair_known`` is 0 while
        # it is too soon to tell (fewer than ``repair_within`` later sessions).
        "repaired": 1.0 if row["repair"] == "repaired" else 0.0,
        "repair_known": 0.0 if row["repair"] == "censored" else 1.0,
    }
    return {k: float(v) for k, v in values.items() if v is not None}


def _detail(row: dict[str, Any], n: dict[str, float], label: str, within: int) -> str:
    rules, session = str(row["rule"]).split("+"), row["session"]
    words = [f"Session {session}: the client's {label} was {fmt(n['score'])}."]
    if "drop" in rules:
        words.append(
            f"It fell from {fmt(n['previous'])} in the previous scored session "
            f"(drop {fmt(n['drop'])}; threshold {fmt(n['min_drop'])})."
        )
    if "sd" in rules:
        words.append(
            f"That is {fmt(n['sd_below'])} SDs below the client's running mean of "
            f"{fmt(n['prior_mean'])} (threshold {fmt(n['sd_k'])} SDs)."
        )
    template = _REPAIR.get(str(row["repair"]), "Repair cannot be assessed.")
    words.append(
        template.format(
            previous=fmt(n.get("previous", 0.0)),
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

    Runs :func:`alliance.stats.ruptures.detect_ruptures` on the first score of
    ``config.alliance_scores`` that the history has, with the config's
    ``rupture_*`` settings, so its rupture sessions are exactly the
    detector's (boundaries included: a drop exactly at ``min_drop`` fires,
    as does a score exactly ``sd_k`` SDs below the running mean). Every
    rupture in the history is reported, with its repair status: repaired ones
    as info, the others (not repaired, or too soon to tell) as warnings.
    """
    column = alliance_column(history, config)
    if column is None:
        return []
    flagged = detect(history, config, column).filter(pl.col("rupture"))
    return [_finding(row, config, column) for row in flagged.iter_rows(named=True)]
