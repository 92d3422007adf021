"""API and FHIR lists run a fixed number of queries, however much history a client has."""

from __future__ import annotations

import pytest
from api_helpers import token_for
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from web_factories import add_sessions, answer_sessions

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/v1/responses/", "/api/v1/scores/", "/api/v1/sessions/", "/api/v1/goals/",
             "/fhir/QuestionnaireResponse", "/fhir/Observation", "/fhir/Encounter",
             "/fhir/Patient"]  # fmt: skip


def _count(http: HttpClient, key: str, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = http.get(path, {"page_size": 100} if "/api/" in path else {"_count": 100},
                            HTTP_AUTHORIZATION=f"Bearer {key}")  # fmt: skip
    assert response.status_code == 200, response.content
    return len(queries)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_list_runs_the_same_queries_for_3_or_15_answered_sessions(
    alice, c1_episode, c1_sessions, c1_goal, path
):
    key = token_for(alice)
    http = HttpClient()
    _count(http, key, path)  # warm up: caches other tests may have cleared (content types)
    small = _count(http, key, path)
    answer_sessions(add_sessions(c1_episode, 12))
    large = _count(http, key, path)
    assert large == small
