"""Resend an overdue questionnaire: a new link (the old one stops working), by e-mail or text."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.crypto.secrets_box import keep
from alliance.web.measures.lookup import staff_link
from alliance.web.measures.services import email_link, link_url, replace_link
from alliance.web.texting.services import text_link


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("care:dashboard")


@require_POST
@clinician_required
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    link = staff_link(request, pk)
    if isinstance(link, HttpResponse):
        return link
    client = link.client
    channel = request.POST.get("channel")
    if channel == "email" and not client.email:
        messages.error(request, gettext_lazy("No e-mail address on file for this client."))
        return _back(request)
    if channel == "text" and not client.may_text:
        messages.error(
            request,
            gettext_lazy("This client has no mobile number or has not agreed to text messages."),
        )
        return _back(request)
    if channel not in ("email", "text"):
        messages.error(request, gettext_lazy("Choose e-mail or text."))
        return _back(request)
    try:
        with transaction.atomic():
            new, token = replace_link(link.session, request.user, request)
            if channel == "text":
                text_link(new, link_url(token, request), by=request.user, request=request)
    except ValueError as exc:  # answered meanwhile, consent withdrawn, data erased: says why
        messages.error(request, str(exc))
        return _back(request)
    keep(request, f"link_token_{new.pk}", token)
    if channel == "email":
        email_link(new, token, request)
        messages.success(
            request,
            gettext_lazy("A new link was e-mailed to %(code)s; the old one no longer works.")
            % {"code": client.code},
        )
    else:
        messages.success(
            request,
            gettext_lazy("A new link was texted to %(code)s; the old one no longer works.")
            % {"code": client.code},
        )
    return _back(request)
