"""rule_deterioration: PHQ-9 up >= 6 or GAD-7 up >= 4 from the first measured session,
in 2 measured sessions in a row.

Thresholds come from the instrument files (min_reliable_change).
Boundary: a rise exactly at the reliable change FIRES. Threshold tests use ``ONE``
(one reading enough) to check the boundary alone.
"""

from __future__ import annotations

from dataclasses import replace

from alliance.alerts import AlertConfig, History, SessionRecord, rule_deterioration
from alliance.instruments import get

CONFIG = AlertConfig()
ONE = replace(CONFIG, deterioration_confirm=1)


def series(column: str, values: list[float]) -> History:
    return History(
        sessions=[SessionRecord(i + 1, client={column: v}) for i, v in enumerate(values)]
    )


def test_thresholds_are_read_from_the_instrument_files() -> None:
    for column, instrument in (("phq9_total", "phq9"), ("gad7_total", "gad7")):
        change = get(instrument).scale("total").change
        assert change is not None
        assert CONFIG.reliable_change[column] == change.min_reliable_change
    assert dict(CONFIG.reliable_change) == {"phq9_total": 6.0, "gad7_total": 4.0}


def test_phq9_rise_beyond_reliable_change_fires_with_numbers() -> None:
    [f] = rule_deterioration(series("phq9_total", [8.0, 11.0, 15.0]), ONE)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "deterioration",
        "warning",
        3,
        "phq9_total",
    )
    assert dict(f.numbers) == {
        "first": 8.0,
        "latest": 15.0,
        "change": 7.0,
        "threshold": 6.0,
        "sessions": 1.0,
    }
    assert "PHQ-9" in f.title
    assert "rose from 8 in session 1 to 15 in session 3 (worse by 7; reliable change 6)" in f.detail


def test_phq9_rise_exactly_at_reliable_change_fires() -> None:
    [f] = rule_deterioration(series("phq9_total", [8.0, 14.0]), ONE)
    assert f.numbers["change"] == 6.0


def test_phq9_rise_below_reliable_change_does_not_fire() -> None:
    assert rule_deterioration(series("phq9_total", [8.0, 13.0]), ONE) == []


def test_gad7_uses_its_own_reliable_change_of_four() -> None:
    [f] = rule_deterioration(series("gad7_total", [5.0, 9.0]), ONE)
    assert f.subscale == "gad7_total" and f.numbers["threshold"] == 4.0
    assert rule_deterioration(series("gad7_total", [5.0, 8.0]), ONE) == []


def test_improvement_does_not_fire() -> None:
    assert rule_deterioration(series("phq9_total", [20.0, 8.0]), CONFIG) == []


def test_a_single_score_does_not_fire() -> None:
    assert rule_deterioration(series("phq9_total", [27.0]), CONFIG) == []


def test_one_reading_past_reliable_change_does_not_warn_by_default() -> None:
    assert CONFIG.deterioration_confirm == 2
    assert rule_deterioration(series("phq9_total", [8.0, 11.0, 15.0]), CONFIG) == []


def test_two_readings_in_a_row_warn_once_keyed_on_the_first() -> None:
    scores = [8.0, 15.0, 14.0]
    [f] = rule_deterioration(series("phq9_total", scores), CONFIG)
    assert (f.session, f.numbers["latest"], f.numbers["sessions"]) == (2, 14.0, 2.0)
    [later] = rule_deterioration(series("phq9_total", [*scores, 18.0]), CONFIG)
    assert later.key == f.key and later.numbers["latest"] == 18.0


def test_a_reading_back_within_reliable_change_breaks_the_spell() -> None:
    assert rule_deterioration(series("phq9_total", [8.0, 15.0, 10.0, 15.0]), CONFIG) == []
