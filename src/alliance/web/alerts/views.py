"""Alert lifecycle: open -> acknowledged -> resolved with a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from alliance.web.alerts.models import Alert
from alliance.web.audit.log import record
from alliance.web.care.access import clinician_required

NOTE_LIMIT = 2000


def _alert(request: HttpRequest, pk: int) -> Alert:
    return get_object_or_404(
        Alert.objects.for_user(request.user).select_related("episode__client"), pk=pk
    )


@require_POST
@clinician_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    if alert.status == Alert.Status.OPEN:
        Alert.objects.filter(pk=alert.pk, status=Alert.Status.OPEN).update(
            status=Alert.Status.ACKNOWLEDGED,
            acknowledged_at=timezone.now(),
            acknowledged_by=request.user,
        )
        record(request, "update", alert, client=alert.episode.client, status="acknowledged")
    return redirect(f"{_client_url(alert)}#alert-{alert.pk}")


@require_POST
@clinician_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    note = request.POST.get("note", "").strip()
    if not note:
        messages.error(request, "Add a short note on what was done before resolving the alert.")
        return redirect(f"{_client_url(alert)}#alert-{alert.pk}")
    if len(note) > NOTE_LIMIT:
        messages.error(
            request, f"The note is too long ({len(note)} characters; at most {NOTE_LIMIT})."
        )
        return redirect(f"{_client_url(alert)}#alert-{alert.pk}")
    if alert.status != Alert.Status.RESOLVED:
        now = timezone.now()
        Alert.objects.filter(pk=alert.pk).exclude(status=Alert.Status.RESOLVED).update(
            status=Alert.Status.RESOLVED,
            resolved_at=now,
            resolved_by=request.user,
            resolution_note=note,
            acknowledged_at=alert.acknowledged_at or now,
            acknowledged_by=alert.acknowledged_by or request.user,
        )
        record(request, "update", alert, client=alert.episode.client, status="resolved")
        messages.success(request, "Alert resolved.")
    return redirect(f"{_client_url(alert)}#alerts")


def _client_url(alert: Alert) -> str:
    from django.urls import reverse

    return reverse("care:client", args=[alert.episode.client_id])
