"""rule_falling_alliance: OLS slope over the last 4 measured sessions <= threshold, and at
least ``falling_z`` (2.33) noise standard errors below flat.

Boundary: a slope exactly at the threshold (-0.25 per session) FIRES when the noise test
is off (``NO_NOISE_TEST``). With the default SAI noise SD 0.35, the slope's standard error
over sessions 1-4 is 0.35 / sqrt(5) = 0.1565, so a fall must reach -0.365 per session.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from alliance.alerts import AlertConfig, History, SessionRecord, rule_falling_alliance

CONFIG = AlertConfig()
NO_NOISE_TEST = replace(CONFIG, falling_z=0.0)
SE = 0.35 / math.sqrt(5)


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
        4,
        "sai_total",
    )
    assert f.numbers["slope"] == pytest.approx(-0.5)
    assert dict(f.numbers) == pytest.approx(
        {"slope": -0.5, "threshold": -0.25, "first": 4.0, "last": 2.5, "se": SE}
    )
    assert "from 4 in session 2 to 2.5 in session 5" in f.detail
    assert "trend -0.5 per session; threshold -0.25, 3.19 standard errors below flat" in f.detail


def test_slope_exactly_at_threshold_fires() -> None:
    # x = 1..4, y = 4, 3.75, 3.5, 3.25: OLS slope exactly -0.25
    [f] = rule_falling_alliance(series("sai_total", [4.0, 3.75, 3.5, 3.25]), NO_NOISE_TEST)
    assert f.numbers["slope"] == -0.25


def test_a_fall_within_noise_does_not_fire() -> None:
    h = series("sai_total", [4.0, 3.7, 3.4, 3.1])  # slope -0.3: 1.9 standard errors
    assert rule_falling_alliance(h, CONFIG) == []
    assert len(rule_falling_alliance(h, NO_NOISE_TEST)) == 1


def test_a_clinic_with_less_noise_needs_a_smaller_fall() -> None:
    h = series("sai_total", [4.0, 3.7, 3.4, 3.1])
    quiet = replace(CONFIG, rupture_noise_sd={"sai_total": 0.2, "wai_sr_total_mean": 0.1})
    [f] = rule_falling_alliance(h, quiet)
    assert f.numbers["se"] == pytest.approx(0.2 / math.sqrt(5))


def test_a_fall_that_goes_on_is_one_alert_keyed_on_its_first_window() -> None:
    values = [4.5, 4.0, 3.5, 3.0, 2.5, 2.0]
    keys = {
        f.key
        for k in range(4, 7)
        for f in rule_falling_alliance(series("sai_total", values[:k]), CONFIG)
    }
    assert keys == {"falling_alliance:4:sai_total"}


def test_gentler_fall_does_not_fire() -> None:
    assert rule_falling_alliance(series("sai_total", [4.0, 3.8, 3.6, 3.4]), NO_NOISE_TEST) == []


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
