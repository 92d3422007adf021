"""rule_expectations_passed and rule_expectations_short.

Passed: latest session > expected sessions (the expected session itself does
not fire) and PHQ-9 improvement < 6 (exactly 6 is reliable: no finding).
Short: expected < 12 * 0.5 = 6 (exactly 6 does not fire).
"""

from __future__ import annotations

from alliance.alerts import (
    PROJECT_DEFAULT,
    AlertConfig,
    Expectations,
    History,
    SessionRecord,
    rule_expectations_passed,
    rule_expectations_short,
)

CONFIG = AlertConfig()


def history(phq9: list[float], expected: int | None) -> History:
    sessions = [SessionRecord(i + 1, client={"phq9_total": v}) for i, v in enumerate(phq9)]
    return History(sessions=sessions, expectations=Expectations(expected, "feel less low"))


def test_passed_expected_sessions_without_reliable_improvement_fires() -> None:
    [f] = rule_expectations_passed(history([18, 17, 16, 16, 15], expected=4), CONFIG)
    assert (f.rule, f.severity, f.session) == ("expectations_passed", "warning", 5)
    assert dict(f.numbers) == {
        "expected_sessions": 4.0,
        "session": 5.0,
        "improvement": 3.0,
        "threshold": 6.0,
    }
    assert "expected about 4 sessions; this is session 5" in f.detail
    assert "from 18 to 15 (improvement 3; reliable improvement needs 6)" in f.detail


def test_at_the_expected_session_does_not_fire() -> None:
    assert rule_expectations_passed(history([18, 17, 16, 15], expected=4), CONFIG) == []


def test_improvement_exactly_reliable_does_not_fire() -> None:
    assert rule_expectations_passed(history([18, 16, 14, 13, 12], expected=4), CONFIG) == []


def test_improvement_just_short_of_reliable_fires() -> None:
    assert len(rule_expectations_passed(history([18, 16, 14, 13, 12.5], expected=4), CONFIG)) == 1


def test_passed_key_stays_on_the_first_session_past_expectations() -> None:
    keys = {
        f.key
        for n in (5, 6, 7)
        for f in rule_expectations_passed(history([18.0] * n, expected=4), CONFIG)
    }
    assert keys == {"expectations_passed:5:-"}


def test_passed_needs_an_expected_number_and_two_outcome_scores() -> None:
    assert rule_expectations_passed(history([18, 18, 18], expected=None), CONFIG) == []
    h = History(sessions=[SessionRecord(n) for n in range(1, 6)], expectations=Expectations(2))
    assert rule_expectations_passed(h, CONFIG) == []


def test_short_expectation_fires_as_info_with_the_usual_number() -> None:
    [f] = rule_expectations_short(history([18], expected=5), CONFIG)
    assert (f.rule, f.severity, f.session) == ("expectations_short", "info", 1)
    assert dict(f.numbers) == {"expected_sessions": 5.0, "usual_sessions": 12.0, "threshold": 6.0}
    assert "expects about 5 sessions; the usual course here is about 12" in f.detail
    assert PROJECT_DEFAULT in CONFIG.source("usual_sessions")


def test_half_the_usual_number_exactly_does_not_fire() -> None:
    assert rule_expectations_short(history([18], expected=6), CONFIG) == []


def test_no_expectation_gives_nothing() -> None:
    assert rule_expectations_short(history([18], expected=None), CONFIG) == []
    assert rule_expectations_short(History(expectations=Expectations(1)), CONFIG) == []
