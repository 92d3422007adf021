"""Erasure: administrators only, confirmed by typing the client's code; the shell and the audit trail stay."""

from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db import connection, models
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.web.alerts.models import Alert
from alliance.web.audit.chain import verify
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client, Episode, Session
from alliance.web.consent.models import Erasure
from alliance.web.crypto import encrypted_fields
from alliance.web.goals.models import Goal, GoalRating, Task
from alliance.web.measures.models import Link, Response
from alliance.web.portal.models import Feedback, PortalAccess
from alliance.web.rights.erasure import CLIENT_DELETED, EPISODE_DELETED, KEPT, erase_client


def erase_url(client: Client) -> str:
    return reverse("rights:client_erase", args=[client.pk])


def c1_rows(c1: Client) -> dict[str, int]:
    """How many rows of each kind hold c1's data."""
    by_episode = {"episode__client": c1}
    by_session = {"session__episode__client": c1}
    return {
        "responses": Response.objects.filter(**by_session).count(),
        "links": Link.objects.filter(**by_session).count(),
        "sessions": Session.objects.filter(**by_episode).count(),
        "goals": Goal.objects.filter(**by_episode).count(),
        "ratings": GoalRating.objects.filter(goal__episode__client=c1).count(),
        "tasks": Task.objects.filter(**by_episode).count(),
        "feedback": Feedback.objects.filter(**by_episode).count(),
        "alerts": Alert.objects.filter(**by_episode).count(),
        "portal links": PortalAccess.objects.filter(client=c1).count(),
    }


def every_decrypted_value() -> str:
    """Every encrypted column of every row, decrypted: what the app itself could still read."""
    parts: list[str] = []
    for model in apps.get_models():
        names = [f.name for f in encrypted_fields(model)]
        if names:
            parts.extend(repr(row) for row in model._default_manager.values_list(*names))
    return "\n".join(parts)


def every_raw_value() -> str:
    """Every row of every table as stored: what a copy of the database shows."""
    q = connection.ops.quote_name
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {q(table)}")  # noqa: S608 - names from introspection
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def test_the_clients_therapist_and_a_supervisor_cannot_erase(
    client: HttpClient, alice, sue, c1, c1_everything
) -> None:
    before = c1_rows(c1)
    for user in (alice, sue):
        client.force_login(user)
        page = client.get(reverse("care:client", args=[c1.pk])).content.decode()
        assert erase_url(c1) not in page
        assert client.get(erase_url(c1)).status_code == 404
        assert client.post(erase_url(c1), {"code": "C1-ALPHA"}).status_code == 404
    assert c1_rows(c1) == before
    assert not Erasure.objects.exists()


def test_erasure_is_refused_unless_the_clients_code_is_typed_exactly(
    client: HttpClient, ada, c1, c1_everything
) -> None:
    client.force_login(ada)
    before = c1_rows(c1)
    for typed in ("", "c1-alpha", "C1-ALPH", "X1-BRAVO"):
        page = client.post(erase_url(c1), {"code": typed})
        assert page.status_code == 400
    assert "nothing was erased" in page.content.decode()
    assert c1_rows(c1) == before
    assert not Erasure.objects.exists()
    assert not AuditEvent.objects.filter(action="delete").exists()


def test_an_administrator_erases_a_client_in_two_steps_and_the_client_page_says_when_and_by_whom(
    client: HttpClient, ada, alice, c1, c1_everything
) -> None:
    client.force_login(ada)
    page = client.get(reverse("care:client", args=[c1.pk])).content.decode()
    assert erase_url(c1) in page  # step 1: the button on the client page
    confirm = client.get(erase_url(c1)).content.decode()
    assert "This cannot be undone." in confirm
    assert "3 sessions" not in confirm and "4 sessions with" in confirm

    done = client.post(erase_url(c1), {"code": "C1-ALPHA"})  # step 2: the code, typed
    assert done.status_code == 302 and done.headers["Location"] == reverse(
        "care:client", args=[c1.pk]
    )

    today = timezone.localdate()
    for user in (ada, alice):
        http = type(client)()  # a fully signed-in member of staff (see tests/web/conftest.py)
        http.force_login(user)
        body = http.get(reverse("care:client", args=[c1.pk])).content.decode()
        assert f"data were erased on {today:%-d %b %Y} by Ada Tester" in body
        assert "No open episode of care." in body


def test_after_erasure_no_plaintext_of_the_client_remains_and_the_shell_stays(
    client: HttpClient, ada, c1, c1_everything, x1_everything
) -> None:
    assert all(text in every_decrypted_value() for text in c1_everything.texts)
    client.force_login(ada)
    client.post(erase_url(c1), {"code": "C1-ALPHA"})

    assert set(c1_rows(c1).values()) == {0}
    decrypted = every_decrypted_value()
    for text in c1_everything.texts:
        assert text not in decrypted
    assert "c1@client.example" not in every_raw_value()
    for secret in x1_everything[:3]:  # the other client's words are untouched
        assert secret in decrypted
    shell = Client.objects.get(pk=c1.pk)
    assert (shell.code, shell.email, shell.archived) == ("C1-ALPHA", "", True)
    (episode,) = Episode.objects.filter(client=c1)
    assert (
        episode.hoped_change,
        episode.how_know_working,
        episode.approach_note,
        episode.cnip_scores,
    ) == ("", "", "", {})
    assert episode.ended == timezone.localdate() and episode.consent_at is not None


