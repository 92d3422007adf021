"""Caseloads: a supervisor moves a client to another therapist; a therapist cannot."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.audit.models import AuditEvent


def test_a_supervisor_moves_alices_client_to_bob_and_it_is_audited(
    client: HttpClient, sue, alice, bob, c1
) -> None:
    client.force_login(sue)
    page = client.post(reverse("care:reassign", args=[c1.pk]), {"therapist": bob.pk})
    assert page.status_code == 302
    c1.refresh_from_db()
    assert c1.therapist == bob
    event = AuditEvent.objects.filter(object_id=str(c1.pk), action="update").latest("at")
    assert event.actor == sue
    assert event.detail == {"therapist_from": alice.pk, "therapist_to": bob.pk}


def test_alice_cannot_move_her_own_client_to_bob(client: HttpClient, alice, bob, c1) -> None:
    client.force_login(alice)
    client.post(reverse("care:reassign", args=[c1.pk]), {"therapist": bob.pk})
    c1.refresh_from_db()
    assert c1.therapist == alice


def test_a_therapist_of_another_clinic_is_not_a_valid_target(
    client: HttpClient, sue, alice, charlie, c1
) -> None:
    client.force_login(sue)
    client.post(reverse("care:reassign", args=[c1.pk]), {"therapist": charlie.pk})
    c1.refresh_from_db()
    assert c1.therapist == alice
