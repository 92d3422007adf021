"""Every read of client data and every submission appends an audit event: who, what, whose."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import STEADY, add_sessions, episode_of, make_client, step_data

from alliance.web.audit.models import AuditEvent
from alliance.web.consent.texts import CONSENT_VERSION
from alliance.web.measures.services import create_link


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id")[before:])


def test_alice_viewing_c1s_page_is_recorded(
    client: HttpClient, alice, clinic_a, c1, c1_sessions
) -> None:
    client.force_login(alice)
    before = AuditEvent.objects.count()
    client.get(reverse("care:client", args=[c1.pk]))
    (event,) = new_events(before)
    assert (event.action, event.actor, event.actor_label) == ("view", alice, "alice")
    assert (event.object_type, event.object_id) == ("care.client", str(c1.pk))
    assert (event.client, event.organisation) == (c1, clinic_a)
    assert event.ip == "127.0.0.1"


def test_sues_view_is_recorded_as_sues(client: HttpClient, sue, c1) -> None:
    client.force_login(sue)
    client.get(reverse("care:client", args=[c1.pk]))
    assert AuditEvent.objects.filter(action="view", actor=sue, client=c1).count() == 1


def test_a_refused_view_reads_nothing_and_records_no_view(client: HttpClient, charlie, c1) -> None:
    client.force_login(charlie)
    client.get(reverse("care:client", args=[c1.pk]))
    assert not AuditEvent.objects.filter(client=c1, action="view").exists()


# Pages that show a client's answers, scores or preferences.
CLINICAL_PAGES = (
    ("care:client", "client", {}),
    ("care:items", "client", {"instrument": "phq9"}),
    ("care:session", "session", {}),
    ("care:approach", "episode", {}),
)


@pytest.mark.parametrize(
    ("name", "target", "extra"), CLINICAL_PAGES, ids=[p[0] for p in CLINICAL_PAGES]
)
def test_every_page_showing_clinical_data_records_the_read(
    client: HttpClient,
    alice,
    c1,
    c1_episode,
    c1_sessions,
    name: str,
    target: str,
    extra: dict[str, str],
) -> None:
    pk = {"client": c1.pk, "episode": c1_episode.pk, "session": c1_sessions[2].pk}[target]
    client.force_login(alice)
    before = AuditEvent.objects.count()
    assert client.get(reverse(name, kwargs={"pk": pk, **extra})).status_code == 200
    events = new_events(before)
    assert [(e.actor, e.client) for e in events] == [(alice, c1)], (
        f"{name} must record one read of c1 by alice"
    )


def test_submitting_a_link_is_recorded_as_the_client_link(
    client: HttpClient, c1, clinic_a, c1_link
) -> None:
    before = AuditEvent.objects.count()
    for step, instrument in enumerate(c1_link.link.instruments, start=1):
        client.post(
            reverse("measures:step", args=[c1_link.token, step]),
            step_data(instrument, STEADY[instrument]),
        )
    submits = [e for e in new_events(before) if e.action == "submit"]
    assert len(submits) == 1
    event = submits[0]
    assert (event.actor, event.actor_label) == (None, "client link")
    assert (event.object_type, event.object_id) == ("measures.link", str(c1_link.link.pk))
    assert (event.client, event.organisation) == (c1, clinic_a)
    assert event.detail["instruments"] == c1_link.link.instruments


def test_a_double_click_records_one_submission(client: HttpClient, c1_link) -> None:
    last = len(c1_link.link.instruments)
    for step, instrument in enumerate(c1_link.link.instruments, start=1):
        client.post(
            reverse("measures:step", args=[c1_link.token, step]),
            step_data(instrument, STEADY[instrument]),
        )
    client.post(
        reverse("measures:step", args=[c1_link.token, last]), step_data("gad7", STEADY["gad7"])
    )
    assert AuditEvent.objects.filter(action="submit").count() == 1


def test_opening_the_portal_is_recorded_as_the_client_portal(
    client: HttpClient, c1, c1_portal_token
) -> None:
    client.get(reverse("portal:home", args=[c1_portal_token]))
    event = AuditEvent.objects.get(action="view", client=c1)
    assert (event.actor, event.actor_label) == (None, "client portal")


def test_giving_consent_is_recorded_with_its_version(client: HttpClient, clinic_a, alice) -> None:
    newcomer = make_client(clinic_a, alice, "N1-NEW", consent=False)
    (session,) = add_sessions(episode_of(newcomer), 1)
    _link, token = create_link(session, alice)
    client.post(reverse("measures:start", args=[token]), {"consent": "yes"})
    event = AuditEvent.objects.get(action="update", client=newcomer)
    assert event.actor_label == "client link"
    assert event.detail == {"consent": CONSENT_VERSION, "language": "en-gb"}
