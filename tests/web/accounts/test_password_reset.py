"""Password reset by e-mail: Django's views, our pages, no way to learn who has an account."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from signin_helpers import sign_in

NEW = "a brand new long passphrase"


def _without_csrf(html: bytes) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html.decode())


def test_a_real_user_gets_a_reset_e_mail_with_a_link_from_site_url(
    client: HttpClient, alice, mailoutbox
) -> None:
    page = client.post(reverse("password_reset"), {"email": "ALICE@northside.example"})
    assert page.headers["Location"] == reverse("password_reset_done")
    (mail,) = mailoutbox
    assert mail.to == [alice.email]
    assert "Choose a new Alliance password" in mail.subject
    (link,) = [line for line in mail.body.splitlines() if "/password-reset/" in line]
    assert link.startswith(settings.SITE_URL + "/password-reset/")
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.headers["Location"] == reverse("password_reset_complete")
    assert sign_in(client, "alice", NEW).status_code == 302


def test_the_response_is_identical_for_an_unknown_e_mail(
    client: HttpClient, alice, mailoutbox
) -> None:
    known = client.post(reverse("password_reset"), {"email": alice.email}, follow=True)
    unknown = HttpClient().post(
        reverse("password_reset"), {"email": "nobody@nowhere.example"}, follow=True
    )
    assert len(mailoutbox) == 1
    assert known.redirect_chain == unknown.redirect_chain
    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known.content) == _without_csrf(unknown.content)


def test_a_reset_link_works_once(client: HttpClient, alice, mailoutbox) -> None:
    client.post(reverse("password_reset"), {"email": alice.email})
    (link,) = [line for line in mailoutbox[0].body.splitlines() if "/password-reset/" in line]
    form = client.get(link.removeprefix(settings.SITE_URL), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    again = HttpClient().get(link.removeprefix(settings.SITE_URL), follow=True)
    assert "This link no longer works" in again.content.decode()


def test_the_login_page_offers_the_reset(client: HttpClient) -> None:
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
