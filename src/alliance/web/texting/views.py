"""Staff: a client's number and consent to texts, sending a link by text. Provider: STOP replies."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.audit.log import record
from alliance.web.care.lookup import client_for
from alliance.web.measures.lookup import open_token, staff_link
from alliance.web.measures.services import link_url
from alliance.web.texting.forms import TextConsentForm
from alliance.web.texting.services import (
    e164,
    record_text_consent,
    stop_texts,
    stop_texts_to_number,
)
from alliance.web.texting.signature import valid_signature

# Replies the provider treats as opting out (Twilio's default opt-out keywords).
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}


@require_POST
@clinician_required
def client_texts(request: HttpRequest, pk: int) -> HttpResponse:
    """Record the client's number and consent to texts, or stop texts."""
    client = client_for(request, pk)
    if request.POST.get("action") == "stop":
        stop_texts(client, via="staff", request=request)
        messages.success(request, gettext_lazy("No more text messages will be sent to this client."))
        return redirect(f"{reverse('care:client', args=[client.pk])}#texts")
    form = TextConsentForm(request.POST)
    if form.is_valid():
        record_text_consent(client, phone=form.cleaned_data["phone"], via="staff", request=request)
        messages.success(request, gettext_lazy("Consent to text messages recorded."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    return redirect(f"{reverse('care:client', args=[client.pk])}#texts")


@require_POST
@clinician_required
def client_language(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff change the client's preferred language (the client can too, on their page)."""
    client = client_for(request, pk)
    chosen = request.POST.get("language", "")
    if chosen in dict(settings.LANGUAGES):
        type(client).objects.filter(pk=client.pk).update(language=chosen)
        record(request, "update", client, client=client, language=chosen)
        messages.success(request, gettext_lazy("The client's preferred language is saved."))
    else:
        messages.error(request, gettext_lazy("Choose one of the languages offered."))
    return redirect(f"{reverse('care:client', args=[client.pk])}#texts")


@require_POST
@clinician_required
def link_text(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the session's link by text (the token is only in this staff session)."""
    from alliance.web.texting.services import text_link

    link = staff_link(request, pk)
    if isinstance(link, HttpResponse):
        return link
    token = open_token(request, link)
    if token is None:
        messages.error(request, gettext_lazy("This link can no longer be sent. Create a new link."))
    elif text_link(link, link_url(token, request), by=request.user, request=request) is None:
        messages.error(
            request,
            gettext_lazy("This client has no mobile number or has not agreed to text messages."),
        )
    else:
        messages.success(
            request,
            gettext_lazy("Text message queued to %(phone)s. Its status shows below.")
            % {"phone": link.client.phone},
        )
    return redirect("care:session", pk=link.session_id)


EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    """Twilio's incoming-message webhook: a STOP reply ends texts to that number.

    Only requests signed with the clinic's auth token are read (403 otherwise);
    nothing is ever sent back in reply (the provider confirms the opt-out itself).
    """
    params = {key: request.POST.get(key, "") for key in request.POST}
    url = f"{settings.SITE_URL}{request.get_full_path()}"
    if not valid_signature(
        settings.TWILIO_AUTH_TOKEN, url, params, request.headers.get("X-Twilio-Signature", "")
    ):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    words = params.get("Body", "").strip().upper()
    if params.get("OptOutType", "").upper() == "STOP" or words in STOP_WORDS:
        try:
            number = e164(params.get("From", ""), region=settings.ALLIANCE_PHONE_REGION)
        except Exception:
            number = ""
        if number:
            stop_texts_to_number(number, via="reply STOP")
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
