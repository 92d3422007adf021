"""Upload, read and delete a session transcript.

Visible only to the client's therapist and the clinic's supervisors (not to
administrators or researchers); every read and change is audited.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.transcripts import TranscriptParseError, analyse, parse_transcript, render_html
from alliance.transcripts.parse import detect_format
from alliance.web.accounts.access import clinician_required
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.care.lookup import session_for
from alliance.web.care.models import Session
from alliance.web.sessiontranscripts.models import Transcript

MAX_BYTES = 2 * 1024 * 1024
ALLOWED_SUFFIXES = (".vtt", ".srt", ".txt", ".csv")


def _session(request: HttpRequest, pk: int) -> Session:
    """The session, if the user is the client's therapist or a supervisor of the clinic."""
    session = session_for(request, pk)
    user: Any = request.user
    if user.role == "supervisor" or session.episode.client.therapist_id == user.pk:
        return session
    raise Http404("No such session.")


@require_POST
@clinician_required
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, gettext_lazy("Choose a transcript file to upload."))
        return redirect("care:session", pk=session.pk)
    name = uploaded.name or "transcript.txt"
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        messages.error(request, gettext_lazy("%(name)s: use a .vtt, .srt, .txt or AnnoMI .csv file.") % {"name": name})
        return redirect("care:session", pk=session.pk)
    if uploaded.size is None or uploaded.size > MAX_BYTES:
        messages.error(request, gettext_lazy("%(name)s is larger than 2 MB; is it really a transcript?") % {"name": name})
        return redirect("care:session", pk=session.pk)
    try:
        text = uploaded.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, gettext_lazy("%(name)s is not UTF-8 text. Export it again as UTF-8.") % {"name": name})
        return redirect("care:session", pk=session.pk)
    try:
        fmt = detect_format(name, text)
        utterances = parse_transcript(
            text, format=fmt, transcript_id=f"session-{session.number}", source=name
        )
        episode = session.episode
        result = analyse(
            utterances,
            approach=episode.approach or None,
            cnip_directiveness=(episode.cnip_scores or {}).get("directiveness"),
        )
    except (TranscriptParseError, ValueError) as exc:
        messages.error(request, f"{name}: {exc}")
        return redirect("care:session", pk=session.pk)
    profile = result.profiles[0].to_dict() if result.profiles else {}
    html = render_html(
        result.frame, result.profiles, result.moments, title=f"Session {session.number}"
    )
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                session=session,
                filename=name[:200],
                format=fmt,
                text=text,
                profile=profile,
                html=html,
                utterances=len(utterances),
                uploaded_by=cast(User, request.user),
            )
    except IntegrityError:
        messages.info(
            request, gettext_lazy("This session already has a transcript. Delete it first to replace it.")
        )
        return redirect("care:session", pk=session.pk)
    record(request, "create", transcript, client=episode.client, utterances=len(utterances))
    messages.success(request, gettext_lazy("Transcript analysed: %(n)s utterances.") % {"n": len(utterances)})
    return redirect("sessiontranscripts:detail", pk=session.pk)


@clinician_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    transcript = Transcript.objects.filter(session=session).first()
    if transcript is None:
        raise Http404("No transcript for this session.")
    record(request, "view", transcript, client=session.episode.client)
    return render(
        request,
        "sessiontranscripts/detail.html",
        {
            "session": session,
            "client": session.episode.client,
            "transcript": transcript,
            "profile": transcript.profile,
        },
    )


@clinician_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-contained timeline page (its text escaped by the core's renderer)."""
    session = _session(request, pk)
    transcript = Transcript.objects.filter(session=session).first()
    if transcript is None:
        raise Http404("No transcript for this session.")
    record(request, "view", transcript, client=session.episode.client, page="timeline")
    response = HttpResponse(transcript.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@clinician_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    transcript = Transcript.objects.filter(session=session).first()
    if transcript is not None:
        record(request, "delete", transcript, client=session.episode.client)
        transcript.delete()
        messages.success(request, gettext_lazy("Transcript deleted."))
    return redirect("care:session", pk=session.pk)
