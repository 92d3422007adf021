"""The analysis of an upload runs as background work: the page shows its progress, then the
result with the quality estimate's uncertainty and the moments worth a second look first."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.sessiontranscripts import tasks
from alliance.web.sessiontranscripts.models import Transcript

VTT = (
    "WEBVTT\n\n"
    "00:00:00.000 --> 00:00:02.000\nRecording started\n\n"
    "00:00:02.000 --> 00:00:05.000\nT: What brings you here today?\n\n"
    "00:00:05.000 --> 00:00:09.000\nC: My doctor says I drink too much.\n\n"
    "00:00:09.000 --> 00:00:12.000\nT: You should stop drinking and join a group.\n\n"
    "00:00:12.000 --> 00:00:16.000\nC: I've tried that. Honestly, this isn't helping.\n\n"
    "00:00:16.000 --> 00:00:18.000\nT: Do you drink every day?\n\n"
    "00:00:18.000 --> 00:00:19.000\nC: Yeah.\n\n"
    "00:00:19.000 --> 00:00:21.000\nT: Every evening?\n\n"
    "00:00:21.000 --> 00:00:22.000\nC: Yeah.\n\n"
    "00:00:22.000 --> 00:00:24.000\nT: And at weekends?\n\n"
    "00:00:24.000 --> 00:00:25.000\nC: Yes.\n"
)


def _post(http: HttpClient, session_pk: int, body: str = VTT, name: str = "s.vtt"):
    return http.post(
        reverse("sessiontranscripts:upload", args=[session_pk]),
        {"file": SimpleUploadedFile(name, body.encode(), content_type="text/vtt")},
    )


def test_the_upload_returns_before_the_analysis_and_the_page_shows_progress(
    client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        page = _post(client, session.pk)
    assert page.status_code == 302
    assert len(queued) == 1  # the analysis is handed to the task backend after the commit
    t = Transcript.objects.get(session=session)
    assert (t.status, t.progress, t.utterances) == ("queued", 0, 10)
    detail = client.get(reverse("sessiontranscripts:detail", args=[session.pk]))
    body = detail.content.decode()
    assert "Waiting to be analysed" in body and "<progress" in body
    assert detail.headers["Refresh"] == "3"
    assert "kept out of the labels" in body  # the parser's note on the speaker-less cue
    status = json.loads(client.get(reverse("sessiontranscripts:status", args=[session.pk])).content)
    assert status == {"status": "queued", "progress": 0, "stage": "", "error": ""}
    assert client.get(reverse("sessiontranscripts:timeline", args=[session.pk])).status_code == 404
    queued[0]()  # the worker picks it up
    t.refresh_from_db()
    assert (t.status, t.progress) == ("done", 100)
    assert t.analysed_at is not None


def test_the_analysis_reports_its_stages_as_it_goes(
    client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    seen: list[tuple[int, str]] = []
    real = tasks._stage

    def spy(pk: int, progress: int, stage: str) -> None:
        seen.append((progress, stage))
        real(pk, progress, stage)

    monkeypatch.setattr(tasks, "_stage", spy)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session.pk)
    progress = [p for p, _ in seen]
    assert progress == sorted(progress) and progress[0] == tasks.LABELLING
    assert any(s.startswith("labelling 10 utterances") for _, s in seen)
    assert seen[-1] == (tasks.RENDERING, "drawing the timeline")


def test_the_result_shows_the_quality_with_its_uncertainty_and_moments_first(
    client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session.pk)
    detail = client.get(reverse("sessiontranscripts:detail", args=[session.pk]))
    assert "Refresh" not in detail.headers
    body = detail.content.decode()
    q = Transcript.objects.get(session=session).profile["quality"]
    assert 0.0 <= q["low"] <= q["high"] <= 1.0
    assert f"90% interval {q['low']:.2f} to {q['high']:.2f}" in body
    # The headline is the record of sessions scored like this one, with its interval;
    # the model's own probability comes after it, never alone and never first.
    headline = (
        f"Of the {q['neighbours']} training sessions the model scored most like this one, "
        f"<strong>{q['neighbours_high']}</strong> were rated high-quality"
    )
    assert headline in body
    own = f"The model's own probability is {q['probability']:.2f};"
    assert body.count(own) == 1 and body.index(headline) < body.index(own)
    assert "only 18 of them low quality" in body
    moments = body.index("Moments worth a second look")
    assert moments < body.index("MI-consistent practice") < body.index("Reflections per question")
    # confrontation (the complaint) is listed before withdrawal (the run of minimal replies)
    assert body.index("confrontation", moments) < body.index("withdrawal", moments)


def test_a_failed_analysis_says_why_and_stops_refreshing(
    client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]

    def broken(*_a: object, **_k: object) -> None:
        raise ValueError("no utterances to analyse")

    monkeypatch.setattr(tasks, "analyse", broken)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, session.pk)
    t = Transcript.objects.get(session=session)
    assert (t.status, t.error) == ("failed", "no utterances to analyse")
    detail = client.get(reverse("sessiontranscripts:detail", args=[session.pk]))
    assert "The analysis stopped: no utterances to analyse" in detail.content.decode()
    assert "Refresh" not in detail.headers


def test_a_transcript_deleted_before_its_turn_is_left_alone(
    client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        _post(client, session.pk)
    client.post(reverse("sessiontranscripts:delete", args=[session.pk]))
    queued[0]()
    assert not Transcript.objects.exists()


@pytest.mark.parametrize("who", ["ada", "bob"])
def test_the_progress_is_only_for_the_therapist_and_supervisors(
    who: str, request, client: HttpClient, alice, c1_sessions, django_capture_on_commit_callbacks
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    with django_capture_on_commit_callbacks(execute=False):
        _post(client, session.pk)
    other = type(client)()  # the staff client that passes two-step sign-in
    other.force_login(request.getfixturevalue(who))
    assert other.get(reverse("sessiontranscripts:status", args=[session.pk])).status_code == 404
