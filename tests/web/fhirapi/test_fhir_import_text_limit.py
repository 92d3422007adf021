"""An imported QuestionnaireResponse with free text over the one length limit is refused:
422 OperationOutcome (business rule) naming the item, and nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from fhir.resources.R4B.operationoutcome import OperationOutcome

from alliance.fhir import questionnaire_response
from alliance.instruments import MAX_TEXT_ANSWER, get
from alliance.web.api.pages import issue
from alliance.web.care.models import Session
from alliance.web.fhirapi.services import base_url
from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db


def _post_feedback(user: Any, client_id: int, session: Session, text: str) -> Any:
    body = questionnaire_response(
        get("session_feedback"),
        {1: "fine", 3: 7},
        base_url=base_url(),
        subject=f"Patient/{client_id}",
        encounter=f"Encounter/{session.pk}",
    )
    body["item"][0]["answer"] = [{"valueString": text}]
    token = issue(user, "ehr", ["read", "write"], 30)[1]
    return HttpClient().post(
        "/fhir/QuestionnaireResponse",
        json.dumps(body),
        content_type="application/fhir+json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.fixture
def new_session(c1_episode, c1_sessions) -> Session:
    return Session.objects.create(episode=c1_episode, number=5, date="2026-11-20")


def test_a_two_million_character_answer_is_refused_with_an_operation_outcome(
    alice, c1, new_session
) -> None:
    answer = _post_feedback(alice, c1.pk, new_session, "a" * 2_000_000)
    assert answer.status_code == 422
    body = answer.json()
    OperationOutcome.model_validate(body)
    assert body["issue"][0]["code"] == "business-rule"
    diagnostics = body["issue"][0]["diagnostics"]
    assert "item[0].answer[0].valueString: item 1:" in diagnostics
    assert "at most 4,000" in diagnostics
    assert not Response.objects.filter(session=new_session).exists()


def test_an_answer_at_the_limit_is_stored(alice, c1, new_session) -> None:
    answer = _post_feedback(alice, c1.pk, new_session, "a" * MAX_TEXT_ANSWER)
    assert answer.status_code == 201, answer.content
    stored = Response.objects.get(session=new_session, instrument="session_feedback")
    assert stored.answers["1"] == "a" * MAX_TEXT_ANSWER
