"""A free-text answer longer than the one limit (MAX_TEXT_ANSWER) is refused in FHIR too,
reading and writing, as a breach of a server rule (FhirRuleError, 422) naming the item."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alliance.fhir import FhirRuleError, questionnaire_response, read_questionnaire_response
from alliance.instruments import MAX_TEXT_ANSWER, registry

BASE = "https://clinic.example/fhir"


def _feedback(text: str) -> dict[str, Any]:
    resource = questionnaire_response(
        registry()["session_feedback"], {1: "fine", 3: 7}, base_url=BASE
    )
    resource = json.loads(json.dumps(resource))
    resource["item"][0]["answer"] = [{"valueString": text}]
    return resource


def test_text_at_the_limit_is_read() -> None:
    parsed = read_questionnaire_response(
        _feedback("a" * MAX_TEXT_ANSWER), registry(), base_url=BASE
    )
    assert parsed.answers[1] == "a" * MAX_TEXT_ANSWER


def test_a_two_million_character_value_string_is_refused_naming_the_item() -> None:
    with pytest.raises(FhirRuleError) as info:
        read_questionnaire_response(_feedback("a" * 2_000_000), registry(), base_url=BASE)
    message = str(info.value)
    assert message.startswith("item[0].answer[0].valueString: item 1:")
    assert "2,000,000 characters; at most 4,000" in message


def test_writing_a_response_with_too_long_a_text_is_refused() -> None:
    with pytest.raises(ValueError, match=r"answers\[1\]: the text is 4,001 characters"):
        questionnaire_response(registry()["session_feedback"], {1: "a" * 4001}, base_url=BASE)
