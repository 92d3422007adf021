"""Any JSON given as a QuestionnaireResponse or Questionnaire: a clear error or a result, never a crash."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliance.errors import InstrumentError
from alliance.fhir import (
    FhirError,
    ParsedResponse,
    instrument_from_questionnaire,
    questionnaire,
    questionnaire_response,
    read_questionnaire_response,
)
from alliance.instruments import registry

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
linkids = st.sampled_from(["1", "2", "9", "10", "0", "01", "x", ""]) | st.text(max_size=3)
answers = st.fixed_dictionaries(
    {},
    optional={
        "valueCoding": st.fixed_dictionaries(
            {"code": st.sampled_from(["0", "1", "3", "4", "x"]) | st.text(max_size=3)},
            optional={"system": st.text(max_size=5)},
        ),
        "valueInteger": st.integers(),
        "valueDecimal": st.floats(allow_nan=False, allow_infinity=False),
        "valueString": st.text(max_size=5),
    },
)
items = st.fixed_dictionaries(
    {"linkId": linkids},
    optional={"answer": st.lists(answers, max_size=2), "item": st.just([{"linkId": "2"}])},
)
responses = st.fixed_dictionaries(
    {"resourceType": st.just("QuestionnaireResponse")},
    optional={
        "status": st.sampled_from(["completed", "amended", "in-progress", "x"]),
        "questionnaire": st.sampled_from(["phq9", "wai-sr", "session_feedback", "nope"]),
        "item": st.lists(items, max_size=5),
        "authored": st.sampled_from(["2026-01-01", "2026-01-01T10:00:00Z", "bad"]),
        "subject": json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resource=responses | json_values)
def test_any_json_response_gives_a_parsed_response_or_a_fhir_error(resource: Any) -> None:
    for form in (resource, json.dumps(resource)):
        try:
            result = read_questionnaire_response(form, registry())
        except FhirError as exc:
            assert str(exc)
        else:
            assert isinstance(result, ParsedResponse)
            # What was accepted writes back out and reads back to the same answers.
            again = questionnaire_response(result.instrument, result.answers)
            assert read_questionnaire_response(again, registry()).answers == result.answers


@settings(max_examples=150, deadline=None)
@given(damage=json_values, where=st.sampled_from(["item", "extension", "status", "url"]))
def test_any_damaged_questionnaire_gives_an_instrument_or_a_clear_error(
    damage: Any, where: str
) -> None:
    resource = questionnaire(registry()["gad7"])
    resource[where] = damage
    try:
        instrument_from_questionnaire(resource)
    except (FhirError, InstrumentError) as exc:
        assert str(exc)
