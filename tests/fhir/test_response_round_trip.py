"""Answers -> QuestionnaireResponse -> answers read back give identical scores (issue #5)."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir_helpers import random_answers, scores_of

from alliance.fhir import (
    FhirError,
    instrument_from_questionnaire,
    observations,
    questionnaire,
    questionnaire_response,
    read_questionnaire_response,
)
from alliance.instruments import registry

BUILTIN = sorted(registry())
BASE = "https://clinic.example/fhir"
WHEN = dt.datetime(2026, 3, 4, 17, 30, tzinfo=dt.UTC)


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal scores, NaN equal to NaN."""
    return a.keys() == b.keys() and all(
        x == y
        or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
        for x, y in ((a[k], b[k]) for k in a)
    )


@pytest.mark.parametrize("instrument_id", BUILTIN)
def test_export_import_and_score_gives_identical_scores_for_every_instrument(
    instrument_id: str,
) -> None:
    original = registry()[instrument_id]
    imported = instrument_from_questionnaire(questionnaire(original, base_url=BASE), scoring=None)
    rng = random.Random(instrument_id)
    for trial in range(40):
        answers = random_answers(original, rng, p_missing=0.0 if trial < 5 else 0.2)
        resource = questionnaire_response(
            original, answers, base_url=BASE, subject="Patient/7", authored=WHEN
        )
        QuestionnaireResponse.model_validate(resource)
        wire = json.loads(json.dumps(resource))
        parsed = read_questionnaire_response(wire, {imported.id: imported}, base_url=BASE)
        assert parsed.instrument == original
        assert parsed.answers == answers
        assert same(scores_of(imported, parsed.answers), scores_of(original, answers))


@pytest.mark.parametrize("instrument_id", BUILTIN)
def test_every_score_observation_validates_and_points_at_its_response(instrument_id: str) -> None:
    instrument = registry()[instrument_id]
    answers = random_answers(instrument, random.Random(1), p_missing=0.0)
    scores = scores_of(instrument, answers)
    found = observations(
        instrument,
        scores,
        base_url=BASE,
        subject="Patient/7",
        effective=WHEN,
        derived_from="QuestionnaireResponse/42",
        id_prefix="r42",
    )
    assert len(found) == len(instrument.scales)
    for resource, scale in zip(found, instrument.scales, strict=True):
        model = Observation.model_validate(resource)
        assert model.status == "final"
        assert model.derivedFrom[0].reference == "QuestionnaireResponse/42"
        assert resource["code"]["coding"][0]["code"] == scale.id
        assert resource["valueQuantity"]["value"] == pytest.approx(
            scores[f"{instrument.id}_{scale.id}"]
        )


def test_phq9_and_gad7_totals_carry_their_loinc_codes_and_band() -> None:
    for instrument_id, loinc in (("phq9", "44261-6"), ("gad7", "70274-6")):
        instrument = registry()[instrument_id]
        answers = dict.fromkeys(range(1, len(instrument.items) + 1), 1.0)
        (obs,) = observations(instrument, scores_of(instrument, answers))
        assert {"system": "http://loinc.org", "code": loinc} in obs["code"]["coding"]
        assert obs["component"][0]["valueString"] in ("mild", "minimal")


def test_a_scale_with_too_many_missing_items_gives_no_observation() -> None:
    phq9 = registry()["phq9"]
    scores = scores_of(phq9, {1: 1.0, 2: 1.0})
    assert observations(phq9, scores) == []


def test_an_answer_outside_the_scale_is_refused_when_writing() -> None:
    with pytest.raises(ValueError, match=r"answers\[2\]: 4 is not one of 0, 1, 2, 3"):
        questionnaire_response(registry()["phq9"], {2: 4})


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match=r"authored: .*time zone"):
        questionnaire_response(registry()["phq9"], {1: 0}, authored=dt.datetime(2026, 1, 1))


# --- responses from another system ----------------------------------------------------------


def good() -> dict[str, Any]:
    resource = questionnaire_response(
        registry()["phq9"], dict.fromkeys(range(1, 10), 1), base_url=BASE, authored=WHEN
    )
    return json.loads(json.dumps(resource))


def read(resource: Any) -> Any:
    return read_questionnaire_response(resource, registry(), base_url=BASE)


