"""FHIR R4 under /fhir/: metadata, reads, searches and the QuestionnaireResponse import.

Same tokens, scopes, scoping and audit as the REST API (alliance.web.api).
Every answer is ``application/fhir+json``, and every error an
OperationOutcome: unknown addresses, ids and parameters, a body over the
size limit (413), a method not allowed (405).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response as ApiResponse
from rest_framework.views import APIView

from alliance.fhir import FhirError, FhirRuleError
from alliance.fhir.meta import etag, with_meta
from alliance.fhir.search import prefer_handling
from alliance.web.api.auth import ScopedClinicalAccess, TokenWithScope
from alliance.web.api.errors import FHIR_JSON, operation_outcome
from alliance.web.api.parsers import SafeJSONParser
from alliance.web.audit.log import record
from alliance.web.care.models import Client
from alliance.web.fhirapi import bulk, services
from alliance.web.fhirapi.capability import capability_statement
from alliance.web.fhirapi.models import BulkExport, BulkExportFile
from alliance.web.fhirapi.resources import Caller, QuestionnaireType, ResourceType
from alliance.web.fhirapi.searching import read_search, run, searchset

_ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    413: "too-long",
    415: "not-supported",
    429: "throttled",
}


class FhirRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "fhir"


class FhirParser(SafeJSONParser):
    media_type = FHIR_JSON


class FhirJsonParser(SafeJSONParser):
    """Plain application/json is accepted too."""


class AlwaysFhirJson(BaseContentNegotiation):
    """Every answer is FHIR JSON, whatever the Accept header says (there is no other format)."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        content_type = request.content_type.split(";")[0].strip().lower()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


def _limit() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440)


@extend_schema(exclude=True)
class FhirView(APIView):
    renderer_classes: ClassVar[list[Any]] = [FhirRenderer]
    parser_classes: ClassVar[list[Any]] = [FhirParser, FhirJsonParser]
    permission_classes: ClassVar[list[Any]] = [ScopedClinicalAccess]
    content_negotiation_class = AlwaysFhirJson

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > _limit():
            raise RequestDataTooBig(f"{int(length)} bytes")
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> ApiResponse:
        if isinstance(exc, FhirRuleError):
            return self.outcome(422, "business-rule", str(exc))
        if isinstance(exc, FhirError):
            return self.outcome(400, "invalid", str(exc))
        if isinstance(exc, services.ImportRefused):
            return self.outcome(exc.status, exc.code, str(exc))
        if isinstance(exc, RequestDataTooBig):
            return self.outcome(
                413, "too-long", f"The body is larger than this server takes ({_limit()} bytes)."
            )
        response = super().handle_exception(exc)
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        text = str(detail) if detail is not None else str(response.data)
        code = _ISSUE_CODES.get(response.status_code, "processing")
        response.data = operation_outcome(code, text)
        return response

    @staticmethod
    def outcome(status: int, code: str, text: str) -> ApiResponse:
        return ApiResponse(operation_outcome(code, text), status=status)

    def caller(self) -> Caller:
        return Caller(self.request.user, services.base_url(self.request._request))

    def audit(self, kind: ResourceType, rows: list[Any]) -> None:
        """One audit event per client whose records were read."""
        seen: set[int] = set()
        for client in kind.clients(rows):
            if client.pk not in seen:
                seen.add(client.pk)
                record(self.request._request, "view", client, client=client, api="fhir")


class Metadata(FhirView):
    """The CapabilityStatement: what this server offers."""

    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]
    authentication_classes: ClassVar[list[Any]] = []

    def get(self, request: Request) -> ApiResponse:
        for name, values in request.query_params.lists():
            if name not in ("_format", "mode") or any(len(v) > 40 for v in values):
                raise FhirError(f"metadata takes _format and mode only, not {name[:40]!r}")
        return ApiResponse(capability_statement(services.base_url(request._request)))


class _TypeView(FhirView):
    kind: ResourceType = QuestionnaireType()

    def get_permissions(self) -> list[Any]:
        if isinstance(self.kind, QuestionnaireType):  # instruments, no client data
            return [TokenWithScope()]
        return super().get_permissions()


