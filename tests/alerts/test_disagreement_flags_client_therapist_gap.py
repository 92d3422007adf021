"""rule_disagreement: |client - therapist| item mean >= 1.0 on a WAI-SR subscale, same session,
in the same direction in 2 sessions rated by both in a row.

Boundary: a gap exactly at the threshold (1.0) FIRES. Threshold tests use ``ONE`` (one
session's gap enough) to check the boundary alone.
"""

from __future__ import annotations

from dataclasses import replace

from alliance.alerts import AlertConfig, History, SessionRecord, rule_disagreement

CONFIG = AlertConfig()
ONE = replace(CONFIG, disagreement_confirm=1)


def session(
    n: int, client: float | None, therapist: float | None, scale: str = "bond"
) -> SessionRecord:
    return SessionRecord(
        n, client={f"wai_sr_{scale}_mean": client}, therapist={f"wai_sr_t_{scale}_mean": therapist}
    )


def test_client_rating_lower_fires_a_warning_with_both_ratings() -> None:
    [f] = rule_disagreement(History(sessions=[session(2, 2.5, 4.0)]), ONE)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "disagreement",
        "warning",
        2,
        "wai_sr_bond",
    )
    assert dict(f.numbers) == {
        "client": 2.5,
        "therapist": 4.0,
        "gap": 1.5,
        "threshold": 1.0,
        "sessions": 1.0,
    }
    assert "Bond" in f.title
    assert "rated WAI-SR Bond (item mean) 2.5 and you rated it 4" in f.detail
    assert "by 1.5 (threshold 1)" in f.detail
    assert any("both ratings" in s for s in f.next_steps)


def test_client_rating_higher_is_info() -> None:
    [f] = rule_disagreement(History(sessions=[session(1, 4.5, 3.0, "goal")]), ONE)
    assert (f.severity, f.subscale) == ("info", "wai_sr_goal")
    assert "yours is lower" in f.detail


def test_gap_exactly_at_threshold_fires() -> None:
    [f] = rule_disagreement(History(sessions=[session(1, 3.0, 4.0, "task")]), ONE)
    assert f.numbers["gap"] == 1.0


def test_smaller_gap_does_not_fire() -> None:
    assert rule_disagreement(History(sessions=[session(1, 3.25, 4.0)]), ONE) == []


def test_ratings_from_different_sessions_are_not_compared() -> None:
    h = History(sessions=[session(1, 2.0, None), session(2, None, 4.5)])
    assert rule_disagreement(h, ONE) == []


def test_latest_session_rated_by_both_counts() -> None:
    h = History(sessions=[session(1, 2.0, 4.5), session(2, 4.0, 4.25), session(3, None, 1.0)])
    assert rule_disagreement(h, ONE) == []


def test_one_sessions_gap_alone_does_not_warn_by_default() -> None:
    assert CONFIG.disagreement_confirm == 2
    assert rule_disagreement(History(sessions=[session(1, 2.5, 4.0)]), CONFIG) == []


def test_a_gap_held_in_two_sessions_rated_by_both_warns_keyed_on_the_first() -> None:
    h = History(sessions=[session(1, 2.5, 4.0), session(2, None, 3.0), session(3, 3.0, 4.25)])
    [f] = rule_disagreement(h, CONFIG)
    assert (f.severity, f.session, f.numbers["gap"], f.numbers["sessions"]) == (
        "warning",
        1,
        1.25,
        2.0,
    )
    assert "2 sessions in a row, since session 1" in f.detail


def test_a_gap_that_changes_direction_starts_again() -> None:
    h = History(sessions=[session(1, 2.5, 4.0), session(2, 4.5, 3.0)])
    assert rule_disagreement(h, CONFIG) == []
