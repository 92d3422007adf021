"""A clinic administrator adds staff under a sign-in name kept within the clinic.

Sign-in names are ``<name>@<clinic>``: the administrator chooses the name, the
clinic's short name is added. So whether a name is free depends on this
clinic's team only (which the administrator sees anyway): nothing is learnt
about the people of other clinics, and everyone still signs in with one name.

Personas: ada administers Northside (clinic A); charlie is a therapist at
Southbank (clinic B).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.accounts.models import User

PASSWORD = "a long enough passphrase"


def add(http: HttpClient, username: str, **extra: Any) -> Any:
    data = {
        "username": username,
        "first_name": "New",
        "last_name": "Colleague",
        "email": "new@northside.example",
        "role": "therapist",
        "password": PASSWORD,
        **extra,
    }
    return http.post(reverse("clinic:team"), data, follow=True)


def _page(response: Any) -> str:
    """The page as the administrator reads it, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_name_used_in_another_clinic_is_accepted_like_a_new_one(
    client: HttpClient, ada, charlie
) -> None:
    assert charlie.username == "charlie"
    client.force_login(ada)
    taken_elsewhere = add(client, "charlie")
    unused = add(client, "zed")
    assert taken_elsewhere.status_code == unused.status_code == 200
    assert "This username" not in _page(taken_elsewhere)
    member = User.objects.get(username="charlie@northside")
    assert member.organisation_id == ada.organisation_id
    assert User.objects.filter(username="zed@northside", organisation=ada.organisation).exists()
    charlie.refresh_from_db()
    assert charlie.username == "charlie" and charlie.organisation.slug == "southbank"


def test_the_answer_is_the_same_whatever_other_clinics_hold(
    client: HttpClient, ada, clinic_b
) -> None:
    """The page ada sees after adding 'sam' is identical whether or not Southbank has a 'sam'."""
    client.force_login(ada)
    first = _page(add(client, "sam"))
    User.objects.filter(username="sam@northside").delete()
    User.objects.create_user(username="sam", organisation=clinic_b, password=PASSWORD)
    User.objects.create_user(username="sam@southbank", organisation=clinic_b, password=PASSWORD)
    second = _page(add(client, "sam"))
    assert first == second


def test_the_same_name_twice_in_one_clinic_is_refused(client: HttpClient, ada) -> None:
    client.force_login(ada)
    add(client, "robin")
    again = add(client, "ROBIN")
    assert "Someone in your clinic already has this username." in again.content.decode()
    assert User.objects.filter(username__iexact="robin@northside").count() == 1


def test_the_success_message_gives_the_full_sign_in_name(client: HttpClient, ada) -> None:
    client.force_login(ada)
    assert "sign in as robin@northside" in add(client, "robin").content.decode()


@pytest.mark.parametrize("name", ["robin@southbank", "robin@", "has space", ""])
def test_a_name_with_an_at_sign_or_space_is_refused(client: HttpClient, ada, name: str) -> None:
    client.force_login(ada)
    page = add(client, name)
    assert page.redirect_chain == []
    assert not User.objects.filter(username__startswith="robin").exists()


def test_the_new_colleague_signs_in_with_the_full_name(client: HttpClient, ada, settings) -> None:
    settings.ALLIANCE_REQUIRE_2FA = False
    client.force_login(ada)
    add(client, "robin")
    fresh = HttpClient()
    signed_in = fresh.post(reverse("login"), {"username": "robin@northside", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] != reverse("login")


def test_the_name_leaves_room_for_the_clinics_short_name(client: HttpClient, ada) -> None:
    room = 150 - len("@northside")
    client.force_login(ada)
    add(client, "n" * (room + 1))
    assert not User.objects.filter(username__startswith="nnn").exists()
    add(client, "n" * room)
    assert User.objects.get(username__startswith="nnn").username == "n" * room + "@northside"
