"""Error answers in the caller's language: JSON under /api/, FHIR JSON under /fhir/, HTML
elsewhere."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

FHIR_JSON = "application/fhir+json"


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the API and FHIR base get machine-readable answers."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "No such address in the API."}, status=404)
    if request.path.startswith("/fhir/"):
        return JsonResponse(
            operation_outcome("not-found", "No such FHIR address."),
            status=404,
            content_type=FHIR_JSON,
        )
    return defaults.page_not_found(request, exception or Exception())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400 (a request Django refuses before any view, e.g. a wrong Host): FHIR JSON
    under /fhir/."""
    if request.path.startswith("/fhir/"):
        return JsonResponse(
            operation_outcome("invalid", "The request was refused as malformed."),
            status=400,
            content_type=FHIR_JSON,
        )
    return defaults.bad_request(request, exception or Exception())


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an OperationOutcome under /fhir/ (the error itself is logged as usual)."""
    if request.path.startswith("/fhir/"):
        return JsonResponse(
            operation_outcome("exception", "The server failed to answer; it has been logged."),
            status=500,
            content_type=FHIR_JSON,
        )
    return defaults.server_error(request)


def operation_outcome(
    code: str, text: str, *, expression: str | None = None, severity: str = "error"
) -> dict[str, Any]:
    """A FHIR OperationOutcome with one issue (an error unless ``severity`` says otherwise)."""
    issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
