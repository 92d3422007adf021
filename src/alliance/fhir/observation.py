"""Scale scores as FHIR R4 Observations (one per scale score present).

>>> from alliance.instruments import get
>>> obs = observations(get("phq9"), {"phq9_total": 9.0, "phq9_band": "mild"})
>>> obs[0]["valueQuantity"]["value"], obs[0]["component"][0]["valueString"]
(9, 'mild')
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from alliance.fhir.common import (
    DEFAULT_BASE,
    LOINC,
    OBSERVATION_CATEGORY,
    fhir_id,
    number,
    scales_system,
)
from alliance.fhir.validation import validate
from alliance.instruments import Instrument
from alliance.instruments.schema import Scale
from alliance.scoring.expressions import band_column, score_column

__all__ = ["observations", "scored_scales"]


def observations(
    instrument: Instrument,
    scores: Mapping[str, Any],
    *,
    base_url: str = DEFAULT_BASE,
    subject: str | None = None,
    effective: dt.datetime | None = None,
    derived_from: str | None = None,
    id_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """One final survey Observation per scale score in ``scores`` (the engine's columns).

    The code is ``{base_url}/CodeSystem/{id}-scales`` + the scale id, plus
    the LOINC code where the instrument file names one; the band label (when
    the scale has bands) is a component. ``derived_from`` references the
    QuestionnaireResponse (``"QuestionnaireResponse/42"``). Scores that are
    missing or not finite give no Observation.
    """
    if effective is not None and effective.tzinfo is None:
        raise ValueError(f"effective: a FHIR dateTime needs a time zone; got {effective}")
    result = []
    for scale, value in scored_scales(instrument, scores):
        resource = _observation(instrument, scale, float(value), scores, base_url)
        if id_prefix is not None:
            resource = {"resourceType": "Observation", "id": f"{id_prefix}-{fhir_id(scale.id)}"}
            resource.update(_observation(instrument, scale, float(value), scores, base_url))
        if subject is not None:
            resource["subject"] = {"reference": subject}
        if effective is not None:
            resource["effectiveDateTime"] = effective.isoformat()
        if derived_from is not None:
            resource["derivedFrom"] = [{"reference": derived_from}]
        validate(resource)
        result.append(resource)
    return result


def scored_scales(instrument: Instrument, scores: Mapping[str, Any]) -> list[tuple[Scale, float]]:
    """The scales with a finite score in ``scores``, in the instrument's order: one
    Observation each (so a search can count Observations without building them).

    >>> from alliance.instruments import get
    >>> [s.id for s, _ in scored_scales(get("phq9"), {"phq9_total": 9.0})]
    ['total']
    """
    found = []
    for scale in instrument.scales:
        value = scores.get(score_column(instrument, scale))
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            found.append((scale, float(value)))
    return found


def _observation(
    instrument: Instrument,
    scale: Scale,
    value: float,
    scores: Mapping[str, Any],
    base_url: str,
) -> dict[str, Any]:
    system = scales_system(base_url, instrument.id)
    coding = [{"system": system, "code": scale.id, "display": scale.label}]
    if scale.loinc:
        coding.append({"system": LOINC, "code": scale.loinc})
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
        ],
        "code": {"coding": coding, "text": f"{instrument.short_name} {scale.label}"},
        "valueQuantity": {"value": number(value), "unit": scale.method},
    }
    band = scores.get(band_column(instrument, scale)) if scale.bands else None
    if isinstance(band, str) and band:
        resource["component"] = [
            {
                "code": {
                    "coding": [{"system": system, "code": f"{scale.id}-band"}],
                    "text": f"{scale.label}: band",
                },
                "valueString": band,
            }
        ]
    return resource
