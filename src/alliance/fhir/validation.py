"""Validate FHIR JSON with the fhir.resources R4B models; errors name the FHIR path.

The server speaks FHIR R4 (4.0.1). fhir.resources 8 ships R5 (its default),
R4B (4.3.0) and STU3 models, but no R4 package, so resources are checked
with the R4B models: R4B changed only the medication-definition, evidence
and subscription resources, and Questionnaire, QuestionnaireResponse,
Observation, Patient and Encounter are the same structures as in R4. The
tests check every resource served independently with SMART's ``fhirclient``
R4 models (docs/integrators/fhir.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import BaseModel, ValidationError

from alliance.fhir.errors import FhirError

MODELS: dict[str, type[BaseModel]] = {
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "Observation": Observation,
    "Patient": Patient,
    "Encounter": Encounter,
}
MAX_ERRORS = 10


def fhir_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a FHIR path.

    >>> fhir_path(("item", 3, "answer", 0, "valueCoding", "code"))
    'item[3].answer[0].valueCoding.code'
    """
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(("." if parts else "") + str(key))
    return "".join(parts)


def as_mapping(resource: Mapping[str, Any] | str | bytes, expected: str) -> dict[str, Any]:
    """Parse JSON text (or take a mapping) and check its ``resourceType``.

    >>> as_mapping('{"resourceType": "Observation"}', "Observation")
    {'resourceType': 'Observation'}
    """
    if isinstance(resource, (str, bytes)):
        try:
            data = json.loads(resource)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise FhirError(f"not valid JSON: {exc}") from None
        except RecursionError:
            raise FhirError("not valid JSON: nested too deeply") from None
    else:
        data = resource
    if not isinstance(data, Mapping):
        raise FhirError(f"expected a JSON object (a {expected}), got {type(data).__name__}")
    data = dict(data)
    kind = data.get("resourceType")
    if kind != expected:
        raise FhirError(f"resourceType: expected {expected!r}, got {kind!r}")
    return data


def validate(resource: Mapping[str, Any]) -> BaseModel:
    """Validate a FHIR resource with its fhir.resources R4B model.

    Raises :class:`FhirError` listing each failing path (at most ten).

    >>> validate({"resourceType": "Observation", "status": "final",
    ...           "code": {"text": "x"}}).__class__.__name__
    'Observation'
    """
    kind = resource.get("resourceType")
    model = MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise FhirError(f"resourceType: expected one of {sorted(MODELS)}, got {kind!r}")
    try:
        return model.model_validate(dict(resource))
    except ValidationError as exc:
        lines = []
        for err in exc.errors()[:MAX_ERRORS]:
            where = fhir_path(tuple(err["loc"])) or kind
            lines.append(f"{where}: {err['msg']}")
        more = exc.error_count() - MAX_ERRORS
        if more > 0:
            lines.append(f"... and {more} more")
        raise FhirError(f"invalid FHIR {kind}:\n" + "\n".join(lines)) from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise FhirError(f"invalid FHIR {kind}: {exc}") from None


def normalised(resource: Mapping[str, Any]) -> dict[str, Any]:
    """The resource validated, then as plain JSON values (``"3"`` for an integer becomes 3).

    >>> normalised({"resourceType": "Observation", "status": "final",
    ...             "code": {"text": "x"}, "valueInteger": "3"})["valueInteger"]
    3
    """
    dumped: dict[str, Any] = validate(resource).model_dump(
        mode="json", exclude_none=True, by_alias=True
    )
    return dumped
