"""The audit log page for clinic administrators (the log itself: alliance.web.audit).

Opening it (with its filters) is itself recorded. Event details are ids and
labels (see chain.check_detail), so nothing here shows answers or free text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliance.web.accounts.access import admin_required
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client

PAGE_SIZE = 50
# Filter dates outside these years are form errors: far-off days overflow the
# date arithmetic (9999-12-31 plus a day) and time-zone conversion, and no
# audit event can lie there.
FIRST_YEAR, LAST_YEAR = 1900, 2999
# Models that moved to another app: events recorded before the move name them by their
# old label (the chain's hashes cover it, so it is never rewritten); a filter on the
# model finds both.
FORMER_LABELS: dict[str, tuple[str, ...]] = {
    "consent.consentrecord": ("rights.consentrecord",),
    "consent.erasure": ("rights.erasure",),
}
# Who acts without a staff login (see the callers of record()).
NON_STAFF_ACTORS = ("client link", "client portal", "anonymous")


def object_types() -> list[str]:
    """Every model of the clinic app, as audit events name them (``app.model``)."""
    return sorted(
        m._meta.label_lower for m in apps.get_models() if m.__module__.startswith("alliance.web.")
    )


class AuditFilterForm(forms.Form):
    actor = forms.ChoiceField(required=False, label=gettext_lazy("Who"))
    client = forms.CharField(required=False, max_length=40, label=gettext_lazy("Client code"))
    action = forms.ChoiceField(
        required=False, choices=[("", gettext_lazy("Any")), *AuditEvent.Action.choices], label=gettext_lazy("Action")
    )
    object_type = forms.ChoiceField(required=False, label=gettext_lazy("Record type"))
    since = forms.DateField(
        required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label=gettext_lazy("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = (
            User.objects.filter(organisation_id=organisation_id)
            .order_by("username")
            .values_list("pk", "username")
        )
        actor_field: Any = self.fields["actor"]
        actor_field.choices = [
            ("", gettext_lazy("Anyone")),
            *((f"staff:{pk}", name) for pk, name in staff),
            *((f"label:{label}", label) for label in NON_STAFF_ACTORS),
        ]
        type_field: Any = self.fields["object_type"]
        type_field.choices = [("", gettext_lazy("Any")), *((t, t) for t in object_types())]

    def _clean_day(self, name: str) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get(name)
        if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise forms.ValidationError(
                gettext_lazy("Give a date between the years %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": LAST_YEAR}
            )
        return day

    def clean_since(self) -> dt.date | None:
        return self._clean_day("since")

    def clean_until(self) -> dt.date | None:
        return self._clean_day("until")

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _printable(value: str) -> str:
    """A filter value as it may stand in the audit detail: printable, one line, short."""
    return "".join(ch for ch in value if ch.isprintable())[:60]


@never_cache
@require_GET
@admin_required
def log(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    org_id = user.organisation_id
    form = AuditFilterForm(request.GET or None, organisation_id=org_id)
    # Only this clinic's events, whatever the filters say.
    events = AuditEvent.objects.filter(organisation_id=org_id)
    applied: dict[str, Any] = {}
    client: Client | None = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["actor"]:
            kind, _, value = d["actor"].partition(":")
            if kind == "staff":
                events = events.filter(actor_id=int(value))
            else:
                events = events.filter(actor__isnull=True, actor_label=value)
            applied["filter_actor"] = d["actor"]
        if d["client"]:
            client = Client.objects.filter(organisation_id=org_id, code=d["client"]).first()
            events = events.filter(client=client) if client is not None else events.none()
            applied["filter_client"] = d["client"]
        if d["action"]:
            events = events.filter(action=d["action"])
            applied["filter_action"] = d["action"]
        if d["object_type"]:
            labels = (d["object_type"], *FORMER_LABELS.get(d["object_type"], ()))
            events = events.filter(object_type__in=labels)
            applied["filter_type"] = d["object_type"]
        if d["since"]:
            events = events.filter(at__gte=_day_start(d["since"]))
            applied["filter_since"] = d["since"].isoformat()
        if d["until"]:
            events = events.filter(at__lt=_day_start(d["until"] + dt.timedelta(days=1)))
            applied["filter_until"] = d["until"].isoformat()
    elif form.is_bound:
        events = events.none()
    page_number = request.GET.get("page") or "1"
    applied = {k: _printable(str(v)) for k, v in applied.items()}
    record(
        request,
        "view",
        user.organisation,
        client=client,
        page="audit log",
        page_number=_printable(page_number)[:10],
        **applied,
    )
    page = Paginator(events.select_related("actor", "client").order_by("-seq"), PAGE_SIZE).get_page(
        page_number
    )
    return render(request, "audit/log.html", {"form": form, "page": page})
