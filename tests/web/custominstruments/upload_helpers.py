"""Helpers of the clinic-instrument tests: an SRS-like Questionnaire, its scoring file, an upload."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient

PAGE = "/clinic/instruments/"

SRS_LIKE: dict[str, Any] = {
    "resourceType": "Questionnaire",
    "id": "srs-clinic",
    "name": "SRS",
    "title": "Session Rating Scale (clinic licence)",
    "status": "active",
    "description": "Mark each line to show how today's session felt to you.",
    "item": [
        {
            "linkId": f"srs{k}",
            "type": "integer",
            "text": text,
            "required": True,
            "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10},
            ],
        }
        for k, text in enumerate(
            [
                "I felt heard.",
                "We worked on what I wanted.",
                "The approach fits me.",
                "Overall right.",
            ],
            start=1,
        )
    ],
}
SCORING = b"""\
[[scales]]
id = "total"
label = "Session rating"
items = [1, 2, 3, 4]
method = "sum"
higher_is_better = true
missing = { method = "complete", source = "Clinic rule: every line is needed." }

[licence]
name = "Licensed to the clinic"
text = "Used under the clinic's own licence."

[citation]
text = "Duncan, B. L., Miller, S. D., et al. (2003). The Session Rating Scale. Journal of Brief Therapy, 3(1), 3-12."
"""


def upload(http: HttpClient, body: bytes, name: str = "srs.json", **extra: Any) -> Any:
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, body), "licence_confirmed": "on"}
    data.update(extra)
    return http.post(PAGE, {k: v for k, v in data.items() if v is not None})
