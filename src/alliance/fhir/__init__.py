"""FHIR R4 forms of instruments, responses and scores (no Django).

Every instrument is a Questionnaire, every set of answers a
QuestionnaireResponse, every scale score an Observation and every session an
Encounter; each resource produced is validated with the ``fhir.resources.R4B``
models (the R4 structures of these resources; see alliance.fhir.validation).
``alliance.fhir.search`` reads search values and ``alliance.fhir.meta`` adds
``meta.versionId``/``lastUpdated``.
Imports (a Questionnaire as a new instrument, a QuestionnaireResponse from
another system) are validated the same way, and errors name the FHIR path.

>>> from alliance.instruments import get
>>> from alliance.scoring import score
>>> phq9 = get("phq9")
>>> qr = questionnaire_response(phq9, {n: 2 for n in range(1, 10)})
>>> read_questionnaire_response(qr, {"phq9": phq9}).answers[1]
2.0
"""

from alliance.fhir.common import DEFAULT_BASE, fhir_id, questionnaire_url
from alliance.fhir.encounter import encounter
from alliance.fhir.errors import FhirError, FhirRuleError
from alliance.fhir.meta import etag, with_meta
from alliance.fhir.observation import observations, scored_scales
from alliance.fhir.questionnaire import instrument_from_questionnaire, questionnaire
from alliance.fhir.response import (
    ParsedResponse,
    questionnaire_response,
    read_questionnaire_response,
)
from alliance.fhir.validation import validate

__all__ = [
    "DEFAULT_BASE",
    "FhirError",
    "FhirRuleError",
    "ParsedResponse",
    "encounter",
    "etag",
    "fhir_id",
    "instrument_from_questionnaire",
    "observations",
    "questionnaire",
    "questionnaire_response",
    "questionnaire_url",
    "read_questionnaire_response",
    "scored_scales",
    "validate",
    "with_meta",
]
