"""Alert lifecycle: open -> acknowledged -> resolved with a note."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.alerts import lifecycle
from alliance.web.alerts.models import Alert


def _alert(request: HttpRequest, pk: int) -> Alert:
    return get_object_or_404(
        Alert.objects.for_user(request.user).select_related("episode__client"), pk=pk
    )


@require_POST
@clinician_required
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    lifecycle.acknowledge(alert, request.user, request)
    return redirect(f"{_client_url(alert)}#alert-{alert.pk}")


@require_POST
@clinician_required
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert(request, pk)
    try:
        changed = lifecycle.resolve(alert, request.user, request.POST.get("note", ""), request)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect(f"{_client_url(alert)}#alert-{alert.pk}")
    if changed:
        messages.success(request, gettext_lazy("Alert resolved."))
    return redirect(f"{_client_url(alert)}#alerts")


def _client_url(alert: Alert) -> str:
    from django.urls import reverse

    return reverse("care:client", args=[alert.episode.client_id])