def test_context_is_read_back() -> None:
    resource = good()
    resource["subject"] = {"reference": "Patient/9"}
    resource["encounter"] = {"reference": "Encounter/3"}
    parsed = read(resource)
    assert (parsed.subject, parsed.encounter, parsed.authored) == ("Patient/9", "Encounter/3", WHEN)


@pytest.mark.parametrize(
    "canonical", [f"{BASE}/Questionnaire/phq9", f"{BASE}/Questionnaire/phq9|1.0", "phq9"]
)
def test_the_questionnaire_may_be_named_by_canonical_with_version_or_bare_id(
    canonical: str,
) -> None:
    resource = good()
    resource["questionnaire"] = canonical
    assert read(resource).instrument.id == "phq9"


def test_underscored_ids_are_found_by_their_fhir_id() -> None:
    wai = registry()["wai_sr"]
    resource = questionnaire_response(wai, {1: 3}, base_url=BASE)
    assert resource["questionnaire"] == f"{BASE}/Questionnaire/wai-sr"
    assert read(resource).instrument.id == "wai_sr"


def break_code(r: dict[str, Any]) -> None:
    r["item"][3]["answer"][0]["valueCoding"]["code"] = "7"


def unknown_link(r: dict[str, Any]) -> None:
    r["item"][4]["linkId"] = "10"


def duplicate_link(r: dict[str, Any]) -> None:
    r["item"][5]["linkId"] = "1"


def two_answers(r: dict[str, Any]) -> None:
    r["item"][2]["answer"].append(r["item"][2]["answer"][0])


def out_of_range(r: dict[str, Any]) -> None:
    r["item"][6]["answer"] = [{"valueInteger": 5}]


def wrong_questionnaire(r: dict[str, Any]) -> None:
    r["questionnaire"] = f"{BASE}/Questionnaire/ors"


def invalid_fhir(r: dict[str, Any]) -> None:
    r["item"][1]["answer"] = {"valueCoding": "1"}


def in_progress(r: dict[str, Any]) -> None:
    r["status"] = "in-progress"


def wrong_system(r: dict[str, Any]) -> None:
    r["item"][0]["answer"][0]["valueCoding"]["system"] = "http://example.org/other"


def wrong_type(r: dict[str, Any]) -> None:
    r["item"][8]["answer"] = [{"valueString": "2"}]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (break_code, r"item\[3\]\.answer\[0\]\.valueCoding\.code: '7' is not one of 0, 1, 2, 3"),
        (unknown_link, r"item\[4\]\.linkId: phq9 has no item '10'"),
        (duplicate_link, r"item\[5\]\.linkId: item '1' appears twice \(also at item\[0\]\)"),
        (two_answers, r"item\[2\]\.answer: item 3 has 2 answers"),
        (out_of_range, r"item\[6\]\.answer\[0\]\.valueInteger: 5 is not one of 0, 1, 2, 3"),
        (wrong_questionnaire, r"questionnaire: .*/Questionnaire/ors' names no known instrument"),
        (invalid_fhir, r"invalid FHIR QuestionnaireResponse:\nitem\[1\]\.answer"),
        (in_progress, r"status: 'in-progress'; only completed or amended"),
        (wrong_system, r"item\[0\]\.answer\[0\]\.valueCoding\.system"),
        (wrong_type, r"item\[8\]\.answer\[0\]: item 9 takes valueCoding"),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_a_bad_response_is_refused_naming_the_fhir_path(damage: Any, message: str) -> None:
    resource = good()
    damage(resource)
    with pytest.raises(FhirError, match=message):
        read(resource)


def test_a_numeric_answer_off_the_step_is_refused() -> None:
    feedback = registry()["session_feedback"]
    resource = questionnaire_response(feedback, {3: 4}, base_url=BASE)
    resource["item"][0]["answer"] = [{"valueDecimal": 4.5}]
    with pytest.raises(
        FhirError, match=r"item\[0\]\.answer\[0\]\.valueDecimal: 4.5 is not on a step"
    ):
        read(resource)


def test_not_json_and_not_a_response_are_refused() -> None:
    with pytest.raises(FhirError, match="not valid JSON"):
        read("{nope")
    with pytest.raises(FhirError, match="resourceType: expected 'QuestionnaireResponse'"):
        read({"resourceType": "Patient"})
    with pytest.raises(FhirError, match="expected a JSON object"):
        read("[1, 2]")
