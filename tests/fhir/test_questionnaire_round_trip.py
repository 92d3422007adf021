"""Every instrument as a FHIR Questionnaire, imported back to the identical instrument."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire

from alliance.errors import InstrumentError
from alliance.fhir import FhirError, instrument_from_questionnaire, questionnaire
from alliance.instruments import registry

BUILTIN = sorted(registry())


@pytest.mark.parametrize("instrument_id", BUILTIN)
def test_every_builtin_questionnaire_imports_back_to_the_identical_instrument(
    instrument_id: str,
) -> None:
    original = registry()[instrument_id]
    resource = questionnaire(original)
    assert instrument_from_questionnaire(resource) == original
    assert instrument_from_questionnaire(json.dumps(resource)) == original


@pytest.mark.parametrize("instrument_id", BUILTIN)
def test_every_builtin_questionnaire_validates_with_the_fhir_r4b_model(instrument_id: str) -> None:
    resource = questionnaire(registry()[instrument_id], base_url="https://clinic.example/fhir")
    model = Questionnaire.model_validate(resource)
    assert model.url == f"https://clinic.example/fhir/Questionnaire/{model.id}"
    assert len(model.item) == len(registry()[instrument_id].items)


def test_choice_items_carry_codes_displays_and_ordinal_values() -> None:
    item = questionnaire(registry()["phq9"])["item"][8]
    assert (item["linkId"], item["type"], item["required"]) == ("9", "choice", True)
    coding = item["answerOption"][3]["valueCoding"]
    assert (coding["code"], coding["display"]) == ("3", "Nearly every day")
    assert coding["system"].endswith("/CodeSystem/phq9-responses")
    assert coding["extension"][0]["valueDecimal"] == 3


def test_numeric_and_text_items_get_integer_and_text_types_with_min_and_max() -> None:
    items = questionnaire(registry()["session_feedback"])["item"]
    assert [i["type"] for i in items] == ["text", "text", "integer"]
    limits = {e["url"].rsplit("/", 1)[1]: e["valueInteger"] for e in items[2]["extension"]}
    assert limits == {"minValue": 0, "maxValue": 10}


def test_licence_and_citation_are_shown_in_copyright_and_purpose() -> None:
    phq9 = registry()["phq9"]
    resource = questionnaire(phq9)
    assert phq9.licence.name in resource["copyright"]
    assert phq9.citation.text in resource["purpose"]


def test_an_edited_item_that_disagrees_with_the_embedded_definition_is_refused() -> None:
    resource = questionnaire(registry()["gad7"])
    resource["item"][2]["text"] = "Something else"
    with pytest.raises(FhirError, match=r"item\[2\]\.text: .* differs"):
        instrument_from_questionnaire(resource)


def test_a_broken_embedded_definition_names_the_field() -> None:
    resource = questionnaire(registry()["gad7"])
    definition = json.loads(resource["extension"][0]["valueString"])
    del definition["licence"]
    resource["extension"][0]["valueString"] = json.dumps(definition)
    with pytest.raises(InstrumentError, match="licence"):
        instrument_from_questionnaire(resource)


# --- a Questionnaire from another system ----------------------------------------------------


def srs_like() -> dict[str, Any]:
    """A four-item visual-analogue form as another system might publish it."""
    return {
        "resourceType": "Questionnaire",
        "id": "srs-like",
        "name": "SRSLike",
        "title": "Session rating (test form)",
        "status": "active",
        "description": "Rate today's session on each line.",
        "item": [
            {"linkId": "intro", "type": "display", "text": "About today"},
            *(
                {
                    "linkId": f"q{k}",
                    "type": "decimal",
                    "text": f"Line {k}",
                    "required": True,
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/minValue",
                            "valueDecimal": 0,
                        },
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/maxValue",
                            "valueDecimal": 10,
                        },
                    ],
                }
                for k in range(1, 5)
            ),
        ],
    }


SCORING: dict[str, Any] = {
    "scales": [
        {
            "id": "total",
            "label": "Session rating",
            "items": [1, 2, 3, 4],
            "method": "sum",
            "missing": {"method": "complete", "source": "Test form: every line needed."},
        }
    ],
    "licence": {"name": "Clinic licence", "text": "Used under the clinic's own licence."},
    "citation": {"text": "Test citation."},
}


def test_a_foreign_questionnaire_with_a_scoring_file_becomes_an_instrument() -> None:
    instrument = instrument_from_questionnaire(srs_like(), scoring=SCORING)
    assert instrument.id == "srs_like"
    assert [i.text for i in instrument.items] == ["Line 1", "Line 2", "Line 3", "Line 4"]
    assert instrument.response_for(1).kind == "numeric"
    assert (instrument.response_for(1).low, instrument.response_for(1).high) == (0, 10)
    assert instrument.instructions == "Rate today's session on each line."
    assert instrument.scale("total").items == (1, 2, 3, 4)


def test_the_imported_foreign_instrument_round_trips_through_its_own_questionnaire() -> None:
    instrument = instrument_from_questionnaire(srs_like(), scoring=SCORING)
    assert instrument_from_questionnaire(questionnaire(instrument)) == instrument


@pytest.mark.parametrize("left_out", ["scales", "licence", "citation"])
def test_a_foreign_questionnaire_without_scoring_rules_says_what_to_add(left_out: str) -> None:
    scoring = {k: v for k, v in SCORING.items() if k != left_out}
    with pytest.raises(InstrumentError, match=rf"no {left_out}.*\[\[scales\]\].*\[licence\]"):
        instrument_from_questionnaire(srs_like(), scoring=scoring)


def test_no_scoring_rule_is_invented_for_a_bare_questionnaire() -> None:
    with pytest.raises(InstrumentError, match="nothing about scoring or licensing is assumed"):
        instrument_from_questionnaire(srs_like())


def test_a_choice_option_without_a_numeric_code_or_ordinal_value_names_its_path() -> None:
    resource = srs_like()
    resource["item"][2] = {
        "linkId": "q2",
        "type": "choice",
        "text": "Pick",
        "answerOption": [
            {"valueCoding": {"code": "0", "display": "no"}},
            {"valueCoding": {"code": "yes", "display": "yes"}},
        ],
    }
    with pytest.raises(FhirError, match=r"item\[2\]\.answerOption\[1\]\.valueCoding\.code"):
        instrument_from_questionnaire(resource, scoring=SCORING)


def test_a_numeric_item_without_limits_is_refused_with_its_path() -> None:
    resource = srs_like()
    del resource["item"][1]["extension"]
    with pytest.raises(FhirError, match=r"item\[1\]\.extension: .*minValue"):
        instrument_from_questionnaire(resource, scoring=SCORING)


def test_an_invalid_questionnaire_names_the_failing_fhir_path() -> None:
    resource = srs_like()
    resource["item"][1]["linkId"] = 7
    resource["title"] = {"text": "not a string"}
    with pytest.raises(FhirError) as caught:
        instrument_from_questionnaire(resource)
    assert "item[1].linkId: " in str(caught.value) and "title: " in str(caught.value)


def test_a_scoring_rule_naming_a_missing_item_is_refused() -> None:
    scoring = copy.deepcopy(SCORING)
    scoring["scales"][0]["items"] = [1, 2, 3, 9]
    with pytest.raises(InstrumentError, match=r"scales\[id=total\]\.items: names item 9"):
        instrument_from_questionnaire(srs_like(), scoring=scoring)


def test_an_unknown_scoring_key_is_refused() -> None:
    with pytest.raises(InstrumentError, match=r"unknown key\(s\) \['scoring_rule'\]"):
        instrument_from_questionnaire(srs_like(), scoring={**SCORING, "scoring_rule": "sum"})
