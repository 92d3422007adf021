"""Authenticator codes (TOTP): admins and supervisors always, therapists when their clinic says so.

Every test signs in through the real login page; no test uses the
StaffClient shortcut for the person whose sign-in it checks.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from signin_helpers import authenticator, code_for, sign_in, wrong_code

from alliance.web.accounts.middleware import CODE_PENDING
from alliance.web.accounts.otp import TOTPDevice
from alliance.web.audit.models import AuditEvent

ENROL = reverse("accounts:enrol")
VERIFY = reverse("accounts:verify")


def _goes_to(response: Any, url: str) -> bool:
    return response.status_code == 302 and response.headers["Location"].split("?")[0] == url


def test_an_admin_without_a_device_is_sent_to_enrolment_before_any_client_data(
    client: HttpClient, ada, c1, c1_sessions
) -> None:
    assert _goes_to(sign_in(client, "ada"), ENROL)
    for name, args in (("care:dashboard", []), ("care:client", [c1.pk]), ("clinic:team", [])):
        page = client.get(reverse(name, args=args))
        assert _goes_to(page, ENROL), name
    assert "C1-ALPHA" not in client.get(ENROL).content.decode()


def test_the_next_page_is_kept_through_enrolment(client: HttpClient, ada, c1) -> None:
    sign_in(client, "ada")
    url = reverse("care:client", args=[c1.pk])
    page = client.get(url)
    assert page.headers["Location"] == f"{ENROL}?next={quote(url, safe='')}"


def test_the_enrolment_page_shows_an_inline_qr_code_and_the_key_and_needs_no_network(
    client: HttpClient, ada
) -> None:
    sign_in(client, "ada")
    page = client.get(ENROL)
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body
    assert "http://" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    assert "no-store" in page.headers["Cache-Control"]
    device = TOTPDevice.objects.get(user=ada)
    assert not device.confirmed
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=ada).count() == 1, "a reload keeps the same key"


def test_confirming_enrolment_with_the_apps_code_opens_the_app_and_is_audited(
    client: HttpClient, ada, c1
) -> None:
    sign_in(client, "ada")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=ada)
    url = reverse("care:client", args=[c1.pk])
    done = client.post(ENROL, {"code": code_for(device), "next": url})
    assert done.status_code == 302 and done.headers["Location"] == url
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(
        action="create", object_type="otp_totp.totpdevice", object_id=str(device.pk), actor=ada
    ).exists()


def test_a_wrong_code_at_enrolment_is_refused(client: HttpClient, ada) -> None:
    sign_in(client, "ada")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=ada)
    page = client.post(ENROL, {"code": wrong_code(device)})
    assert page.status_code == 200
    assert "That code did not work" in page.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert _goes_to(client.get(reverse("care:dashboard")), ENROL)


def test_a_wrong_totp_code_is_refused(client: HttpClient, sue, c1) -> None:
    device = authenticator(sue)
    assert _goes_to(sign_in(client, "sue"), VERIFY)
    refused = client.post(VERIFY, {"code": wrong_code(device)})
    assert refused.status_code == 200
    assert "That code did not work" in refused.content.decode()
    assert _goes_to(client.get(reverse("care:client", args=[c1.pk])), VERIFY)


def test_the_right_code_opens_the_app_once_and_cannot_be_used_twice(
    client: HttpClient, sue, c1
) -> None:
    device = authenticator(sue)
    sign_in(client, "sue")
    code = code_for(device)
    url = reverse("care:client", args=[c1.pk])
    assert client.post(VERIFY, {"code": code, "next": url}).headers["Location"] == url
    assert client.get(url).status_code == 200
    other = HttpClient()
    sign_in(other, "sue")
    replay = other.post(VERIFY, {"code": code})
    assert replay.status_code == 200, "a code already used is refused (no replay)"


def test_a_code_is_not_asked_again_after_it_was_given(client: HttpClient, sue) -> None:
    device = authenticator(sue)
    sign_in(client, "sue")
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("care:dashboard")).status_code == 200
    assert client.get(VERIFY).status_code == 302


def test_someone_with_a_device_cannot_enrol_a_new_one_with_the_password_alone(
    client: HttpClient, sue
) -> None:
    authenticator(sue)
    sign_in(client, "sue")
    assert _goes_to(client.get(ENROL), VERIFY)
    assert TOTPDevice.objects.filter(user=sue).count() == 1


def test_a_therapist_in_a_clinic_that_requires_2fa_must_enrol(
    client: HttpClient, clinic_a, alice, c1
) -> None:
    clinic_a.require_2fa_for_therapists = True
    clinic_a.save()
    assert _goes_to(sign_in(client, "alice"), ENROL)
    assert _goes_to(client.get(reverse("care:client", args=[c1.pk])), ENROL)


def test_a_therapist_in_a_clinic_that_does_not_require_2fa_goes_straight_in(
    client: HttpClient, alice, c1
) -> None:
    landing = sign_in(client, "alice")
    assert landing.headers["Location"] == reverse("care:dashboard")
    assert client.get(reverse("care:client", args=[c1.pk])).status_code == 200


def test_a_therapist_who_chose_an_authenticator_is_asked_for_a_code(
    client: HttpClient, alice, c1
) -> None:
    device = authenticator(alice)
    assert _goes_to(sign_in(client, "alice"), VERIFY)
    assert client.session.get(CODE_PENDING) is True
    assert _goes_to(client.get(reverse("care:client", args=[c1.pk])), VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(reverse("care:client", args=[c1.pk])).status_code == 200


def test_a_clinic_that_turns_the_requirement_on_sends_signed_in_therapists_to_enrolment(
    client: HttpClient, clinic_a, alice
) -> None:
    sign_in(client, "alice")
    assert client.get(reverse("care:dashboard")).status_code == 200
    clinic_a.require_2fa_for_therapists = True
    clinic_a.save()
    assert _goes_to(client.get(reverse("care:dashboard")), ENROL)


def test_with_2fa_switched_off_for_the_installation_an_admin_goes_straight_in(
    client: HttpClient, ada, settings
) -> None:
    settings.ALLIANCE_REQUIRE_2FA = False
    assert sign_in(client, "ada").headers["Location"] == reverse("care:dashboard")
    assert client.get(reverse("clinic:team")).status_code == 200


def test_signing_out_is_open_before_the_code(client: HttpClient, ada) -> None:
    sign_in(client, "ada")
    assert client.post(reverse("logout")).headers["Location"] == reverse("login")
    assert client.get(reverse("care:dashboard")).headers["Location"].startswith(reverse("login"))


def test_the_code_step_does_not_redirect_off_site(client: HttpClient, sue) -> None:
    device = authenticator(sue)
    sign_in(client, "sue")
    done = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert done.headers["Location"] == reverse("care:dashboard")


# --- the clinic's setting ------------------------------------------------------


def test_an_admin_turns_on_2fa_for_therapists_and_it_is_audited(
    client: HttpClient, ada, clinic_a
) -> None:
    client.force_login(ada)
    url = reverse("accounts:clinic_security")
    assert client.get(url).status_code == 200
    client.post(url, {"require_2fa_for_therapists": "on"})
    clinic_a.refresh_from_db()
    assert clinic_a.require_2fa_for_therapists
    event = AuditEvent.objects.get(action="update", object_type="accounts.organisation")
    assert event.detail == {"require_2fa_for_therapists": True}


@pytest.mark.parametrize("persona", ["alice", "sue", "rita"])
def test_only_admins_change_the_clinics_sign_in_setting(
    client: HttpClient, request: pytest.FixtureRequest, clinic_a, persona: str
) -> None:
    client.force_login(request.getfixturevalue(persona))
    page = client.post(reverse("accounts:clinic_security"), {"require_2fa_for_therapists": "on"})
    assert page.status_code == 403
    clinic_a.refresh_from_db()
    assert not clinic_a.require_2fa_for_therapists


def test_an_admin_resets_a_colleagues_lost_authenticator_but_not_another_clinics(
    client: HttpClient, ada, sue, charlie
) -> None:
    authenticator(sue)
    authenticator(charlie)
    client.force_login(ada)
    url = reverse("accounts:reset_authenticator")
    assert client.post(url, {"user": charlie.pk}).status_code == 404
    assert client.post(url, {"user": "x"}).status_code == 404
    client.post(url, {"user": sue.pk})
    assert not TOTPDevice.objects.filter(user=sue).exists()
    assert TOTPDevice.objects.filter(user=charlie).exists()
    assert AuditEvent.objects.filter(
        action="delete", object_type="accounts.user", object_id=str(sue.pk)
    ).exists()
    other = HttpClient()
    assert _goes_to(sign_in(other, "sue"), ENROL)
