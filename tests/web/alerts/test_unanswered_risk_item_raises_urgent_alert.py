"""A PHQ-9 with item 9 (risk) left blank is never read as safe: the engine's flag is null,
the note says so, and the therapist gets an urgent alert with next steps."""

from __future__ import annotations

from alliance.web.accounts.models import User
from alliance.web.alerts.models import Alert
from alliance.web.care.models import Session
from alliance.web.measures.answers import record_answers

WITHOUT_ITEM_9 = {str(n): 1.0 for n in range(1, 9)}


def test_a_blank_risk_item_raises_an_urgent_alert_with_next_steps(
    c1_sessions: list[Session], alice: User
) -> None:
    session = c1_sessions[3]
    recorded = record_answers(session, "phq9", "client", WITHOUT_ITEM_9, source="paper", by=alice)
    assert recorded.response.scores["phq9_flag_risk"] is None
    assert "item 9 (risk) unanswered" in recorded.response.scores["phq9_note"]
    alert = Alert.objects.get(episode=session.episode, rule="risk_unanswered")
    assert alert.severity == "urgent" and alert.session_number == session.number
    assert alert.next_steps


def test_an_answered_risk_item_of_zero_raises_no_risk_alert(
    c1_sessions: list[Session], alice: User
) -> None:
    session = c1_sessions[3]
    record_answers(session, "phq9", "client", {**WITHOUT_ITEM_9, "9": 0.0}, source="paper", by=alice)
    assert not Alert.objects.filter(
        episode=session.episode, rule__in=("risk", "risk_unanswered")
    ).exists()
