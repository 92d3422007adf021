"""Bad input to /fhir/ is a client error (400), never a server error."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from alliance.web.api.pages import issue

pytestmark = pytest.mark.django_db


def _auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue(user, 't', ['read', 'write'], 30)[1]}"}


def test_deeply_nested_fhir_import_is_a_400_not_a_500(alice, c1_sessions):
    body = "[" * 5000 + "]" * 5000
    response = HttpClient(raise_request_exception=False).post(
        "/fhir/QuestionnaireResponse", body, content_type="application/fhir+json", **_auth(alice)
    )
    assert response.status_code == 400


def test_a_huge_fhir_page_number_is_not_a_500(alice, c1_sessions):
    response = HttpClient(raise_request_exception=False).get(
        "/fhir/QuestionnaireResponse",
        {"page": "999999999999999999", "_count": "100"},
        **_auth(alice),
    )
    assert response.status_code in (200, 400), response.status_code
