"""Export: the client's own data as JSON, from their page or by an administrator; every export audited."""

from __future__ import annotations

import json

from django.test import Client as HttpClient
from django.urls import reverse
from rights_helpers import C1_ANSWER, C1_DRAFT, C1_FEEDBACK, C1_NOTE, C1_REFLECTION

from alliance.web.audit.models import AuditEvent
from alliance.web.rights.export import FORMAT


def download(http: HttpClient, url: str) -> dict:
    response = http.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alliance-C1-ALPHA-')
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_clients_export_holds_their_answers_and_goals_and_nothing_of_another_client(
    client: HttpClient, c1_everything, c1_goal, c1_task, x1_everything
) -> None:
    data = download(client, reverse("rights:portal_export", args=[c1_everything.token]))

    assert data["format"] == FORMAT
    assert data["client"]["code"] == "C1-ALPHA"
    (episode,) = data["episodes"]
    first = episode["sessions"][0]
    assert {
        "instrument": "session_feedback",
        "answers": {"1": C1_ANSWER, "3": 5.0},
    }.items() <= next(
        r for r in first["responses"] if r["instrument"] == "session_feedback"
    ).items()
    phq9 = next(r for r in first["responses"] if r["instrument"] == "phq9")
    assert phq9["answers"]["9"] == 0.0 and "phq9_total" in phq9["scores"]
    (goal,) = episode["goals"]
    assert (goal["text"], goal["ratings"][0]["level"]) == (c1_goal.text, 1)
    (task,) = episode["tasks"]
    assert (task["text"], task["reflection"]) == (c1_task.text, C1_REFLECTION)
    assert [f["text"] for f in episode["feedback"]] == [C1_FEEDBACK]
    assert episode["alerts"][0]["resolution_note"] == C1_NOTE
    link = episode["sessions"][3]["questionnaire_links"][0]
    assert link["answers_saved_not_sent"]["session_feedback"]["2"] == C1_DRAFT
    assert episode["consent"]["version"]
    text = json.dumps(data, ensure_ascii=False)
    for secret in x1_everything:
        assert secret not in text
    assert "token_hash" not in text


def test_an_export_from_the_clients_page_is_audited_as_the_client_portal(
    client: HttpClient, c1, c1_everything
) -> None:
    client.get(reverse("rights:portal_export", args=[c1_everything.token]))
    event = AuditEvent.objects.get(action="export")
    assert (event.client, event.actor, event.actor_label) == (c1, None, "client portal")
    assert event.detail == {"format": "json", "via": "portal"}


def test_the_clients_page_offers_the_download(client: HttpClient, c1_portal_token) -> None:
    body = client.get(reverse("portal:home", args=[c1_portal_token])).content.decode()
    assert reverse("rights:portal_export", args=[c1_portal_token]) in body
    assert "Download my data" in body


def test_an_administrator_downloads_a_clients_data_from_the_client_page_and_it_is_audited(
    client: HttpClient, ada, c1, c1_everything, c1_goal
) -> None:
    client.force_login(ada)
    page = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    url = reverse("rights:client_export", args=[c1.pk])
    assert url in page
    data = download(client, url)
    assert data["episodes"][0]["goals"][0]["text"] == c1_goal.text
    event = AuditEvent.objects.get(action="export")
    assert (event.client, event.actor, event.detail) == (
        c1,
        ada,
        {"format": "json", "via": "staff"},
    )


def test_the_clients_therapist_and_a_supervisor_cannot_download_the_export(
    client: HttpClient, alice, sue, c1, c1_everything
) -> None:
    for user in (alice, sue):
        client.force_login(user)
        assert (
            reverse("rights:client_export", args=[c1.pk])
            not in client.get(reverse("care:client", args=[c1.pk])).content.decode()
        )
        assert client.get(reverse("rights:client_export", args=[c1.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_tampered_portal_token_exports_nothing(client: HttpClient, c1_everything) -> None:
    token = c1_everything.token
    for bad in (token[:-1], token + "x", "A" + token[1:] if token[0] != "A" else "B" + token[1:]):
        page = client.get(reverse("rights:portal_export", args=[bad]))
        assert page.status_code == 404
        assert C1_ANSWER not in page.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_guessing_tokens_on_the_download_is_rate_limited_like_every_client_page(
    client: HttpClient, settings, c1_everything
) -> None:
    settings.ALLIANCE_LINK_MAX_UNKNOWN = 2
    statuses = [
        client.get(reverse("rights:portal_export", args=[f"guess{i}"])).status_code
        for i in range(5)
    ]
    assert statuses[:2] == [404, 404] and 429 in statuses
    assert (
        client.get(reverse("rights:portal_export", args=[c1_everything.token])).status_code == 429
    )