class Search(_TypeView):
    """``GET /fhir/<type>``: a searchset Bundle; ``POST /fhir/QuestionnaireResponse`` imports."""

    def get(self, request: Request) -> ApiResponse:
        lenient = prefer_handling(request.headers.get("Prefer")) == "lenient"
        caller = self.caller()
        search = read_search(self.kind, request.query_params, caller, lenient=lenient)
        found, rows, total = run(search, caller)
        self.audit(self.kind, rows)
        return ApiResponse(searchset(caller.base, search, found, total))

    def post(self, request: Request) -> ApiResponse:
        if "create" not in self.kind.interactions:
            raise exceptions.MethodNotAllowed("POST")
        if request.query_params:
            raise FhirError("create takes no parameters")
        caller = self.caller()
        response, created = services.import_response(
            request.data, request.user, request._request, caller.base
        )
        body = with_meta(services.response_resource(response, caller.base), response.recorded_at)
        headers = {"Location": f"{caller.base}/QuestionnaireResponse/{response.pk}"}
        headers["ETag"] = etag(body)
        return ApiResponse(body, status=201 if created else 200, headers=headers)


class Read(_TypeView):
    """``GET /fhir/<type>/<id>``; ``If-None-Match`` with the current ETag answers 304."""

    def get(self, request: Request, resource_id: str) -> ApiResponse:
        if request.query_params.keys() - {"_format"}:
            raise FhirError("a read takes no parameters but _format")
        kind = self.kind
        found = None
        if re.fullmatch(kind.id_pattern, resource_id):
            found = kind.read(resource_id, self.caller())
        if found is None:
            raise exceptions.NotFound(
                f"No {kind.name} {resource_id[:64]!r} among the records you may see."
            )
        resource, rows = found
        self.audit(kind, rows)
        tag = etag(resource)
        if tag in _tags(request.headers.get("If-None-Match", "")):
            return ApiResponse(status=304, headers={"ETag": tag})
        return ApiResponse(resource, headers={"ETag": tag})


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header, each as a weak tag."""
    tags = set()
    for part in header.split(","):
        tag = part.strip()
        if tag:
            tags.add(tag if tag.startswith("W/") else f"W/{tag}")
    return tags


class Nowhere(FhirView):
    """Every other address under /fhir/: a 404 OperationOutcome, whatever the method."""

    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]
    authentication_classes: ClassVar[list[Any]] = []

    def _missing(self, request: Request, *args: Any, **kwargs: Any) -> ApiResponse:
        raise exceptions.NotFound(
            "No such FHIR address; GET /fhir/metadata lists the resource types served."
        )

    get = post = put = patch = delete = options = _missing


class ExportKickoff(FhirView):
    """``GET /fhir/$export``: start a Bulk Data export; 202 with the status URL."""

    def get(self, request: Request) -> ApiResponse:
        types, since = bulk.read_kickoff(request.query_params)
        export = bulk.start(request._request, request.user, types, since)
        url = bulk.status_url(services.base_url(request._request), export)
        body = operation_outcome(
            "informational", f"Export queued; poll {url}", severity="information"
        )
        return ApiResponse(body, status=202, headers={"Content-Location": url})


class _OwnExport(FhirView):
    def export(self, export_id: str) -> BulkExport:
        bulk.forget_old()
        found = (
            BulkExport.objects.filter(pk=int(export_id), requested_by=self.request.user).first()
            if export_id.isdigit() and len(export_id) < 19
            else None
        )
        if found is None:
            raise exceptions.NotFound(
                f"No such export of yours (exports are kept {bulk.KEEP.days} days)."
            )
        return found


class ExportStatus(_OwnExport):
    """Poll an export: 202 with X-Progress while it runs, then 200 with the manifest;
    ``DELETE`` cancels it (or deletes its files once done)."""

    def get(self, request: Request, export_id: str) -> Any:
        export = self.export(export_id)
        if export.status == BulkExport.Status.FAILED:
            return self.outcome(500, "exception", f"The export failed ({export.error}).")
        if export.status != BulkExport.Status.DONE:
            progress = export.progress or export.get_status_display()
            return ApiResponse(status=202, headers={"X-Progress": progress, "Retry-After": "2"})
        manifest = bulk.manifest(services.base_url(request._request), export)
        return JsonResponse(manifest, headers={"Expires": "0"})

    def delete(self, request: Request, export_id: str) -> ApiResponse:
        self.export(export_id).delete()
        return ApiResponse(status=202)


class ExportFile(_OwnExport):
    """One NDJSON file of a finished export, for its requester; each download is audited."""

    def get(self, request: Request, file_id: str) -> Any:
        bulk.forget_old()
        found = (
            BulkExportFile.objects.select_related("export")
            .filter(pk=int(file_id), export__requested_by=request.user)
            .first()
            if file_id.isdigit() and len(file_id) < 19
            else None
        )
        if found is None:
            raise exceptions.NotFound("No such export file of yours.")
        for client in Client.objects.filter(pk__in=found.clients):
            record(
                request._request,
                "export",
                client,
                client=client,
                what="fhir bulk export file",
                resource_type=found.resource_type,
            )
        return HttpResponse(found.ndjson, content_type=bulk.NDJSON)
