"""Therapist pages: caseload, intake, client page, sessions and the therapist's form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, FloatField, IntegerField, OuterRef, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.approach import suggest_approach
from alliance.web.accounts.access import clinician_required
from alliance.web.accounts.models import Role, User
from alliance.web.alerts.models import Alert
from alliance.web.audit.log import record
from alliance.web.care.lookup import client_for, episode_for, session_for
from alliance.web.care.models import Approach, Client, Episode
from alliance.web.caseload.forms import ApproachForm, IntakeForm, SessionForm
from alliance.web.caseload.page import client_page_context
from alliance.web.crypto.secrets_box import keep, read
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.measures.answers import AnswersConflict
from alliance.web.measures.forms import InstrumentForm
from alliance.web.measures.lookup import open_token, staff_link
from alliance.web.measures.models import Respondent, Response
from alliance.web.measures.plans import create_default_plan, due
from alliance.web.measures.qr import qr_svg
from alliance.web.measures.services import (
    AnswersAlreadyIn,
    create_link,
    email_link,
    link_url,
    replace_link,
    save_therapist_response,
    start_session,
)
from alliance.web.portal.services import create_portal_link
from alliance.web.score_columns import PHQ9_TOTAL, total_of

PAGE_SIZE = 50


def _open_alert_count(severity: str) -> Subquery:
    alerts = (
        Alert.objects.filter(episode__client=OuterRef("pk"), severity=severity)
        .exclude(status=Alert.Status.RESOLVED)
        .values("episode__client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(alerts, output_field=IntegerField())


def _latest_score(instrument: str) -> Subquery:
    """The total score of the client's latest answers to ``instrument``."""
    latest = (
        Response.objects.filter(
            session__episode__client=OuterRef("pk"),
            instrument=instrument,
            respondent=Respondent.CLIENT,
        )
        .order_by("-session__number", "-pk")
        .annotate(value=Cast(KeyTextTransform(total_of(instrument), "scores"), FloatField()))
    )
    return Subquery(latest.values("value")[:1], output_field=FloatField())


