"""A session as a minimal FHIR R4 Encounter: who, when, and whether it has happened.

Alliance records a session's date, not its setting, so the class is
``AMB`` (ambulatory: an outpatient contact), the usual class of a
psychotherapy session.

>>> e = encounter("7", subject="Patient/3", date=dt.date(2026, 12, 9), today=dt.date(2026, 12, 10))
>>> e["status"], e["period"]
('finished', {'start': '2026-12-09', 'end': '2026-12-09'})
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from alliance.fhir.validation import validate

__all__ = ["ACT_CODE", "encounter"]

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def encounter(resource_id: str, *, subject: str, date: dt.date, today: dt.date) -> dict[str, Any]:
    """The session on ``date`` of ``subject`` (``Patient/<id>``): finished once its day has come,
    planned before."""
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": resource_id,
        "status": "finished" if date <= today else "planned",
        "class": {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"},
        "subject": {"reference": subject},
        "period": {"start": date.isoformat(), "end": date.isoformat()},
    }
    validate(resource)
    return resource
