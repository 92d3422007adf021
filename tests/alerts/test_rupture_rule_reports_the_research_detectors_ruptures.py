"""rule_rupture: the research detector's ruptures, with repair status, as findings.

Boundary (the detector's): a drop exactly at min_drop (1.0) FIRES.
"""

from __future__ import annotations

import polars as pl
import pytest

from alliance.alerts import AlertConfig, History, SessionRecord, rule_rupture
from alliance.alerts.rupture import rupture_frame
from alliance.stats.ruptures import detect_ruptures

CONFIG = AlertConfig()


def series(values: list[float | None], column: str = "sai_total") -> History:
    return History(
        sessions=[SessionRecord(i + 1, client={column: v}) for i, v in enumerate(values)]
    )


def test_repaired_drop_is_info_with_the_numbers_that_fired() -> None:
    [f] = rule_rupture(series([4.0, 4.25, 4.0, 2.75, 4.0]), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == ("rupture", "info", 4, "sai_total")
    assert f.numbers["score"] == 2.75 and f.numbers["previous"] == 4.0
    assert f.numbers["drop"] == 1.25 and f.numbers["min_drop"] == 1.0
    assert f.numbers["repair_session"] == 5.0
    assert "It fell from 4 in the previous scored session (drop 1.25; threshold 1)." in f.detail
    assert "Repaired" in f.detail and "Rule: drop+sd." in f.detail
    assert any("without defending yourself" in s for s in f.next_steps)


def test_unrepaired_drop_is_a_warning() -> None:
    [f] = rule_rupture(series([4.0, 4.0, 4.0, 2.5, 2.75, 3.0, 3.25]), CONFIG)
    assert (f.severity, f.session) == ("warning", 4)
    assert "Not repaired: no return to 4 within 3 sessions." in f.detail


def test_recent_drop_is_a_warning_too_soon_to_tell() -> None:
    [f] = rule_rupture(series([4.0, 4.0, 4.0, 2.5]), CONFIG)
    assert f.severity == "warning" and "Too soon to tell" in f.detail
    assert "repair_session" not in f.numbers


def test_drop_exactly_at_min_drop_fires() -> None:
    [f] = rule_rupture(series([4.0, 4.0, 4.0, 3.0]), CONFIG)
    assert f.numbers["drop"] == 1.0


def test_smaller_drop_from_a_flat_series_does_not_fire() -> None:
    assert rule_rupture(series([4.0, 4.0, 4.0, 3.25]), CONFIG) == []


def test_sd_rule_alone_reports_sds_below_the_running_mean() -> None:
    [f] = rule_rupture(series([3.0, 3.25, 3.0, 3.25, 2.5]), CONFIG)
    assert f.numbers["sd_below"] == pytest.approx(4.330127, abs=1e-6)
    assert "4.33 SDs below the client's running mean" in f.detail
    assert "Rule: sd." in f.detail and "It fell" not in f.detail


def test_no_alliance_scores_give_nothing() -> None:
    assert rule_rupture(series([10.0, 20.0], column="phq9_total"), CONFIG) == []


def test_wai_sr_item_mean_is_used_without_sai() -> None:
    [f] = rule_rupture(series([4.5, 4.5, 3.25], column="wai_sr_total_mean"), CONFIG)
    assert f.subscale == "wai_sr_total" and "WAI-SR Total (item mean)" in f.title


SERIES = [
    [4.0, 4.25, 4.0, 2.75, 4.0],
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
    direct = detect_ruptures(
        frame, score="y", min_drop=1.0, sd_k=2.0, min_prior=3, repair_within=3
    ).filter(pl.col("rupture"))
    found = rule_rupture(h, CONFIG)
    assert [f.session for f in found] == direct["session"].to_list()
    assert [f.severity == "info" for f in found] == [r == "repaired" for r in direct["repair"]]
    assert direct.height > 0 or values == SERIES[3]


def test_rupture_frame_holds_only_measured_sessions() -> None:
    frame = rupture_frame(series([4.0, None, 3.0]), "sai_total")
    assert frame.rows() == [("client", 1, 4.0), ("client", 3, 3.0)]
