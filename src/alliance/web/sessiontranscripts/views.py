"""Upload, read and delete a session transcript.

Visible only to the client's therapist and the clinic's supervisors (not to
administrators or researchers); every read and change is audited.

The upload is read at once (a file that is not a transcript is refused with
its line, nothing stored); the analysis then runs as background work
(:func:`~alliance.web.sessiontranscripts.tasks.analyse_transcript`) and the
page shows its progress until the result is ready.
"""

from __future__ import annotations

from functools import partial
from typing import Any, cast

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.transcripts import TranscriptParseError, parse_with_notes
from alliance.transcripts.parse import detect_format
from alliance.web.accounts.access import clinician_required
from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.care.lookup import session_for
from alliance.web.care.models import Session
from alliance.web.sessiontranscripts.models import Transcript
from alliance.web.sessiontranscripts.tasks import analyse_transcript

MAX_BYTES = 2 * 1024 * 1024
ALLOWED_SUFFIXES = (".vtt", ".srt", ".txt", ".csv")
#: How often the page asks again while the analysis runs.
REFRESH_SECONDS = 3


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
        parsed = parse_with_notes(
            text, format=fmt, transcript_id=f"session-{session.number}", source=name
        )
    except (TranscriptParseError, ValueError) as exc:
        messages.error(request, f"{name}: {exc}")
        return redirect("care:session", pk=session.pk)
    n = len(parsed.utterances)
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                session=session,
                filename=name[:200],
                format=fmt,
                text=text,
                html="",
                utterances=n,
                notes=[
                    *parsed.summary(),
                    *(
                        f"line {x.line}: {x.message}"
                        for x in parsed.notes
                        if x.kind != "attributed"
                    ),
                ][:50],
                uploaded_by=cast(User, request.user),
            )
            transaction.on_commit(partial(analyse_transcript.enqueue, transcript.pk))
    except IntegrityError:
        messages.info(
            request, gettext_lazy("This session already has a transcript. Delete it first to replace it.")
        )
        return redirect("care:session", pk=session.pk)
    record(request, "create", transcript, client=session.episode.client, utterances=n)
    messages.success(
        request,
        gettext_lazy("Transcript received: %(n)s utterances. The analysis runs in the background.")
        % {"n": f"{n:,}"},
    )
    return redirect("sessiontranscripts:detail", pk=session.pk)


def _moments_first(profile: dict[str, Any]) -> list[dict[str, Any]]:
    """Moments to look at again, confrontation before withdrawal, then in conversation order."""
    order = {"confrontation": 0, "withdrawal": 1}
    moments = list(profile.get("moments") or [])
    return sorted(moments, key=lambda m: (order.get(m.get("kind"), 2), m.get("utterance_id", 0)))


@clinician_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    transcript = Transcript.objects.filter(session=session).first()
    if transcript is None:
        raise Http404("No transcript for this session.")
    record(request, "view", transcript, client=session.episode.client)
    profile = transcript.profile or {}
    ready = transcript.status == Transcript.Status.DONE
    response = render(
        request,
        "sessiontranscripts/detail.html",
        {
            "session": session,
            "client": session.episode.client,
            "transcript": transcript,
            "profile": profile,
            "quality": profile.get("quality"),
            "moments": _moments_first(profile),
            "ready": ready,
        },
    )
    if not ready and transcript.status != Transcript.Status.FAILED:
        response["Refresh"] = str(REFRESH_SECONDS)  # the app has no JavaScript
    return response


@clinician_required
def status(request: HttpRequest, pk: int) -> JsonResponse:
    """How far the analysis has got (for the page while it waits); no transcript content."""
    session = _session(request, pk)
    transcript = (
        Transcript.objects.filter(session=session)
        .only("status", "progress", "stage", "error")
        .first()
    )
    if transcript is None:
        raise Http404("No transcript for this session.")
    return JsonResponse(
        {
            "status": transcript.status,
            "progress": transcript.progress,
            "stage": transcript.stage,
            "error": transcript.error,
        }
    )


@clinician_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The self-contained timeline page (its text escaped by the core's renderer)."""
    session = _session(request, pk)
    transcript = Transcript.objects.filter(session=session).first()
    if transcript is None or transcript.status != Transcript.Status.DONE:
        raise Http404("No analysed transcript for this session.")
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