@clinician_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The caseload, ordered by what needs attention first."""
    clients = (
        Client.objects.for_user(request.user)
        .filter(archived=False)
        .select_related("therapist")
        .annotate(
            urgent=Coalesce(_open_alert_count("urgent"), Value(0)),
            warnings=Coalesce(_open_alert_count("warning"), Value(0)),
            infos=Coalesce(_open_alert_count("info"), Value(0)),
            latest_sai=_latest_score("sai"),
            latest_phq9=_latest_score("phq9"),
        )
        .order_by("-urgent", "-warnings", "-infos", "code")
    )
    query = "".join(ch for ch in request.GET.get("q", "") if ch.isprintable()).strip()[:40]
    if query:
        clients = clients.filter(code__icontains=query)
    page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "care/dashboard.html", {"page": page, "query": query})


@clinician_required
def client_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = IntakeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            client = Client.objects.create(
                organisation_id=user.organisation_id,
                code=data["code"],
                email=data["email"],
                language=data["language"] or settings.LANGUAGE_CODE,
                therapist=data.get("therapist") or user,
            )
            episode = Episode.objects.create(
                client=client,
                started=data["started"],
                hoped_change=data["hoped_change"],
                expected_sessions=data["expected_sessions"],
                how_know_working=data["how_know_working"],
            )
            create_default_plan(episode)
            record(request, "create", client, client=client)
        messages.success(
            request,
            gettext_lazy(
                "Client %(code)s added. Start the first session to send their first questionnaire."
            )
            % {"code": client.code},
        )
        return redirect("care:client", pk=client.pk)
    return render(request, "care/client_new.html", {"form": form})


@clinician_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for(request, pk)
    record(request, "view", client, client=client)
    token = read(request, f"portal_token_{client.pk}", pop=True)
    portal_url = None
    if token:
        from django.urls import reverse

        portal_url = request.build_absolute_uri(reverse("portal:home", args=[token]))
    context = client_page_context(client, portal_url, viewer=request.user)
    return render(request, "care/client.html", context)


@clinician_required
def items_view(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    """Item-level answers across sessions for one instrument."""
    client = client_for(request, pk)
    episode = client.current_episode()
    try:
        inst = instrument_for(client.organisation_id, instrument)
    except KeyError:
        return render(request, "care/not_found.html", {"what": gettext_lazy("instrument")}, status=404)
    rows: list[dict[str, Any]] = []
    if episode is not None:
        responses = Response.objects.filter(
            session__episode=episode, instrument=inst.id
        ).select_related("session")
        rows = [
            {
                "session": r.session.number,
                "respondent": r.get_respondent_display(),
                "answers": [r.answers.get(str(i.n)) for i in inst.items],
            }
            for r in responses.order_by("session__number", "respondent")
        ]
    record(request, "view", client, client=client, view="items", instrument=inst.id)
    return render(request, "care/items.html", {"client": client, "instrument": inst, "rows": rows})


@clinician_required
def approach(request: HttpRequest, pk: int) -> HttpResponse:
    episode = episode_for(request, pk)
    phq = (
        Response.objects.filter(session__episode=episode, instrument="phq9", respondent="client")
        .order_by("session__number")
        .first()
    )
    severe = bool(phq and (phq.scores.get(PHQ9_TOTAL) or 0) >= 20)
    cnip = {
        k: v
        for k, v in (episode.cnip_scores or {}).items()
        if k in ("directiveness", "emotional_intensity", "past_orientation", "warm_support")
    }
    suggestion = suggest_approach(cnip, severe_symptoms=severe)
    initial = {"approach": episode.approach or suggestion.approach}
    form = ApproachForm(request.POST or None, instance=episode, initial=initial)
    if request.method == "POST" and form.is_valid():
        episode = form.save(commit=False)
        episode.approach_suggested = suggestion.approach
        episode.approach_reasons = list(suggestion.reasons)
        episode.save(
            update_fields=["approach", "approach_note", "approach_suggested", "approach_reasons"]
        )
        record(request, "update", episode, client=episode.client, approach=episode.approach)
        messages.success(request, gettext_lazy("Approach saved. You can revise it at any time."))
        return redirect("care:client", pk=episode.client_id)
    record(request, "view", episode, client=episode.client, page="approach")
    return render(
        request,
        "care/approach.html",
        {
            "episode": episode,
            "client": episode.client,
            "form": form,
            "suggestion": suggestion,
            "suggested_label": Approach(suggestion.approach).label,
            "has_cnip": bool(cnip),
        },
    )


@clinician_required
def session_new(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for(request, pk)
    episode = client.current_episode()
    if episode is None:
        messages.error(request, gettext_lazy("This client has no open episode of care."))
        return redirect("care:client", pk=client.pk)
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = start_session(episode, form.cleaned_data["date"])
        record(request, "create", session, client=client)
        try:
            link, token = create_link(session, request.user, request)
        except ValueError as exc:
            messages.info(request, str(exc))
            return redirect("care:session", pk=session.pk)
        keep(request, f"link_token_{link.pk}", token)
        if form.cleaned_data["send_email"]:
            if email_link(link, token, request):
                messages.success(request, gettext_lazy("Questionnaire link e-mailed to %(email)s.") % {"email": client.email})
            else:
                messages.info(
                    request, gettext_lazy("No e-mail address on file: show the QR code or copy the link.")
                )
        return redirect("care:session", pk=session.pk)
    return render(
        request, "care/session_new.html", {"client": client, "form": form, "episode": episode}
    )


@clinician_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = session_for(request, pk)
    client = session.episode.client
    links = list(session.links.all())
    stored = set(session.responses.filter(link__isnull=False).values_list("link_id", "instrument"))
    shown = []
    for link in links:
        token = read(request, f"link_token_{link.pk}")
        url = link_url(token, request) if token and link.state() == "open" else None
        # Answered through the link but not stored: the session already had the client's
        # answers to it (e.g. imported from the record system). Kept in the link's draft.
        kept = [i for i in link.instruments if link.submitted_at and (link.pk, i) not in stored]
        shown.append(
            {"link": link, "url": url, "qr": qr_svg(url) if url else None, "kept_in_draft": kept}
        )
    therapist_due = due(list(session.episode.plan.all()), session.number, Respondent.THERAPIST)
    done = set(
        session.responses.filter(respondent=Respondent.THERAPIST).values_list(
            "instrument", flat=True
        )
    )
    record(request, "view", session, client=client)
    user: Any = request.user
    can_see_transcript = user.role == "supervisor" or client.therapist_id == user.pk
    return render(
        request,
        "care/session.html",
        {
            "session": session,
            "client": client,
            "links": shown,
            "therapist_due": [(i, i in done) for i in therapist_due],
            "can_see_transcript": can_see_transcript,
            "has_transcript": can_see_transcript and hasattr(session, "transcript"),
        },
    )


@require_POST
@clinician_required
def link_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A fresh link for a session (e.g. after the first expired); older open links are revoked."""
    session = session_for(request, pk)
    try:
        link, token = replace_link(session, request.user, request)
    except AnswersAlreadyIn as exc:
        messages.info(request, str(exc))
        return redirect("care:session", pk=session.pk)
    except ValueError as exc:  # refused (consent withdrawn, data erased, nothing due): says why
        messages.error(request, str(exc))
        return redirect("care:session", pk=session.pk)
    keep(request, f"link_token_{link.pk}", token)
    messages.success(request, gettext_lazy("New link ready. The previous one no longer works."))
    return redirect("care:session", pk=session.pk)


