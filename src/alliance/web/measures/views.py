"""The client's questionnaire pages, opened from a personal link.

Works without JavaScript, one instrument per page, answers kept after each
page so the client can stop and come back. Tampered, expired, replaced or
used links get a clear page, never an error; a double-clicked send stores
one response.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alliance.web.audit.log import record
from alliance.web.consent.models import Channel
from alliance.web.consent.services import record_consent
from alliance.web.consent.texts import CONSENT_VERSION, consent_text
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.languages import instrument_in, use_client_language
from alliance.web.measures.answers import draft_has_risk, report_risk
from alliance.web.measures.forms import InstrumentForm, initial_from_answers
from alliance.web.measures.models import Link
from alliance.web.measures.services import find_link, save_draft, submit_link
from alliance.web.ratelimit import rate_limited

STATUS_FOR_STATE = {"expired": 410, "revoked": 410}


def _therapist_name(link: Link) -> str:
    therapist = link.session.episode.client.therapist
    return therapist.first_name or _("my therapist")


def _gate(request: HttpRequest, token: str) -> tuple[Link | None, HttpResponse | None]:
    """The open link for a token, or the page to show instead."""
    link = find_link(token)
    if link is None:
        return None, render(request, "measures/link_invalid.html", status=404)
    use_client_language(request, link.client)
    state = link.state()
    if state == "submitted":
        return None, render(request, "measures/already.html", {"org": link.client.organisation})
    if state in STATUS_FOR_STATE:
        return None, render(
            request,
            f"measures/link_{state}.html",
            {"org": link.client.organisation},
            status=STATUS_FOR_STATE[state],
        )
    return link, None


def _next_step(link: Link) -> int:
    for i, instrument in enumerate(link.instruments, start=1):
        if instrument not in link.draft:
            return i
    return len(link.instruments)


@rate_limited
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    link, page = _gate(request, token)
    if link is None:
        assert page is not None  # noqa: S101 - _gate returns one of the two
        return page
    if link.opened_at is None:
        Link.objects.filter(pk=link.pk).update(opened_at=timezone.now())
    episode = link.session.episode
    if link.ask_consent and episode.consent_at is None:
        if request.method == "POST":
            if request.POST.get("consent") != "yes":
                return render(
                    request,
                    "measures/consent.html",
                    {
                        "link": link,
                        "token": token,
                        "text": consent_text(),
                        "error": _("Please tick the box to go on, or close this page."),
                    },
                    status=400,
                )
            with transaction.atomic():
                # The consent record (which text, when, how) and Episode.consent_at, once:
                # a second click finds the consent live and records nothing more.
                consent = record_consent(episode, via=Channel.CLIENT_LINK, request=request)
                if consent is not None:
                    record(
                        request,
                        "update",
                        episode,
                        client=episode.client,
                        actor_label="client link",
                        consent=CONSENT_VERSION,
                        language=link.client.language,
                    )
            return redirect("measures:step", token=token, step=_next_step(link))
        return render(
            request,
            "measures/consent.html",
            {"link": link, "token": token, "text": consent_text(), "org": link.client.organisation},
        )
    return redirect("measures:step", token=token, step=_next_step(link))


@rate_limited
@never_cache
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, token: str, step: int) -> HttpResponse:
    link, page = _gate(request, token)
    if link is None:
        assert page is not None  # noqa: S101
        return page
    if link.ask_consent and link.session.episode.consent_at is None:
        return redirect("measures:start", token=token)
    total = len(link.instruments)
    if not 1 <= step <= total:
        return redirect("measures:step", token=token, step=_next_step(link))
    instrument, only_in = instrument_in(
        instrument_for(link.client.organisation_id, link.instruments[step - 1]),
        link.client.language,
    )
    form = InstrumentForm(
        request.POST if request.method == "POST" else None,
        instrument=instrument,
        therapist_name=_therapist_name(link),
        initial=initial_from_answers(link.draft.get(instrument.id, {})),
    )
    if request.method == "POST" and form.is_valid():
        answers = form.answers()
        save_draft(link, instrument.id, answers)
        risk = report_risk(link.session, instrument, answers)
        if step < total:
            if risk:
                return render(
                    request,
                    "measures/crisis.html",
                    {"org": link.client.organisation, "next": step + 1, "token": token},
                )
            return redirect("measures:step", token=token, step=step + 1)
        try:
            result = submit_link(link, request)
        except ValueError:  # an earlier page is still unanswered (e.g. a bookmarked last page)
            return redirect("measures:step", token=token, step=_next_step(link))
        context: dict[str, Any] = {
            "org": link.client.organisation,
            "risk": risk or draft_has_risk(link),
        }
        if result.already:
            return render(request, "measures/already.html", context)
        return render(request, "measures/thanks.html", context)
    return render(
        request,
        "measures/step.html",
        {
            "link": link,
            "token": token,
            "form": form,
            "instrument": instrument,
            "only_in": only_in,
            "step": step,
            "total": total,
            "percent": int(100 * (step - 1) / total),
            "last": step == total,
            "org": link.client.organisation,
        },
        status=400 if request.method == "POST" else 200,
    )

