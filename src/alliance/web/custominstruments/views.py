"""Clinic instruments page: the built-in and the clinic's own instruments, and the upload.

An upload is validated, shown as a preview (items, answers, scales), and
saved only when the administrator confirms; every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.errors import InstrumentError
from alliance.fhir import FhirError
from alliance.instruments import Instrument, parse_instrument, registry
from alliance.scoring.validate import describe_allowed
from alliance.web.accounts.access import admin_required
from alliance.web.custominstruments.forms import UploadForm
from alliance.web.custominstruments.models import CustomInstrument
from alliance.web.custominstruments.services import check_new, read_upload, save, set_active

PENDING = "custominstruments_pending"


def describe(instrument: Instrument) -> dict[str, Any]:
    """What the preview shows: items with their answers, and each scale's rule."""
    items = []
    for item in instrument.items:
        scale = instrument.response_for(item.n)
        answers = "free text" if scale.kind == "text" else describe_allowed(scale)
        items.append({"n": item.n, "text": item.text, "answers": answers, "reverse": item.reverse})
    scales = [
        {
            "id": s.id,
            "label": s.label,
            "rule": f"{s.method} of items {', '.join(map(str, s.items))}",
            "missing": f"{s.missing.method}, at most {s.missing.max_missing} missing",
        }
        for s in instrument.scales
    ]
    return {"instrument": instrument, "items": items, "scales": scales}


def _page(request: HttpRequest, form: UploadForm, status: int = 200) -> HttpResponse:
    user: Any = request.user
    custom = list(CustomInstrument.objects.for_user(user).select_related("created_by"))
    builtin = sorted(registry().values(), key=lambda i: i.id)
    return render(
        request,
        "custominstruments/list.html",
        {"form": form, "builtin": builtin, "custom": custom},
        status=status,
    )


@never_cache
@admin_required
def instruments(request: HttpRequest) -> HttpResponse:
    """The list and the upload form; a valid upload goes to the preview."""
    if request.method != "POST":
        return _page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    kind, text = form.cleaned_data["file"]
    scoring = form.cleaned_data.get("scoring")
    user: Any = request.user
    try:
        instrument = read_upload(kind, text, scoring)
        check_new(user.organisation_id, instrument)
    except (InstrumentError, FhirError) as exc:
        field = "scoring" if str(exc).startswith("scoring:") else "file"
        for line in str(exc).splitlines():
            form.add_error(field, line)
        return _page(request, form, status=400)
    request.session[PENDING] = {
        "definition": instrument.model_dump(mode="json"),
        "source": kind,
        "licence_confirmed": bool(form.cleaned_data["licence_confirmed"]),
    }
    return render(request, "custominstruments/preview.html", describe(instrument))


@require_POST
@admin_required
def confirm(request: HttpRequest) -> HttpResponse:
    """Save the previewed instrument (kept in the admin's session), or drop it."""
    pending = request.session.pop(PENDING, None)
    if request.POST.get("action") != "save" or not isinstance(pending, dict):
        messages.info(request, gettext_lazy("Nothing was added."))
        return redirect("custominstruments:list")
    try:
        instrument = parse_instrument(pending["definition"], "previewed instrument")
        save(request, instrument, pending["source"], licence_confirmed=pending["licence_confirmed"])
    except InstrumentError as exc:
        messages.error(request, str(exc))
        return redirect("custominstruments:list")
    messages.success(
        request,
        gettext_lazy("%(name)s (%(id)s) added. Add it to a client's measurement plan to use it.")
        % {"name": instrument.short_name, "id": instrument.id},
    )
    return redirect("custominstruments:list")


@require_POST
@admin_required
def toggle(request: HttpRequest, instrument_id: str) -> HttpResponse:
    """Switch a clinic instrument off (no new plans or links use it) or back on."""
    row = get_object_or_404(
        CustomInstrument.objects.for_user(request.user), instrument_id=instrument_id
    )
    set_active(request, row, not row.active)
    messages.success(
        request, (
            gettext_lazy("%(id)s switched off.") if row.active else gettext_lazy("%(id)s switched on again.")
        )
        % {"id": row.instrument_id}
    )
    return redirect("custominstruments:list")


@admin_required
def detail(request: HttpRequest, instrument_id: str) -> HttpResponse:
    """Items and scales of one of the clinic's instruments."""
    row = get_object_or_404(
        CustomInstrument.objects.for_user(request.user), instrument_id=instrument_id
    )
    context = describe(row.instrument())
    context["row"] = row
    return render(request, "custominstruments/preview.html", context)
