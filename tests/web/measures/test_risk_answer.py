"""A PHQ-9 item 9 answer above 0 shows the crisis page at once and raises an urgent alert."""

from __future__ import annotations

from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import ANSWERS, answer, step_data, step_url

from alliance.web.alerts.models import Alert
from alliance.web.measures.models import Link, Response

RISK = {**ANSWERS["phq9"], "9": 2.0}
PHQ9_STEP = 4


def report_risk(http: HttpClient, link) -> object:
    answer(http, link.token, link.link.instruments, upto=PHQ9_STEP - 1)
    return http.post(step_url(link.token, PHQ9_STEP), step_data("phq9", RISK))


def test_the_crisis_page_shows_at_once(client: HttpClient, c1_link) -> None:
    page = report_risk(client, c1_link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "If you are not safe right now" in body
    assert "116 123" in body  # the clinic's crisis text
    assert step_url(c1_link.token, PHQ9_STEP + 1) in body


def test_an_urgent_alert_is_raised_before_the_questionnaire_is_finished(
    client: HttpClient, c1_link, c1_episode
) -> None:
    report_risk(client, c1_link)
    assert Link.objects.get(pk=c1_link.link.pk).submitted_at is None
    assert Response.objects.filter(session=c1_link.link.session).count() == 0
    alert = Alert.objects.get(episode=c1_episode, rule="risk")
    assert alert.severity == "urgent"
    assert alert.session_number == 4
    assert alert.status == "open"


def test_finishing_after_the_crisis_page_keeps_one_risk_alert(
    client: HttpClient, c1_link, c1_episode
) -> None:
    report_risk(client, c1_link)
    page = client.post(step_url(c1_link.token, 5), step_data("gad7", ANSWERS["gad7"]))
    assert "If you are not safe right now" in page.content.decode()
    assert (
        Response.objects.get(session=c1_link.link.session, instrument="phq9").scores[
            "phq9_flag_risk"
        ]
        is True
    )
    assert Alert.objects.filter(episode=c1_episode, rule="risk").count() == 1


def test_the_therapist_is_emailed_without_the_clients_answers(
    client: HttpClient, c1_link, alice, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report_risk(client, c1_link)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "C1-ALPHA" in message.subject
    assert reverse("care:client", args=[c1_link.link.session.episode.client_id]) in message.body
    for text in ("Fewer questions at the start", "Slowly getting somewhere", "better off dead"):
        assert text not in message.body
