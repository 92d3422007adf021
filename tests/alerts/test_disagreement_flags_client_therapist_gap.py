"""rule_disagreement: |client - therapist| item mean >= 1.0 on a WAI-SR subscale, same session.

Boundary: a gap exactly at the threshold (1.0) FIRES.
"""

from __future__ import annotations

from alliance.alerts import AlertConfig, History, SessionRecord, rule_disagreement

CONFIG = AlertConfig()


def session(
    n: int, client: float | None, therapist: float | None, scale: str = "bond"
) -> SessionRecord:
    return SessionRecord(
        n, client={f"wai_sr_{scale}_mean": client}, therapist={f"wai_sr_t_{scale}_mean": therapist}
    )


def test_client_rating_lower_fires_a_warning_with_both_ratings() -> None:
    [f] = rule_disagreement(History(sessions=[session(2, 2.5, 4.0)]), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "disagreement",
        "warning",
        2,
        "wai_sr_bond",
    )
    assert dict(f.numbers) == {"client": 2.5, "therapist": 4.0, "gap": 1.5, "threshold": 1.0}
    assert "Bond" in f.title
    assert "rated WAI-SR Bond (item mean) 2.5 and you rated it 4" in f.detail
    assert "by 1.5 (threshold 1)" in f.detail
    assert any("both ratings" in s for s in f.next_steps)


def test_client_rating_higher_is_info() -> None:
    [f] = rule_disagreement(History(sessions=[session(1, 4.5, 3.0, "goal")]), CONFIG)
    assert (f.severity, f.subscale) == ("info", "wai_sr_goal")
    assert "yours is lower" in f.detail


def test_gap_exactly_at_threshold_fires() -> None:
    [f] = rule_disagreement(History(sessions=[session(1, 3.0, 4.0, "task")]), CONFIG)
    assert f.numbers["gap"] == 1.0


def test_smaller_gap_does_not_fire() -> None:
    assert rule_disagreement(History(sessions=[session(1, 3.25, 4.0)]), CONFIG) == []


def test_ratings_from_different_sessions_are_not_compared() -> None:
    h = History(sessions=[session(1, 2.0, None), session(2, None, 4.5)])
    assert rule_disagreement(h, CONFIG) == []


def test_latest_session_rated_by_both_counts() -> None:
    h = History(sessions=[session(1, 2.0, 4.5), session(2, 4.0, 4.25), session(3, None, 1.0)])
    assert rule_disagreement(h, CONFIG) == []
