"""Adding a client: the intake form, its errors beside each field, codes unique per clinic."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.care.models import Client
from alliance.web.measures.models import PlanEntry

INTAKE = {
    "code": "C2-NEW",
    "email": "c2@client.example",
    "started": "2026-01-05",
    "hoped_change": "Get back to work",
    "expected_sessions": "10",
    "how_know_working": "I'll go out more",
}


def error_beside(body: str, field: str) -> str | None:
    marker = f'<p class="errorlist" id="id_{field}-error">'
    if marker not in body:
        return None
    return body.split(marker, 1)[1].split("</p>", 1)[0]


def test_alice_adds_a_client_to_her_caseload_with_the_default_plan(
    client: HttpClient, alice, clinic_a
) -> None:
    client.force_login(alice)
    page = client.post(reverse("care:client_new"), INTAKE)
    new = Client.objects.get(code="C2-NEW")
    assert page.status_code == 302
    assert page.headers["Location"] == reverse("care:client", args=[new.pk])
    assert (new.organisation, new.therapist) == (clinic_a, alice)
    episode = new.current_episode()
    assert episode.expected_sessions == 10
    assert episode.consent_at is None
    assert PlanEntry.objects.filter(episode=episode).count() == 6


def test_a_code_already_used_in_the_clinic_is_refused_beside_the_field(
    client: HttpClient, alice, c1
) -> None:
    client.force_login(alice)
    page = client.post(reverse("care:client_new"), {**INTAKE, "code": "C1-ALPHA"})
    assert page.status_code == 200
    assert (
        error_beside(page.content.decode(), "code")
        == "This clinic already has a client with this code."
    )
    assert Client.objects.filter(code="C1-ALPHA").count() == 1


def test_the_same_code_in_other_letter_case_is_refused_too(client: HttpClient, bob, c1) -> None:
    client.force_login(bob)
    page = client.post(reverse("care:client_new"), {**INTAKE, "code": "c1-alpha"})
    assert (
        error_beside(page.content.decode(), "code")
        == "This clinic already has a client with this code."
    )
    assert not Client.objects.filter(code="c1-alpha").exists()


def test_another_clinic_may_use_the_same_code(client: HttpClient, charlie, c1) -> None:
    client.force_login(charlie)
    page = client.post(reverse("care:client_new"), {**INTAKE, "code": "C1-ALPHA"})
    assert page.status_code == 302
    assert Client.objects.filter(code="C1-ALPHA").count() == 2


def test_a_code_with_spaces_or_symbols_is_refused_beside_the_field(
    client: HttpClient, alice
) -> None:
    client.force_login(alice)
    page = client.post(reverse("care:client_new"), {**INTAKE, "code": "Jane Smith!"})
    assert error_beside(page.content.decode(), "code").startswith("Use only letters, digits")
    assert not Client.objects.exists()


def test_expected_sessions_must_be_at_least_one(client: HttpClient, alice) -> None:
    client.force_login(alice)
    page = client.post(reverse("care:client_new"), {**INTAKE, "expected_sessions": "0"})
    assert error_beside(page.content.decode(), "expected_sessions") is not None
    assert not Client.objects.exists()


def test_sue_must_choose_a_therapist_for_the_new_client(client: HttpClient, sue, alice) -> None:
    client.force_login(sue)
    page = client.post(reverse("care:client_new"), INTAKE)
    assert error_beside(page.content.decode(), "therapist") is not None
    page = client.post(reverse("care:client_new"), {**INTAKE, "therapist": alice.pk})
    assert page.status_code == 302
    assert Client.objects.get(code="C2-NEW").therapist == alice


def test_ada_cannot_give_a_client_to_another_clinics_therapist(
    client: HttpClient, ada, charlie, rita
) -> None:
    client.force_login(ada)
    for outsider in (charlie, rita):
        page = client.post(reverse("care:client_new"), {**INTAKE, "therapist": outsider.pk})
        assert error_beside(page.content.decode(), "therapist") is not None
    assert not Client.objects.exists()
