"""The CapabilityStatement (``GET /fhir/metadata``), made from the same table
(:data:`alliance.web.fhirapi.resources.TYPES`) that answers reads and searches."""

from __future__ import annotations

from typing import Any

from alliance.web.fhirapi.resources import TYPES, ResourceType
from alliance.web.fhirapi.searching import MAX_COUNT, RESULT_PARAMS

FHIR_VERSION = "4.0.1"
RELEASED = "2026-12-02"
SPEC_PARAMS = "http://hl7.org/fhir/SearchParameter"
BULK = "http://hl7.org/fhir/uv/bulkdata"


def _resource(kind: ResourceType) -> dict[str, Any]:
    sorts = ", ".join(s.name for s in kind.sorts)
    entry: dict[str, Any] = {
        "type": kind.name,
        "interaction": [{"code": code} for code in kind.interactions],
        "versioning": "versioned",
        "readHistory": False,
        "conditionalRead": "not-match",
        "documentation": (
            f"Sorted by {kind.default_sort} unless _sort says otherwise (keys: {sorts}; "
            f"'-' first for descending). _count up to {MAX_COUNT}; follow the Bundle's links."
        ),
        "searchParam": [
            {
                "name": p.name,
                "definition": _definition(kind.name, p.name),
                "type": p.type,
                "documentation": p.documentation,
            }
            for p in kind.params
        ],
    }
    if kind.name == "Patient":
        entry["operation"] = [
            {
                "name": "export",
                "definition": f"{BULK}/OperationDefinition/patient-export",
                "documentation": "Patient-level Bulk Data export: the same files as $export "
                "(every patient you may see, their responses and scores).",
            }
        ]
    return entry


def _definition(kind: str, name: str) -> str:
    if name.startswith("_"):
        return f"{SPEC_PARAMS}/Resource-{name[1:]}"
    shared = name in ("patient", "date") and kind != "QuestionnaireResponse"
    owner = "clinical" if shared else kind
    return f"{SPEC_PARAMS}/{owner}-{name}"


def capability_statement(base: str) -> dict[str, Any]:
    """What this server offers, for ``base`` (``<SITE_URL>/fhir``)."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Alliance",
        "kind": "instance",
        "software": {"name": "Alliance"},
        "implementation": {"description": "Alliance FHIR R4 server", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Search results are Bundles with self/first/previous/next/last "
                "links; send Prefer: handling=lenient to have unknown parameters ignored.",
                "security": {
                    "description": "Authorization: Bearer <Alliance API token> (read scope for "
                    "reads and searches, write scope for create)"
                },
                "resource": [_resource(kind) for kind in TYPES.values()],
                "searchParam": [
                    {"name": name, "type": kind, "documentation": doc}
                    for name, (kind, doc) in RESULT_PARAMS.items()
                ],
                "operation": [
                    {
                        "name": "export",
                        "definition": f"{BULK}/OperationDefinition/export",
                        "documentation": "System-level Bulk Data export (asynchronous, NDJSON) of "
                        "Patient, QuestionnaireResponse and Observation; GET [base]/$export.",
                    }
                ],
            }
        ],
    }
