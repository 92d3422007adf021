"""Links by e-mail (Django's locmem backend), and tokens kept only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import json

from django.apps import apps
from django.contrib.sessions.models import Session as StoredSession
from django.core import mail
from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.crypto.secrets_box import seal, unseal
from alliance.web.measures.models import Link
from alliance.web.portal.models import PortalAccess

SECRET = "Things at home are worse than I said"


def absolute(token: str) -> str:
    """The link as the client gets it: absolute, on the host the therapist used."""
    return f"http://testserver{reverse('measures:start', args=[token])}"


def new_session_by_email(http: HttpClient, client_pk: int) -> tuple[Link, str]:
    http.post(
        reverse("care:session_new", args=[client_pk]), {"date": "2026-01-12", "send_email": "on"}
    )
    link = Link.objects.filter(session__episode__client_id=client_pk).order_by("-pk").first()
    return link, unseal(http.session[f"link_token_{link.pk}"])


def test_a_new_session_emails_the_link_to_the_client(
    client: HttpClient, alice, c1, c1_sessions
) -> None:
    client.force_login(alice)
    link, token = new_session_by_email(client, c1.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["c1@client.example"]
    assert absolute(token) in message.body
    assert "Going well, I feel heard." not in message.body  # earlier answers
    link.refresh_from_db()
    assert link.sent_to == "c1@client.example"
    assert link.sent_at is not None


def test_emailing_a_started_link_sends_the_link_and_none_of_the_answers(
    client: HttpClient, alice, c1_link
) -> None:
    client.force_login(alice)
    browser = client.session
    browser[f"link_token_{c1_link.link.pk}"] = seal(c1_link.token)
    browser.save()
    Link.objects.filter(pk=c1_link.link.pk).update(
        draft={"session_feedback": {"1": SECRET, "3": 2.0}}
    )
    page = client.post(reverse("care:link_email", args=[c1_link.link.pk]))
    assert page.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert absolute(c1_link.token) in body
    assert SECRET not in body


def test_a_client_without_an_address_gets_no_email(
    client: HttpClient, alice, c1, c1_sessions
) -> None:
    c1.email = ""
    c1.save()
    client.force_login(alice)
    new_session_by_email(client, c1.pk)
    assert mail.outbox == []


def test_the_stored_token_is_its_sha256_hash(c1_link, c1_portal_token) -> None:
    assert c1_link.link.token_hash == hashlib.sha256(c1_link.token.encode()).hexdigest()
    access = PortalAccess.objects.get(client__code="C1-ALPHA", revoked_at__isnull=True)
    assert access.token_hash == hashlib.sha256(c1_portal_token.encode()).hexdigest()


def _every_stored_value() -> str:
    return json.dumps(
        [list(model.objects.values_list()) for model in apps.get_models()],
        default=str,
        ensure_ascii=False,
    )


def test_the_raw_token_is_in_no_table(
    client: HttpClient, alice, c1, c1_sessions, c1_portal_token
) -> None:
    client.force_login(alice)
    _link, token = new_session_by_email(client, c1.pk)
    client.post(reverse("care:portal_link", args=[c1.pk]))
    stored = _every_stored_value()
    assert token not in stored
    assert c1_portal_token not in stored


def test_the_raw_token_is_not_kept_in_the_server_side_session_store(
    client: HttpClient, alice, c1, c1_sessions
) -> None:
    """django_session is a database table: a token kept there is a raw token in the database."""
    client.force_login(alice)
    _link, token = new_session_by_email(client, c1.pk)
    decoded = json.dumps([s.get_decoded() for s in StoredSession.objects.all()])
    assert token not in decoded
