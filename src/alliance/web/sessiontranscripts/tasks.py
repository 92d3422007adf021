"""Background work: analyse an uploaded transcript, saying how far it has got.

Runs through django-tasks (in-process with the immediate backend; by
``manage.py db_worker`` with the database backend), so a long session never
holds a web request open. The stored row carries ``status``, ``progress``
and ``stage`` for the page to show while it runs.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from alliance.transcripts import TranscriptParseError, analyse, parse_with_notes, render_html
from alliance.web.sessiontranscripts.models import Transcript

#: Progress (percent) at the start of each stage; labelling fills the span up to PROFILING.
READING, LABELLING, PROFILING, RENDERING = 5, 10, 90, 95


def _stage(pk: int, progress: int, stage: str) -> None:
    Transcript.objects.filter(pk=pk).update(progress=progress, stage=stage[:80])


@task()
def analyse_transcript(transcript_id: int) -> str:
    """Label, profile and render one stored transcript; returns its final status.

    A transcript deleted meanwhile is left alone ("gone"); one already
    analysed is not analysed again.
    """
    t = (
        Transcript.objects.select_related("session__episode")
        .filter(pk=transcript_id)
        .exclude(status=Transcript.Status.DONE)
        .first()
    )
    if t is None:
        return "gone"
    pk = t.pk
    Transcript.objects.filter(pk=pk).update(
        status=Transcript.Status.RUNNING, progress=READING, stage="reading the file", error=""
    )
    session, episode = t.session, t.session.episode
    try:
        parsed = parse_with_notes(
            t.text, format=t.format, transcript_id=f"session-{session.number}", source=t.filename
        )
        n = len(parsed.utterances)

        def step(done: float, what: str) -> None:
            _stage(pk, LABELLING + int((PROFILING - LABELLING) * done), what)

        step(0.0, f"labelling {n:,} utterances")
        result = analyse(
            parsed.utterances,
            approach=episode.approach or None,
            cnip_directiveness=(episode.cnip_scores or {}).get("directiveness"),
            progress=step,
        )
        _stage(pk, RENDERING, "drawing the timeline")
        html = render_html(
            result.frame, result.profiles, result.moments, title=f"Session {session.number}"
        )
    except (TranscriptParseError, ValueError) as exc:
        Transcript.objects.filter(pk=pk).update(
            status=Transcript.Status.FAILED, stage="", error=str(exc)[:300]
        )
        return Transcript.Status.FAILED
    profile = result.profiles[0].to_dict() if result.profiles else {}
    Transcript.objects.filter(pk=pk).update(
        status=Transcript.Status.DONE,
        progress=100,
        stage="",
        profile=profile,
        html=html,
        analysed_at=timezone.now(),
    )
    return Transcript.Status.DONE
