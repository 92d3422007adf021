"""Staff make and revoke their own API tokens on a page; the key is shown once."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from alliance.web.api.models import ApiToken, hash_key
from alliance.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def make_token(client, user, **form):
    client.force_login(user)
    data = {"name": "record system", "scopes": ["read"], "lifetime": "90", **form}
    page = client.post(reverse("api:tokens"), data)
    assert page.status_code == 200
    match = re.search(r"alk_[A-Za-z0-9_\-]+", page.content.decode())
    return page, match.group(0) if match else None


def test_alice_makes_a_token_that_is_shown_once_and_stored_only_as_a_hash(client, alice):
    page, key = make_token(client, alice)
    assert key is not None
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == hash_key(key) and token.scopes == ["read"]
    assert key not in client.get(reverse("api:tokens")).content.decode()
    assert AuditEvent.objects.filter(action="create", object_type="api.apitoken").exists()


def test_a_token_needs_a_scope(client, alice):
    page, key = make_token(client, alice, scopes=[])
    assert "This field is required" in page.content.decode()
    assert key is None
    assert not ApiToken.objects.exists()


def test_alice_revokes_her_token_and_bob_cannot(client, alice, bob):
    make_token(client, alice)
    token = ApiToken.objects.get(user=alice)
    client.force_login(bob)
    assert client.post(reverse("api:token_revoke", args=[token.pk])).status_code == 404
    client.force_login(alice)
    client.post(reverse("api:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_ada_the_administrator_sees_and_revokes_the_clinics_tokens(client, alice, ada, charlie):
    make_token(client, alice, name="alice-ehr")
    make_token(client, charlie, name="charlie-ehr")
    client.force_login(ada)
    listed = client.get(reverse("api:tokens")).content.decode()
    assert "alice-ehr" in listed and "charlie-ehr" not in listed
    theirs = ApiToken.objects.get(user=charlie)
    assert client.post(reverse("api:token_revoke", args=[theirs.pk])).status_code == 404


def test_rita_the_researcher_has_no_token_page(client, rita):
    client.force_login(rita)
    assert client.get(reverse("api:tokens")).status_code == 403
