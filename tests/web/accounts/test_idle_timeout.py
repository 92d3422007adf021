"""Staff are signed out after ALLIANCE_IDLE_MINUTES (30) without a request, checked on the server."""

from __future__ import annotations

from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.accounts.middleware import LAST_SEEN


def idle_for(http: HttpClient, minutes: float) -> None:
    session = http.session
    session[LAST_SEEN] = int(session[LAST_SEEN] - minutes * 60)
    session.save()


def test_an_idle_session_expires_and_the_login_page_says_why(client: HttpClient, alice, c1) -> None:
    client.force_login(alice)
    url = reverse("care:client", args=[c1.pk])
    assert client.get(url).status_code == 200
    idle_for(client, 31)
    page = client.get(url)
    assert page.status_code == 302
    assert page.headers["Location"] == f"{reverse('login')}?next={url}"
    login = client.get(page.headers["Location"]).content.decode()
    assert "signed out because nothing happened for 30 minutes" in login
    assert "signed out because" not in client.get(reverse("login")).content.decode(), "said once"


def test_a_session_in_use_stays_open(client: HttpClient, alice) -> None:
    client.force_login(alice)
    idle_for(client, 29)
    assert client.get(reverse("care:dashboard")).status_code == 200
    idle_for(client, 29)  # 58 minutes since sign-in, but never 30 without a request
    assert client.get(reverse("care:dashboard")).status_code == 200


def test_the_idle_time_comes_from_the_settings(client: HttpClient, alice, settings) -> None:
    settings.ALLIANCE_IDLE_MINUTES = 5
    client.force_login(alice)
    idle_for(client, 6)
    assert client.get(reverse("care:dashboard")).status_code == 302


def test_an_idle_session_cannot_post_either(client: HttpClient, alice, c1_sessions) -> None:
    client.force_login(alice)
    idle_for(client, 45)
    page = client.post(reverse("care:link_new", args=[c1_sessions[3].pk]))
    assert page.headers["Location"].startswith(reverse("login"))