def test_after_erasure_the_audit_chain_verifies_and_still_holds_the_clients_history(
    client: HttpClient, ada, c1, c1_everything
) -> None:
    client.force_login(ada)
    client.get(reverse("care:client", args=[c1.pk]))
    history = AuditEvent.objects.filter(client=c1).count()
    client.post(erase_url(c1), {"code": "C1-ALPHA"})

    assert verify().ok
    assert AuditEvent.objects.filter(client=c1).count() == history + 1
    event = AuditEvent.objects.get(action="delete", client=c1)
    assert (event.actor, event.object_type) == (ada, "consent.erasure")
    assert event.detail["scope"] == "client" and event.detail["reason"] == "request"
    assert event.detail["removed_measures_response"] == 12
    assert event.detail["removed_portal_feedback"] == 1


def test_erasing_again_changes_nothing_and_writes_no_second_entry(ada, c1, c1_everything) -> None:
    first = erase_client(c1, by=ada)
    again = erase_client(c1, by=ada)
    assert (first.created, again.created, again.changed) == (True, False, False)
    assert again.erasure == first.erasure
    assert Erasure.objects.count() == 1
    assert AuditEvent.objects.filter(action="delete").count() == 1
    assert verify().ok


def test_the_erased_clients_links_no_longer_open(
    client: HttpClient, ada, c1, c1_everything
) -> None:
    erase_client(c1, by=ada)
    assert client.get(reverse("portal:home", args=[c1_everything.token])).status_code == 404
    assert (
        client.get(reverse("rights:portal_export", args=[c1_everything.token])).status_code == 404
    )
    assert client.get(reverse("measures:start", args=[c1_everything.link_token])).status_code == 404


def test_the_erased_client_leaves_the_caseload_and_gets_no_new_sessions(
    client: HttpClient, alice, ada, c1, c1_everything
) -> None:
    erase_client(c1, by=ada)
    client.force_login(alice)
    assert "C1-ALPHA" not in client.get(reverse("care:dashboard")).content.decode()
    page = client.post(
        reverse("care:session_new", args=[c1.pk]), {"date": "2026-03-02"}, follow=True
    )
    assert "no open episode" in page.content.decode()
    assert Session.objects.filter(episode__client=c1).count() == 0


def test_the_export_after_erasure_shows_only_the_shell(
    client: HttpClient, ada, c1, c1_everything
) -> None:
    erase_client(c1, by=ada)
    client.force_login(ada)
    data = client.get(reverse("rights:client_export", args=[c1.pk])).json()
    (episode,) = data["episodes"]
    assert (episode["sessions"], episode["goals"], episode["tasks"], episode["feedback"]) == (
        [],
        [],
        [],
        [],
    )
    assert data["client"]["email"] == "" and data["erasures"][0]["scope"] == "all data"


def test_every_record_that_points_at_a_client_is_erased_or_kept_on_purpose() -> None:
    """A new model holding client data must be added to the erasure (or to KEPT, with a reason)."""
    targets = {Client, Episode, Session}
    deleted = {m._meta.label_lower for m in (*EPISODE_DELETED, *CLIENT_DELETED)}
    unhandled = []
    for model in apps.get_models():
        label = model._meta.label_lower
        for f in model._meta.concrete_fields:
            if not (f.is_relation and f.related_model in targets):
                continue
            cascades = f.related_model is Session and f.remote_field.on_delete is models.CASCADE
            if not (cascades or label in deleted or label in KEPT):
                unhandled.append(f"{label}.{f.name}")
    assert unhandled == []


def test_an_episode_erasure_leaves_the_clients_other_episodes(
    ada, c1, c1_everything, c1_goal
) -> None:
    from alliance.web.rights.erasure import erase_episode

    old = Episode.objects.create(
        client=c1, started=dt.date(2015, 1, 5), ended=dt.date(2015, 6, 1), hoped_change="Old hopes"
    )
    Goal.objects.create(episode=old, text="An old goal")
    result = erase_episode(old, by=ada)
    assert result.created and result.erasure.episode == old
    assert not Goal.objects.filter(episode=old).exists()
    assert Episode.objects.get(pk=old.pk).hoped_change == ""
    assert Goal.objects.filter(pk=c1_goal.pk).exists()
    assert Client.objects.get(pk=c1.pk).email == "c1@client.example"


def test_the_counts_of_many_kinds_of_records_still_fit_the_audit_detail() -> None:
    from collections import Counter

    from alliance.web.audit.chain import check_detail
    from alliance.web.rights.erasure import _detail

    counts = Counter({f"app{i}.model": i + 1 for i in range(30)})
    detail = _detail(counts)
    assert len(detail) == 16 and sum(detail.values()) == sum(counts.values())
    check_detail({"scope": "client", "reason": "request", "again": False, **detail})
