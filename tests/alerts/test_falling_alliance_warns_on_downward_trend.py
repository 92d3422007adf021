"""rule_falling_alliance: OLS slope over the last 4 measured sessions <= threshold.

Boundary: a slope exactly at the threshold (-0.25 per session) FIRES.
"""

from __future__ import annotations

import pytest

from alliance.alerts import AlertConfig, History, SessionRecord, rule_falling_alliance

CONFIG = AlertConfig()


def series(column: str, values: list[float], start: int = 1) -> History:
    return History(
        sessions=[SessionRecord(start + i, client={column: v}) for i, v in enumerate(values)]
    )


def test_steep_fall_fires_with_slope_and_threshold() -> None:
    h = series("sai_total", [4.5, 4.0, 3.5, 3.0, 2.5])
    [f] = rule_falling_alliance(h, CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "falling_alliance",
        "warning",
        5,
        "sai_total",
    )
    assert f.numbers["slope"] == pytest.approx(-0.5)
    assert dict(f.numbers) == pytest.approx(
        {"slope": -0.5, "threshold": -0.25, "first": 4.0, "last": 2.5}
    )
    assert "from 4 in session 2 to 2.5 in session 5" in f.detail
    assert "trend -0.5 per session; threshold -0.25" in f.detail


def test_slope_exactly_at_threshold_fires() -> None:
    # x = 1..4, y = 4, 3.75, 3.5, 3.25: OLS slope exactly -0.25
    [f] = rule_falling_alliance(series("sai_total", [4.0, 3.75, 3.5, 3.25]), CONFIG)
    assert f.numbers["slope"] == -0.25


def test_gentler_fall_does_not_fire() -> None:
    assert rule_falling_alliance(series("sai_total", [4.0, 3.8, 3.6, 3.4]), CONFIG) == []


def test_rising_alliance_does_not_fire() -> None:
    assert rule_falling_alliance(series("sai_total", [2.0, 2.5, 3.0, 3.5]), CONFIG) == []


def test_fewer_than_four_measured_sessions_do_not_fire() -> None:
    assert rule_falling_alliance(series("sai_total", [4.5, 3.5, 2.5]), CONFIG) == []


def test_only_the_last_four_sessions_count() -> None:
    h = series("sai_total", [5.0, 1.0, 3.0, 3.0, 3.0, 3.0])
    assert rule_falling_alliance(h, CONFIG) == []


def test_slope_uses_session_numbers_so_gaps_flatten_the_trend() -> None:
    h = History(
        sessions=[
            SessionRecord(n, client={"sai_total": v})
            for n, v in [(1, 4.0), (5, 3.5), (9, 3.0), (13, 2.5)]
        ]
    )
    assert rule_falling_alliance(h, CONFIG) == []  # -0.5 per 4 sessions = -0.125


def test_falls_back_to_wai_sr_item_mean_without_sai() -> None:
    [f] = rule_falling_alliance(series("wai_sr_total_mean", [4.0, 3.5, 3.0, 2.5]), CONFIG)
    assert f.subscale == "wai_sr_total" and "WAI-SR Total (item mean)" in f.title
