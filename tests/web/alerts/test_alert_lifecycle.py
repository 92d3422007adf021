"""An alert is acknowledged, then resolved with a short note of what was done."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.alerts.lifecycle import NOTE_LIMIT
from alliance.web.alerts.models import Alert


def status(alert: Alert) -> str:
    alert.refresh_from_db()
    return alert.status


def test_alice_acknowledges_then_resolves_with_a_note(
    client: HttpClient, alice, c1, c1_alert
) -> None:
    client.force_login(alice)
    client.post(reverse("alerts:acknowledge", args=[c1_alert.pk]))
    assert status(c1_alert) == "acknowledged"
    assert c1_alert.acknowledged_by == alice
    page = client.post(
        reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "Talked it through; agreed a plan."}
    )
    assert page.headers["Location"] == reverse("care:client", args=[c1.pk]) + "#alerts"
    assert status(c1_alert) == "resolved"
    assert (c1_alert.resolved_by, c1_alert.resolution_note) == (
        alice,
        "Talked it through; agreed a plan.",
    )
    assert c1_alert.resolved_at >= c1_alert.acknowledged_at


def test_the_resolved_alert_moves_to_the_resolved_list_on_the_client_page(
    client: HttpClient, alice, c1, c1_alert
) -> None:
    client.force_login(alice)
    client.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "Repaired in session 4."})
    body = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert f'id="alert-{c1_alert.pk}"' not in body
    assert "Resolved (1)" in body
    assert "Repaired in session 4." in body


def test_resolving_without_a_note_is_refused(client: HttpClient, alice, c1_alert) -> None:
    client.force_login(alice)
    for note in ({}, {"note": ""}, {"note": "   "}):
        page = client.post(reverse("alerts:resolve", args=[c1_alert.pk]), note, follow=True)
        assert "Add a short note on what was done" in page.content.decode()
    assert status(c1_alert) == "open"


def test_a_note_over_the_limit_is_refused(client: HttpClient, alice, c1_alert) -> None:
    client.force_login(alice)
    page = client.post(
        reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "x" * (NOTE_LIMIT + 1)}, follow=True
    )
    assert "The note is too long" in page.content.decode()
    assert status(c1_alert) == "open"
    client.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "x" * NOTE_LIMIT})
    assert status(c1_alert) == "resolved"


def test_resolving_directly_records_the_acknowledgement_too(
    client: HttpClient, sue, c1_alert
) -> None:
    client.force_login(sue)
    client.post(
        reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "Discussed in supervision."}
    )
    assert status(c1_alert) == "resolved"
    assert (c1_alert.acknowledged_by, c1_alert.resolved_by) == (sue, sue)


def test_a_resolved_alert_stays_resolved(client: HttpClient, alice, bob, c1_alert) -> None:
    client.force_login(alice)
    client.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "First note."})
    client.post(reverse("alerts:acknowledge", args=[c1_alert.pk]))
    client.post(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "Second note."})
    assert status(c1_alert) == "resolved"
    assert c1_alert.resolution_note == "First note."


def test_alerts_change_only_by_post(client: HttpClient, alice, c1_alert) -> None:
    client.force_login(alice)
    assert client.get(reverse("alerts:acknowledge", args=[c1_alert.pk])).status_code == 405
    assert (
        client.get(reverse("alerts:resolve", args=[c1_alert.pk]), {"note": "x"}).status_code == 405
    )
    assert status(c1_alert) == "open"
