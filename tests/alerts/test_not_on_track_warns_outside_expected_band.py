"""rule_not_on_track: the latest score beyond the client's expected band, unhealthy side.

Boundary: a score on the band's edge is on track and does NOT fire (as in
alliance.stats.trajectories.on_track).
"""

from __future__ import annotations

import dataclasses

from alliance.alerts import AlertConfig, History, SessionRecord, rule_not_on_track

BAND = {2: (11.0, 17.0), 3: (10.0, 14.0)}
CONFIG = dataclasses.replace(AlertConfig(), expected_band=BAND)


def phq9(*values: float) -> History:
    return History(
        sessions=[SessionRecord(i + 1, client={"phq9_total": v}) for i, v in enumerate(values)]
    )


def test_score_above_band_fires_with_score_and_band() -> None:
    [f] = rule_not_on_track(phq9(18.0, 16.0, 16.0), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "not_on_track",
        "warning",
        3,
        "phq9_total",
    )
    assert dict(f.numbers) == {"score": 16.0, "expected_low": 10.0, "expected_high": 14.0}
    assert "was 16, above the expected range 10 to 14" in f.detail


def test_score_on_the_edge_does_not_fire() -> None:
    assert rule_not_on_track(phq9(18.0, 16.0, 14.0), CONFIG) == []


def test_score_just_beyond_the_edge_fires() -> None:
    assert len(rule_not_on_track(phq9(18.0, 16.0, 14.5), CONFIG)) == 1


def test_better_than_expected_does_not_fire() -> None:
    assert rule_not_on_track(phq9(18.0, 16.0, 5.0), CONFIG) == []


def test_without_a_band_the_rule_is_off() -> None:
    assert rule_not_on_track(phq9(18.0, 16.0, 25.0), AlertConfig()) == []


def test_latest_session_without_a_band_entry_does_not_fire() -> None:
    assert rule_not_on_track(phq9(18.0, 16.0, 16.0, 25.0), CONFIG) == []
