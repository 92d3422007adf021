"""FHIR Bulk Data export (system level): kick-off, the background run, the manifest.

``GET /fhir/$export`` answers 202 with a status URL (Content-Location); the
export runs as background work (django-tasks) over the caller's own scope
(the same ``for_user`` records a search would show), writes one NDJSON file
per resource type (Patient, QuestionnaireResponse, Observation; more parts
past ``MAX_LINES``), and the status URL then answers 200 with the manifest.
Only the requester can poll, download or cancel (``DELETE``) it. Kick-off
and every file download are audited.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_tasks import task

from alliance.fhir import FhirError
from alliance.fhir.search import parse_date
from alliance.web.audit.log import record
from alliance.web.fhirapi import services
from alliance.web.fhirapi.models import BulkExport, BulkExportFile
from alliance.web.fhirapi.resources import TYPES, Caller

EXPORT_TYPES = ("Patient", "QuestionnaireResponse", "Observation")
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")
KEEP = dt.timedelta(days=7)
"""How long an export's files are kept: older exports are deleted at the next kick-off or
access (by anyone), and never served."""
MAX_LINES = 10_000
CHUNK = 200
NDJSON = "application/fhir+ndjson"


def read_kickoff(params: Any) -> tuple[list[str], Any]:
    """The ``_type`` and ``_since`` of a kick-off request (a QueryDict); FhirError if bad."""
    types = list(EXPORT_TYPES)
    since = None
    for name in params:
        value = params.get(name)
        if name == "_type":
            types = [t for t in value.split(",") if t]
            unknown = sorted(set(types) - set(EXPORT_TYPES))
            if unknown or not types:
                raise FhirError(
                    f"_type: {', '.join(unknown) or 'empty'}; export takes {', '.join(EXPORT_TYPES)}"
                )
        elif name == "_since":
            since = _instant(value)
        elif name == "_outputFormat":
            if value not in OUTPUT_FORMATS:
                raise FhirError(f"_outputFormat: {value[:40]!r}; only {NDJSON} is offered")
        else:
            raise FhirError(f"$export takes _type, _since and _outputFormat, not {name[:40]!r}")
    return types, since


def _instant(value: str) -> Any:
    parsed = parse_date("_since", value, timezone.get_current_timezone())
    if parsed.prefix != "eq" or "T" not in value:
        raise FhirError("_since: give an instant with its zone (e.g. 2026-12-01T00:00:00Z)")
    return parsed.start


def start(request: HttpRequest, user: Any, types: list[str], since: Any) -> BulkExport:
    """Record the export, audit the kick-off and queue the background run."""
    forget_old()
    export = BulkExport.objects.create(
        requested_by=user, request_url=request.build_absolute_uri()[:2000], types=types, since=since
    )
    record(
        request,
        "export",
        export,
        what="fhir bulk export requested",
        types=",".join(types),
        since=since.isoformat() if since else "",
    )
    run_bulk_export.enqueue(export.pk)
    return export


def _rows(kind_name: str, caller: Caller, since: Any) -> QuerySet[Any]:
    kind = TYPES[kind_name]
    queryset = kind.queryset(caller)
    if since is not None:
        if kind_name == "Patient":
            queryset = queryset.filter(Q(created__gte=since) | Q(erased_at__gte=since))
        else:
            queryset = queryset.filter(recorded_at__gte=since)
    return queryset.order_by("pk")


@task()
def run_bulk_export(export_id: int) -> str:
    """Background work: write the export's files (see :func:`run`)."""
    return run(export_id)


def run(export_id: int) -> str:
    """Write the export's files; stops quietly when the export was cancelled meanwhile."""
    export = BulkExport.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None:
        return "cancelled"
    BulkExport.objects.filter(pk=export_id).update(status=BulkExport.Status.RUNNING)
    caller = Caller(export.requested_by, services.base_url())
    try:
        for done, kind_name in enumerate(export.types):
            if not BulkExport.objects.filter(pk=export_id).exists():
                return "cancelled"
            _write_type(export, kind_name, caller)
            progress = f"{done + 1} of {len(export.types)} resource types written"
            BulkExport.objects.filter(pk=export_id).update(progress=progress)
    except Exception as exc:
        BulkExport.objects.filter(pk=export_id).update(
            status=BulkExport.Status.FAILED, error=f"{type(exc).__name__}"[:500]
        )
        raise
    BulkExport.objects.filter(pk=export_id).update(
        status=BulkExport.Status.DONE, finished_at=timezone.now()
    )
    return "done"


def _write_type(export: BulkExport, kind_name: str, caller: Caller) -> None:
    kind = TYPES[kind_name]
    lines: list[str] = []
    clients: set[int] = set()
    part = 1
    queryset = _rows(kind_name, caller, export.since)
    pks = list(queryset.values_list("pk", flat=True))
    for start_at in range(0, len(pks), CHUNK):
        rows = list(queryset.filter(pk__in=pks[start_at : start_at + CHUNK]))
        lines += [json.dumps(r, ensure_ascii=False) for r in kind.resources(rows, caller)]
        clients.update(c.pk for c in kind.clients(rows))
        while len(lines) >= MAX_LINES:
            _save(export, kind_name, part, lines[:MAX_LINES], clients)
            lines, part = lines[MAX_LINES:], part + 1
    if lines:
        _save(export, kind_name, part, lines, clients)


def _save(export: BulkExport, kind: str, part: int, lines: list[str], clients: set[int]) -> None:
    BulkExportFile.objects.create(
        export=export,
        resource_type=kind,
        part=part,
        count=len(lines),
        ndjson="\n".join(lines) + "\n",
        clients=sorted(clients),
    )


def forget_old() -> int:
    """Delete exports (and their files) older than :data:`KEEP`; the number deleted."""
    deleted, _ = BulkExport.objects.filter(created__lt=timezone.now() - KEEP).delete()
    return deleted


def status_url(base: str, export: BulkExport) -> str:
    return f"{base}/$export-status/{export.pk}"


def manifest(base: str, export: BulkExport) -> dict[str, Any]:
    """The Bulk Data completion manifest."""
    return {
        "transactionTime": export.created.isoformat(),
        "extension": {"expires": (export.created + KEEP).isoformat()},
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": f.resource_type, "url": f"{base}/$export-file/{f.pk}", "count": f.count}
            for f in export.files.only("pk", "resource_type", "count").order_by("pk")
        ],
        "error": [],
    }