@require_POST
@clinician_required
def link_email(request: HttpRequest, pk: int) -> HttpResponse:
    link = staff_link(request, pk)
    if isinstance(link, HttpResponse):
        return link
    token = open_token(request, link)
    if token is None:
        messages.error(request, gettext_lazy("This link can no longer be sent. Create a new link."))
    elif email_link(link, token, request):
        messages.success(request, gettext_lazy("Link e-mailed to %(email)s.") % {"email": link.client.email})
    else:
        messages.error(request, gettext_lazy("No e-mail address on file for this client."))
    return redirect("care:session", pk=link.session_id)


@clinician_required
def therapist_form(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    session = session_for(request, pk)
    client = session.episode.client
    allowed = due(list(session.episode.plan.all()), session.number, Respondent.THERAPIST)
    if instrument not in allowed:
        return render(request, "care/not_found.html", {"what": gettext_lazy("form for this session")}, status=404)
    inst = instrument_for(client.organisation_id, instrument)
    existing = session.responses.filter(
        respondent=Respondent.THERAPIST, instrument=instrument
    ).first()
    if existing is not None:
        messages.info(request, gettext_lazy("Your form for this session is already saved."))
        return redirect("care:session", pk=session.pk)
    form = InstrumentForm(request.POST or None, instrument=inst)
    if request.method == "POST" and form.is_valid():
        try:
            _response, created = save_therapist_response(
                session, inst.id, form.answers(), request.user, request
            )
        except AnswersConflict:  # other answers were saved first: kept, never overwritten
            created = False
        messages.success(
            request,
            gettext_lazy("Saved.")
            if created
            else gettext_lazy("Your form for this session was already saved."),
        )
        return redirect("care:client", pk=client.pk)
    return render(
        request,
        "care/therapist_form.html",
        {"session": session, "client": client, "form": form, "instrument": inst},
    )


@require_POST
@clinician_required
def portal_link(request: HttpRequest, pk: int) -> HttpResponse:
    """A new personal page link for the client, shown once on the client page."""
    client = client_for(request, pk)
    token = create_portal_link(client)
    record(request, "create", client, client=client, what="portal link")
    keep(request, f"portal_token_{client.pk}", token)
    messages.success(request, gettext_lazy("New personal page link made; any earlier one no longer works."))
    return redirect("care:client", pk=client.pk)


@require_POST
@clinician_required
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a client to another therapist's caseload (supervisors and administrators)."""
    user: Any = request.user
    client = client_for(request, pk)
    if not user.sees_whole_clinic:
        messages.error(request, gettext_lazy("Only a supervisor or administrator can change the therapist."))
        return redirect("care:client", pk=client.pk)
    chosen = request.POST.get("therapist", "")
    new = User.objects.filter(
        pk=int(chosen) if chosen.isascii() and chosen.isdigit() and len(chosen) < 19 else 0,
        organisation_id=user.organisation_id,
        role=Role.THERAPIST,
        is_active=True,
    ).first()
    if new is None:
        messages.error(request, gettext_lazy("Choose a therapist of this clinic."))
        return redirect("care:client", pk=client.pk)
    old = client.therapist
    Client.objects.filter(pk=client.pk).update(therapist=new)
    record(request, "update", client, client=client, therapist_from=old.pk, therapist_to=new.pk)
    messages.success(request, gettext_lazy("%(code)s is now on %(name)s's caseload.") % {"code": client.code, "name": new.display()})
    return redirect("care:client", pk=client.pk)
