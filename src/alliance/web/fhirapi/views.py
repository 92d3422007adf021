"""FHIR R4 read endpoints and QuestionnaireResponse import under /fhir/.

Same tokens, scopes, scoping and audit as the REST API (alliance.web.api);
answers are ``application/fhir+json``, errors are OperationOutcomes.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from alliance.fhir import FhirError, FhirRuleError, fhir_id, questionnaire
from alliance.web.api.auth import ScopedClinicalAccess, TokenWithScope
from alliance.web.api.errors import FHIR_JSON, operation_outcome
from alliance.web.api.parsers import SafeJSONParser
from alliance.web.audit.log import record
from alliance.web.care.models import Client
from alliance.web.custominstruments.registry import instruments_for
from alliance.web.fhirapi import services
from alliance.web.measures.models import Response

MAX_COUNT = 100
DEFAULT_COUNT = 50
_OBSERVATION_ID = re.compile(r"^([1-9][0-9]{0,17})-([a-z0-9-]{1,40})$")
_ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 429: "throttled"}


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FhirParser(SafeJSONParser):
    media_type = FHIR_JSON


class FhirJsonParser(SafeJSONParser):
    """Plain application/json is accepted too."""


@extend_schema(exclude=True)
class FhirView(APIView):
    renderer_classes: ClassVar[list[Any]] = [FhirRenderer, JSONRenderer]
    parser_classes: ClassVar[list[Any]] = [FhirParser, FhirJsonParser]
    permission_classes: ClassVar[list[Any]] = [ScopedClinicalAccess]

    def handle_exception(self, exc: Exception) -> ApiResponse:
        if isinstance(exc, FhirRuleError):
            return self.outcome(422, "business-rule", str(exc))
        if isinstance(exc, FhirError):
            return self.outcome(400, "invalid", str(exc))
        if isinstance(exc, services.ImportRefused):
            return self.outcome(exc.status, exc.code, str(exc))
        response = super().handle_exception(exc)
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        text = str(detail) if detail is not None else str(response.data)
        code = _ISSUE_CODES.get(response.status_code, "processing")
        response.data = operation_outcome(code, text)
        return response

    @staticmethod
    def outcome(status: int, code: str, text: str) -> ApiResponse:
        return ApiResponse(operation_outcome(code, text), status=status)

    def base(self) -> str:
        return services.base_url(self.request._request)

    def known_params(self, *allowed: str) -> None:
        unknown = sorted(set(self.request.query_params) - set(allowed))
        if unknown:
            raise FhirError(
                f"unsupported search parameter(s): {', '.join(u[:40] for u in unknown)}; "
                f"supported: {', '.join(allowed) or 'none'}"
            )

    def bundle(self, entries: list[dict[str, Any]], total: int) -> dict[str, Any]:
        base = self.base()
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": total,
            "link": [{"relation": "self", "url": self.request.build_absolute_uri()}],
            "entry": [
                {"fullUrl": f"{base}/{e['resourceType']}/{e['id']}", "resource": e} for e in entries
            ],
        }


def _positive(name: str, raw: str | None, default: int, maximum: int | None = None) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 18:
        raise FhirError(f"{name}: {raw[:40]!r} is not a whole number of 1 or more")
    return min(int(raw), maximum) if maximum else int(raw)


class Metadata(FhirView):
    """The CapabilityStatement: what this server offers."""

    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]
    authentication_classes: ClassVar[list[Any]] = []

    def get(self, request: Request) -> ApiResponse:
        read = [{"code": "read"}, {"code": "search-type"}]
        resources = [
            {"type": "Questionnaire", "interaction": read},
            {"type": "Patient", "interaction": [{"code": "read"}]},
            {
                "type": "QuestionnaireResponse",
                "interaction": [*read, {"code": "create"}],
                "searchParam": [{"name": "patient", "type": "reference"}],
            },
            {
                "type": "Observation",
                "interaction": read,
                "searchParam": [{"name": "patient", "type": "reference"}],
            },
        ]
        return ApiResponse(
            {
                "resourceType": "CapabilityStatement",
                "status": "active",
                "date": "2026-11-27",
                "kind": "instance",
                "fhirVersion": "4.3.0",
                "format": ["json"],
                "implementation": {"description": "Alliance", "url": self.base()},
                "rest": [
                    {
                        "mode": "server",
                        "security": {"description": "Authorization: Bearer <Alliance API token>"},
                        "resource": resources,
                    }
                ],
            }
        )


class QuestionnaireList(FhirView):
    """Every instrument this clinic can use (built-in and its own), as Questionnaires."""

    permission_classes: ClassVar[list[Any]] = [TokenWithScope]

    def get(self, request: Request) -> ApiResponse:
        self.known_params()
        known = instruments_for(request.user.organisation_id)
        found = [questionnaire(i, base_url=self.base()) for _, i in sorted(known.items())]
        return ApiResponse(self.bundle(found, len(found)))


class QuestionnaireRead(FhirView):
    permission_classes: ClassVar[list[Any]] = [TokenWithScope]

    def get(self, request: Request, resource_id: str) -> ApiResponse:
        self.known_params()
        for instrument in instruments_for(request.user.organisation_id).values():
            if fhir_id(instrument.id) == resource_id:
                return ApiResponse(questionnaire(instrument, base_url=self.base()))
        raise exceptions.NotFound(f"No Questionnaire {resource_id!r} in this clinic.")


class PatientRead(FhirView):
    def get(self, request: Request, resource_id: int) -> ApiResponse:
        self.known_params()
        client = (
            Client.objects.for_user(request.user)
            .select_related("organisation")
            .filter(pk=resource_id)
            .first()
        )
        if client is None:
            raise exceptions.NotFound("No such Patient on your caseload.")
        record(request._request, "view", client, client=client, api="fhir-patient")
        return ApiResponse(services.patient_resource(client, self.base()))


class _ResponseSearch(FhirView):
    """Search stored responses by ``patient``; ``_count`` and ``page`` page through them."""

    def responses(self) -> tuple[list[Response], int]:
        self.known_params("patient", "subject", "_count", "page")
        queryset = Response.objects.for_user(self.request.user).select_related(
            "session__episode__client"
        )
        params = self.request.query_params
        for name in ("patient", "subject"):
            if name in params:
                raw = params[name].removeprefix("Patient/")
                queryset = queryset.filter(session__episode__client_id=_positive(name, raw, 0))
        count = _positive("_count", params.get("_count"), DEFAULT_COUNT, MAX_COUNT)
        page = _positive("page", params.get("page"), 1)
        total = queryset.count()
        start = (page - 1) * count
        rows = list(queryset.order_by("pk")[start : start + count]) if start < total else []
        self.audit(rows)
        return rows, total

    def audit(self, rows: list[Response]) -> None:
        seen: set[int] = set()
        for row in rows:
            client = row.session.episode.client
            if client.pk not in seen:
                seen.add(client.pk)
                record(self.request._request, "view", client, client=client, api="fhir")

    def one(self, pk: int) -> Response:
        row = (
            Response.objects.for_user(self.request.user)
            .select_related("session__episode__client")
            .filter(pk=pk)
            .first()
        )
        if row is None:
            raise exceptions.NotFound("No such resource among the records you may see.")
        self.audit([row])
        return row


class QuestionnaireResponseList(_ResponseSearch):
    def get(self, request: Request) -> ApiResponse:
        rows, total = self.responses()
        base, known = self.base(), instruments_for(request.user.organisation_id)
        found = [services.response_resource(r, base, known) for r in rows]
        return ApiResponse(self.bundle(found, total))

    def post(self, request: Request) -> ApiResponse:
        self.known_params()
        response, created = services.import_response(
            request.data, request.user, request._request, self.base()
        )
        body = services.response_resource(response, self.base())
        location = f"{self.base()}/QuestionnaireResponse/{response.pk}"
        return ApiResponse(body, status=201 if created else 200, headers={"Location": location})


class QuestionnaireResponseRead(_ResponseSearch):
    def get(self, request: Request, resource_id: int) -> ApiResponse:
        self.known_params()
        return ApiResponse(services.response_resource(self.one(resource_id), self.base()))


class ObservationList(_ResponseSearch):
    def get(self, request: Request) -> ApiResponse:
        rows, _ = self.responses()
        base, known = self.base(), instruments_for(request.user.organisation_id)
        found = [o for r in rows for o in services.observation_resources(r, base, known)]
        bundle = self.bundle(found, len(found))
        bundle.pop("total")  # pages count responses; the number of scores per page varies
        return ApiResponse(bundle)


class ObservationRead(_ResponseSearch):
    def get(self, request: Request, resource_id: str) -> ApiResponse:
        self.known_params()
        match = _OBSERVATION_ID.match(resource_id)
        if match is None:
            raise exceptions.NotFound("Observation ids look like '<response>-<scale>'.")
        response = self.one(int(match.group(1)))
        for found in services.observation_resources(response, self.base()):
            if found["id"] == resource_id:
                return ApiResponse(found)
        raise exceptions.NotFound("That response has no such score.")
