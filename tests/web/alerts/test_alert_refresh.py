"""Re-running the rules stores each finding once and never reopens what a clinician closed."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import STEADY, scores_for

from alliance.web.alerts.models import Alert
from alliance.web.alerts.services import refresh_alerts
from alliance.web.measures.models import Response


def report_risk_at_session_3(episode) -> None:
    answers = {**STEADY["phq9"], "9": 1.0}
    Response.objects.filter(session__episode=episode, session__number=3, instrument="phq9").update(
        answers=answers, scores=scores_for("phq9", answers)
    )


def keys(episode) -> list[tuple[str, str]]:
    return sorted(Alert.objects.filter(episode=episode).values_list("key", "status"))


def test_a_risk_answer_raises_one_urgent_alert(c1_episode, c1_sessions) -> None:
    report_risk_at_session_3(c1_episode)
    created = refresh_alerts(c1_episode, notify=False)
    risk = [a for a in created if a.rule == "risk"]
    assert len(risk) == 1
    assert (risk[0].severity, risk[0].session_number) == ("urgent", 3)
    assert risk[0].next_steps


def test_refreshing_again_creates_nothing(c1_episode, c1_sessions) -> None:
    report_risk_at_session_3(c1_episode)
    refresh_alerts(c1_episode, notify=False)
    before = keys(c1_episode)
    assert refresh_alerts(c1_episode, notify=False) == []
    assert keys(c1_episode) == before


def test_refreshing_never_reopens_or_duplicates_a_resolved_alert(
    client: HttpClient, alice, c1_episode, c1_sessions
) -> None:
    report_risk_at_session_3(c1_episode)
    refresh_alerts(c1_episode, notify=False)
    risk = Alert.objects.get(episode=c1_episode, rule="risk")
    client.force_login(alice)
    client.post(reverse("alerts:resolve", args=[risk.pk]), {"note": "Safety plan agreed by phone."})
    before = keys(c1_episode)
    assert refresh_alerts(c1_episode, notify=False) == []
    assert keys(c1_episode) == before
    risk.refresh_from_db()
    assert (risk.status, risk.resolution_note) == ("resolved", "Safety plan agreed by phone.")


def test_refreshing_leaves_an_acknowledged_alert_acknowledged(
    client: HttpClient, alice, c1_episode, c1_sessions
) -> None:
    report_risk_at_session_3(c1_episode)
    refresh_alerts(c1_episode, notify=False)
    risk = Alert.objects.get(episode=c1_episode, rule="risk")
    client.force_login(alice)
    client.post(reverse("alerts:acknowledge", args=[risk.pk]))
    refresh_alerts(c1_episode, notify=False)
    risk.refresh_from_db()
    assert risk.status == "acknowledged"
    assert Alert.objects.filter(episode=c1_episode, rule="risk").count() == 1
