"""Client rights pages.

Staff (clinic administrators only, except recording consent): a client's data
as JSON, erasure in two steps (a button on the client page, then the client's
code typed on a confirmation page), and the clinic's retention period. Any
other member of staff gets the same 404 as for a client that does not exist.

Clients (with their personal page link): their data as JSON, and withdrawing
consent to the questionnaires.

Every export, erasure and consent change is audited. The client's pages count
towards the client-link rate limits like every other token page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance.web.accounts.access import admin_required, clinician_required
from alliance.web.accounts.models import Role
from alliance.web.audit.log import record
from alliance.web.care.lookup import client_for, episode_for
from alliance.web.care.models import Client, Session
from alliance.web.consent.models import Channel
from alliance.web.consent.services import (
    consent_state,
    is_erased,
    record_consent,
    withdraw_consent,
)
from alliance.web.portal.models import PortalAccess
from alliance.web.portal.services import find_portal
from alliance.web.ratelimit import rate_limited
from alliance.web.rights.erasure import client_erasure, erase_client
from alliance.web.rights.export import export_json
from alliance.web.rights.forms import EraseForm, RetentionForm
from alliance.web.rights.models import RetentionPolicy
from alliance.web.rights.retention import period_for, plan


def _admin_only(request: HttpRequest) -> None:
    """Administrators only; anyone else gets the 404 of a client that does not exist."""
    user: Any = request.user
    if user.role != Role.ADMIN:
        raise Http404("No such client.")


def _download(body: str, client: Client) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    # The code is letters, digits, '.', '-' and '_' only (Client.code's validator).
    name = f"alliance-{client.code}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- staff ------------------------------------------------------------------------


@clinician_required
@require_GET
@never_cache
def client_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything stored about the client, as JSON (administrators)."""
    _admin_only(request)
    client = client_for(request, pk)
    body = export_json(client)
    record(request, "export", client, client=client, format="json", via="staff")
    return _download(body, client)


def _what_goes(client: Client) -> dict[str, int]:
    sessions = Session.objects.filter(episode__client=client).aggregate(
        sessions=Count("pk", distinct=True), answers=Count("responses", distinct=True)
    )
    episodes = client.episodes.aggregate(
        goals=Count("goals", distinct=True),
        tasks=Count("tasks", distinct=True),
        feedback=Count("feedback", distinct=True),
        alerts=Count("alerts", distinct=True),
    )
    return {**sessions, **episodes}


@clinician_required
@require_http_methods(["GET", "POST"])
def client_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2 of an erasure: confirm by typing the client's code (administrators)."""
    _admin_only(request)
    client = client_for(request, pk)
    form = EraseForm(request.POST or None, expected=client.code)
    if request.method == "POST" and form.is_valid():
        result = erase_client(client, by=request.user, request=request)
        if result.created:
            messages.success(request, gettext_lazy("%(code)s: the client's data were erased.") % {"code": client.code})
        else:
            messages.info(request, gettext_lazy("%(code)s: the client's data were already erased.") % {"code": client.code})
        return redirect("care:client", pk=client.pk)
    if request.method == "GET":
        record(request, "view", client, client=client, page="erase")
    return render(
        request,
        "rights/erase_confirm.html",
        {
            "client": client,
            "form": form,
            "erasure": client_erasure(client),
            "counts": _what_goes(client),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@clinician_required
def episode_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record consent given or withdrawn in person (the client's clinicians)."""
    episode = episode_for(request, pk)
    back = f"{reverse('care:client', args=[episode.client_id])}#consent"
    action = request.POST.get("action")
    if request.POST.get("confirm") != "yes":
        messages.error(request, gettext_lazy("Tick the box to confirm what the client told you."))
        return redirect(back)
    if is_erased(episode):
        messages.error(request, gettext_lazy("This client's data were erased: consent cannot be recorded."))
        return redirect(back)
    if action == "given":
        done = record_consent(episode, via=Channel.STAFF, by=request.user, request=request)
        messages.success(
            request,
            gettext_lazy("Consent recorded: questionnaire links can be made again.")
            if done
            else gettext_lazy("Consent was already recorded."),
        )
    elif action == "withdrawn":
        withdrawn = withdraw_consent(episode, via=Channel.STAFF, by=request.user, request=request)
        messages.success(
            request,
            gettext_lazy(
                "Withdrawal recorded: open links no longer work and no new ones can be made."
            )
            if withdrawn
            else gettext_lazy("There was no consent to withdraw."),
        )
    else:
        messages.error(request, gettext_lazy("Choose whether consent was given or withdrawn."))
    return redirect(back)


@admin_required
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    """The clinic's retention period (administrators)."""
    user: Any = request.user
    organisation = user.organisation
    period = period_for(organisation)
    form = RetentionForm(request.POST or None, initial={"months": period.months})
    if request.method == "POST" and form.is_valid():
        months = form.cleaned_data["months"]
        policy, _ = RetentionPolicy.objects.update_or_create(
            organisation=organisation,
            defaults={"months": months, "set_by": user, "set_at": timezone.now()},
        )
        record(request, "update", policy, months=months, previous=period.months)
        messages.success(request, gettext_lazy("Retention period set to %(months)s months.") % {"months": months})
        return redirect("rights:retention")
    return render(
        request,
        "rights/retention.html",
        {
            "form": form,
            "period": period,
            "due": plan(organisation, timezone.localdate(), period),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- the client, with their personal page link ------------------------------------


def _portal(request: HttpRequest, token: str) -> PortalAccess | HttpResponse:
    access = find_portal(token)
    if access is None:
        return render(request, "portal/invalid.html", status=404)
    PortalAccess.objects.filter(pk=access.pk).update(last_used_at=timezone.now())
    return access


@rate_limited
@never_cache
@require_GET
def portal_export(request: HttpRequest, token: str) -> HttpResponse:
    """The client downloads everything stored about them."""
    access = _portal(request, token)
    if isinstance(access, HttpResponse):
        return access
    client = access.client
    body = export_json(client)
    record(
        request,
        "export",
        client,
        client=client,
        actor_label="client portal",
        format="json",
        via="portal",
    )
    return _download(body, client)


@rate_limited
@require_POST
def portal_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """The client stops the questionnaires of their current episode."""
    access = _portal(request, token)
    if isinstance(access, HttpResponse):
        return access
    back = f"{reverse('portal:home', args=[token])}#your-data"
    episode = access.client.current_episode()
    if episode is None or consent_state(episode).status == "none":
        messages.info(
            request, gettext_lazy("You have not agreed to any questionnaires, so there is nothing to stop.")
        )
    elif request.POST.get("confirm") != "yes":
        messages.error(request, gettext_lazy("Please tick the box first if you want to stop the questions."))
    elif withdraw_consent(episode, via=Channel.PORTAL, request=request) is not None:
        messages.success(
            request,
            gettext_lazy("Done: you will not get any more questionnaires. Your therapist can see this. "
            "If you change your mind, tell them."),
        )
    else:
        messages.info(request, gettext_lazy("The questionnaires were already stopped."))
    return redirect(back)
