"""Shared names for the FHIR forms: base URL, extension URLs, system URLs, codes."""

from __future__ import annotations

import math

DEFAULT_BASE = "https://alliance.example/fhir"
"""Base of the canonical URLs when the caller (e.g. the web app) names none."""

ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def definition_url(base_url: str) -> str:
    """URL of the extension that carries the full Alliance instrument definition."""
    return f"{base_url}/StructureDefinition/alliance-instrument"


def fhir_id(instrument_id: str) -> str:
    """The FHIR resource id of an instrument: FHIR ids allow no ``_``, so it becomes ``-``.

    >>> fhir_id("wai_sr_t")
    'wai-sr-t'
    """
    return instrument_id.replace("_", "-")


def questionnaire_url(base_url: str, instrument_id: str) -> str:
    """Canonical URL of an instrument's Questionnaire (its FHIR id after the base).

    >>> questionnaire_url("https://x.org/fhir", "wai_sr")
    'https://x.org/fhir/Questionnaire/wai-sr'
    """
    return f"{base_url}/Questionnaire/{fhir_id(instrument_id)}"


def responses_system(base_url: str, instrument_id: str) -> str:
    """Code system of an instrument's answer codes (the code is the item value as text)."""
    return f"{base_url}/CodeSystem/{instrument_id}-responses"


def scales_system(base_url: str, instrument_id: str) -> str:
    """Code system of an instrument's scale scores (the code is the scale id)."""
    return f"{base_url}/CodeSystem/{instrument_id}-scales"


def value_code(value: float) -> str:
    """An answer value as a code: integers without a decimal point.

    >>> value_code(3.0), value_code(0.5)
    ('3', '0.5')
    """
    if not math.isfinite(value):
        raise ValueError(f"answer values must be finite, got {value!r}")
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def number(value: float) -> int | float:
    """A number for FHIR JSON: an int when it is whole, so integers stay integers.

    >>> number(2.0), number(2.5)
    (2, 2.5)
    """
    return int(value) if float(value).is_integer() else float(value)
