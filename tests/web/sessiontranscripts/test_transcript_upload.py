"""A therapist uploads a session transcript; it is analysed, encrypted, shown and deletable."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from alliance.web.audit.models import AuditEvent
from alliance.web.sessiontranscripts.models import Transcript

TRANSCRIPT = (
    "T: What brings you here today?\n"
    "C: I keep arguing with my partner <script>alert(1)</script> and I want it to stop.\n"
    "T: You want things to be calmer at home.\n"
    "C: Yes. I really want to change how I react.\n"
    "T: What have you tried so far?\n"
    "C: Not much, honestly.\n"
)


@pytest.fixture
def _upload(django_capture_on_commit_callbacks):
    """Upload a file and run the background analysis it enqueues (immediate backend)."""

    def upload(http: HttpClient, session_pk: int, name: str = "s4.txt", body: bytes | None = None):
        data = TRANSCRIPT.encode() if body is None else body
        with django_capture_on_commit_callbacks(execute=True):
            return http.post(
                reverse("sessiontranscripts:upload", args=[session_pk]),
                {"file": SimpleUploadedFile(name, data, content_type="text/plain")},
            )

    return upload


def test_alice_uploads_a_transcript_and_sees_its_profile(
    _upload, client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    page = _upload(client, session.pk)
    assert page.status_code == 302
    transcript = Transcript.objects.get(session=session)
    assert transcript.utterances == 6
    assert transcript.profile["therapist_utterances"] == 3
    detail = client.get(reverse("sessiontranscripts:detail", args=[session.pk])).content.decode()
    assert "Reflections per question" in detail
    assert AuditEvent.objects.filter(
        object_type="sessiontranscripts.transcript", action="create"
    ).exists()


def test_the_stored_transcript_is_encrypted_and_the_timeline_escapes_its_text(
    _upload, client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    _upload(client, session.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text, html FROM sessiontranscripts_transcript")
        text, html = cursor.fetchone()
    assert "arguing with my partner" not in text
    assert "arguing with my partner" not in html
    timeline = client.get(reverse("sessiontranscripts:timeline", args=[session.pk]))
    body = timeline.content.decode()
    assert "arguing with my partner" in body
    assert "<script>alert(1)</script>" not in body
    assert "default-src 'none'" in timeline.headers["Content-Security-Policy"]


def test_a_file_that_is_not_a_transcript_is_refused_with_the_line_and_nothing_is_stored(
    _upload, client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    page = _upload(client, session.pk, body=b"just some notes\nwithout speakers\n")
    assert page.status_code == 302
    assert not Transcript.objects.exists()
    follow = client.get(page.headers["Location"]).content.decode()
    assert "line" in follow


def test_binary_and_wrongly_named_files_are_refused(
    _upload, client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    _upload(client, session.pk, body=b"\xff\xfe\x00\x01binary")
    _upload(client, session.pk, name="notes.docx")
    assert not Transcript.objects.exists()


def test_a_supervisor_can_read_it_but_the_clinic_administrator_cannot(
    _upload, client: HttpClient, alice, sue, ada, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    _upload(client, session.pk)
    supervisor, admin = (
        type(client)(),
        type(client)(),
    )  # the staff client that passes two-step sign-in
    supervisor.force_login(sue)
    admin.force_login(ada)
    assert (
        supervisor.get(reverse("sessiontranscripts:detail", args=[session.pk])).status_code == 200
    )
    assert admin.get(reverse("sessiontranscripts:detail", args=[session.pk])).status_code == 404


def test_deleting_the_transcript_removes_it_and_is_audited(
    _upload, client: HttpClient, alice, c1_sessions
) -> None:
    client.force_login(alice)
    session = c1_sessions[0]
    _upload(client, session.pk)
    client.post(reverse("sessiontranscripts:delete", args=[session.pk]))
    assert not Transcript.objects.exists()
    assert AuditEvent.objects.filter(
        object_type="sessiontranscripts.transcript", action="delete"
    ).exists()
