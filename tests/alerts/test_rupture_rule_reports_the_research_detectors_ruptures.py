"""rule_rupture: the research detector's ruptures, with repair status, as findings.

The rule is the calibrated baseline rule (alliance.stats.ruptures.find_ruptures)
with the config's pooled noise SD: SAI composite 0.35 by default. With three
earlier scores of mean 3.6 the standard error of a new score against that mean
is 0.35 * sqrt(1 + 1/3) = 0.4041.
"""

from __future__ import annotations

import polars as pl
import pytest

from alliance.alerts import AlertConfig, History, SessionRecord, rule_rupture
from alliance.alerts.rupture import false_alarm_rate, rupture_frame, with_clinic_noise
from alliance.stats.rupture_noise import NoiseEstimate
from alliance.stats.ruptures import find_ruptures

CONFIG = AlertConfig()
SE3 = 0.35 * (4 / 3) ** 0.5


def series(values: list[float | None], column: str = "sai_total") -> History:
    return History(
        sessions=[SessionRecord(i + 1, client={column: v}) for i, v in enumerate(values)]
    )


def test_repaired_drop_is_info_with_the_numbers_that_fired() -> None:
    # z = (3.6 - 2.4) / 0.4041 = 2.97 >= 2.2; fall 1.1 >= 0.35; back at 3.6 >= 3.6 - 0.5 * 0.4041.
    [f] = rule_rupture(series([3.6, 3.7, 3.5, 2.4, 3.6]), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == ("rupture", "info", 4, "sai_total")
    assert f.numbers["score"] == 2.4 and f.numbers["previous"] == 3.5
    assert f.numbers["z"] == pytest.approx(1.2 / SE3)
    assert f.numbers["noise_sd"] == 0.35 and f.numbers["repair_session"] == 5.0
    assert "2.97 standard errors below the client's own level" in f.detail
    assert "Repaired" in f.detail and "Rule: baseline." in f.detail
    assert any("without defending yourself" in s for s in f.next_steps)


def test_unrepaired_drop_is_a_warning_flagged_once() -> None:
    [f] = rule_rupture(series([3.6, 3.6, 3.6, 2.4, 2.5, 2.6, 2.6]), CONFIG)
    assert (f.severity, f.session) == ("warning", 4)
    assert "Not repaired" in f.detail


def test_recent_drop_is_a_warning_too_soon_to_tell() -> None:
    [f] = rule_rupture(series([3.6, 3.6, 3.6, 2.4]), CONFIG)
    assert f.severity == "warning" and "Too soon to tell" in f.detail
    assert "repair_session" not in f.numbers


def test_fall_just_past_the_threshold_fires_and_just_short_does_not() -> None:
    edge = 3.6 - 2.2 * SE3
    assert [f.session for f in rule_rupture(series([3.6] * 3 + [edge - 0.001]), CONFIG)] == [4]
    assert rule_rupture(series([3.6] * 3 + [edge + 0.001]), CONFIG) == []


def test_noise_sized_wobbles_do_not_fire() -> None:
    assert rule_rupture(series([3.6, 3.2, 3.9, 3.3, 3.7, 3.1, 3.8]), CONFIG) == []


def test_no_alliance_scores_give_nothing() -> None:
    assert rule_rupture(series([10.0, 20.0], column="phq9_total"), CONFIG) == []


def test_wai_sr_item_mean_is_used_without_sai() -> None:
    [f] = rule_rupture(series([4.5, 4.5, 4.4, 3.25], column="wai_sr_total_mean"), CONFIG)
    assert f.subscale == "wai_sr_total" and "WAI-SR Total (item mean)" in f.title


def test_clinic_estimate_replaces_the_default_only_with_enough_data() -> None:
    few = NoiseEstimate(0.2, 199, 30, "MAD", "x")
    enough = NoiseEstimate(0.2, 200, 30, "MAD", "x")
    assert with_clinic_noise(CONFIG, {"sai_total": few}) is CONFIG
    mine = with_clinic_noise(CONFIG, {"sai_total": enough})
    assert mine.rupture_noise_sd["sai_total"] == 0.2
    assert "this clinic's own estimate" in mine.source("rupture_noise_sd")
    # A fall of 0.7 (z = 0.7 / (0.2 * 1.155) = 3.0) fires with the clinic's SD, not the default.
    values: list[float | None] = [3.6, 3.6, 3.6, 2.9]
    assert rule_rupture(series(values), CONFIG) == []
    assert [f.session for f in rule_rupture(series(values), mine)] == [4]


def test_false_alarm_rate_of_the_defaults_is_about_one_per_hundred_sessions() -> None:
    rate = false_alarm_rate(CONFIG, n_sessions=12)
    assert 0.8 < rate.per_100_sessions < 1.5
    assert "per 100 sessions" in rate.sentence()


SERIES = [
    [3.6, 3.7, 3.5, 2.4, 3.6],
    [3.0, 3.25, 3.0, 3.25, 2.5, 3.5, 1.5, 1.75, 2.0, 4.0],
    [5.0, 3.5, 5.0, 3.0, None, 4.5, 2.0, 2.25],
    [2.0, 2.5, 3.0, 3.5, 4.0, 4.5],
    [4.5, 3.5, 2.5, 1.5, 0.5],
]


@pytest.mark.parametrize("values", SERIES)
def test_rupture_sessions_match_calling_the_detector_directly(values: list[float | None]) -> None:
    h = series(values)
    frame = pl.DataFrame(
        {"id": ["c"] * len(values), "session": list(range(1, len(values) + 1)), "y": values}
    )
    direct = find_ruptures(frame, score="y", noise=0.35).filter(pl.col("rupture"))
    found = rule_rupture(h, CONFIG)
    assert [f.session for f in found] == direct["session"].to_list()
    assert [f.severity == "info" for f in found] == [r == "repaired" for r in direct["repair"]]
    assert direct.height > 0 or values == SERIES[3]


def test_rupture_frame_holds_only_measured_sessions() -> None:
    frame = rupture_frame(series([4.0, None, 3.0]), "sai_total")
    assert frame.rows() == [("client", 1, 4.0), ("client", 3, 3.0)]
