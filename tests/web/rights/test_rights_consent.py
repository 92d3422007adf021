"""Consent records: written once when the client consents, withdrawn from their page, and then no new links."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import add_sessions, episode_of, make_client

from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Episode
from alliance.web.consent.models import Channel, ConsentRecord
from alliance.web.consent.services import LinksRefused, consent_state
from alliance.web.consent.texts import CONSENT_TEXT, CONSENT_VERSION
from alliance.web.measures.models import Link
from alliance.web.measures.services import create_link


@pytest.fixture
def newcomer_token(clinic_a, alice) -> str:
    """A new client of Alice's, not yet asked for consent, with their first link."""
    newcomer = make_client(clinic_a, alice, "N1-NEW", consent=False)
    (session,) = add_sessions(episode_of(newcomer), 1)
    _link, token = create_link(session, alice)
    return token


def page_of(http: HttpClient, user, client_pk: int) -> str:
    http.force_login(user)
    return http.get(reverse("care:client", args=[client_pk])).content.decode()


def test_consenting_on_the_first_link_writes_one_consent_record_with_the_text_shown(
    client: HttpClient, newcomer_token: str
) -> None:
    url = reverse("measures:start", args=[newcomer_token])
    client.post(url, {"consent": "yes"})
    client.post(url, {"consent": "yes"})  # a second click, or the back button and again

    (consent,) = ConsentRecord.objects.all()
    assert (consent.version, consent.given_via, consent.withdrawn_at) == (
        CONSENT_VERSION,
        Channel.CLIENT_LINK,
        None,
    )
    assert consent.text_sha256 == hashlib.sha256("\n\n".join(CONSENT_TEXT).encode()).hexdigest()
    assert consent.client.code == "N1-NEW"
    assert consent.episode.consent_at == consent.given_at
    event = AuditEvent.objects.get(object_type="consent.consentrecord")
    assert (event.action, event.actor_label, event.detail) == (
        "create",
        "client link",
        {"consent": CONSENT_VERSION, "channel": "client_link"},
    )


def test_the_client_page_shows_the_consent_record(
    client: HttpClient, alice, newcomer_token: str
) -> None:
    client.post(reverse("measures:start", args=[newcomer_token]), {"consent": "yes"})
    consent = ConsentRecord.objects.get()
    body = page_of(HttpClient(), alice, consent.client_id)
    assert "consent given" in body
    assert f"via questionnaire link (text {CONSENT_VERSION})" in body
    assert "Consent records (1)" in body


def test_withdrawing_on_the_portal_revokes_the_open_link_and_no_new_link_can_be_made(
    client: HttpClient, alice, c1, c1_sessions, c1_link, c1_portal_token
) -> None:
    page = client.post(
        reverse("rights:portal_withdraw", args=[c1_portal_token]), {"confirm": "yes"}, follow=True
    )
    assert "you will not get any more questionnaires" in page.content.decode()
    assert "You stopped the questionnaires on" in page.content.decode()

    consent = ConsentRecord.objects.get(client=c1)  # c1 consented before records existed: made now
    assert consent.withdrawn_via == Channel.PORTAL and consent.withdrawn_at is not None
    c1_link.link.refresh_from_db()
    assert c1_link.link.revoked_at == consent.withdrawn_at
    assert client.get(reverse("measures:start", args=[c1_link.token])).status_code == 410
    with pytest.raises(
        LinksRefused,
        match=r"withdrew consent to the questionnaires on .* no new questionnaire links",
    ):
        create_link(c1_sessions[3], alice)
    event = AuditEvent.objects.get(object_type="consent.consentrecord", action="update")
    assert (event.actor_label, event.detail["consent"], event.detail["revoked_links"]) == (
        "client portal",
        "withdrawn",
        1,
    )


def test_withdrawing_needs_the_box_ticked(client: HttpClient, c1, c1_link, c1_portal_token) -> None:
    page = client.post(reverse("rights:portal_withdraw", args=[c1_portal_token]), {}, follow=True)
    assert "Please tick the box first" in page.content.decode()
    assert not ConsentRecord.objects.exists()
    assert consent_state(episode_of(c1)).given


def test_after_withdrawal_recording_a_session_says_why_no_link_was_made(
    client: HttpClient, alice, c1, c1_sessions, c1_portal_token
) -> None:
    HttpClient().post(reverse("rights:portal_withdraw", args=[c1_portal_token]), {"confirm": "yes"})
    links = Link.objects.count()
    client.force_login(alice)
    page = client.post(
        reverse("care:session_new", args=[c1.pk]),
        {"date": "2026-03-02", "send_email": "on"},
        follow=True,
    )
    assert "withdrew consent to the questionnaires" in page.content.decode()
    assert Link.objects.count() == links


def test_after_withdrawal_a_new_link_for_a_session_is_refused_with_the_reason(
    client: HttpClient, alice, c1, c1_sessions, c1_link, c1_portal_token
) -> None:
    HttpClient().post(reverse("rights:portal_withdraw", args=[c1_portal_token]), {"confirm": "yes"})
    client.force_login(alice)
    page = client.post(reverse("care:link_new", args=[c1_sessions[3].pk]), follow=True)
    assert page.status_code == 200
    assert "no new questionnaire links can be made for this episode" in page.content.decode()
    assert Link.objects.filter(session=c1_sessions[3]).count() == 1


def test_the_client_page_says_consent_was_withdrawn(
    client: HttpClient, alice, c1, c1_sessions, c1_portal_token
) -> None:
    HttpClient().post(reverse("rights:portal_withdraw", args=[c1_portal_token]), {"confirm": "yes"})
    body = page_of(client, alice, c1.pk)
    assert "consent withdrawn" in body
    assert "via client&#x27;s own page: no new questionnaire links can be made" in body


def test_consent_given_again_in_person_lets_links_be_made_again(
    client: HttpClient, alice, c1, c1_sessions, c1_portal_token
) -> None:
    HttpClient().post(reverse("rights:portal_withdraw", args=[c1_portal_token]), {"confirm": "yes"})
    client.force_login(alice)
    client.post(
        reverse("rights:episode_consent", args=[episode_of(c1).pk]),
        {"action": "given", "confirm": "yes"},
    )

    renewed = ConsentRecord.objects.get(client=c1, withdrawn_at__isnull=True)
    assert (renewed.given_via, renewed.given_recorded_by) == (Channel.STAFF, alice)
    link, _token = create_link(c1_sessions[3], alice)
    assert link.pk is not None
    assert (
        AuditEvent.objects.filter(
            object_type="consent.consentrecord", actor=alice, action="create"
        ).count()
        == 1
    )


def test_a_therapist_records_a_withdrawal_told_in_session(
    client: HttpClient, alice, c1, c1_sessions, c1_link
) -> None:
    client.force_login(alice)
    url = reverse("rights:episode_consent", args=[episode_of(c1).pk])
    client.post(url, {"action": "withdrawn"})  # box not ticked: nothing happens
    assert consent_state(Episode.objects.get(client=c1)).given
    client.post(url, {"action": "withdrawn", "confirm": "yes"})
    consent = ConsentRecord.objects.get(client=c1)
    assert (consent.withdrawn_via, consent.withdrawn_recorded_by) == (Channel.STAFF, alice)
    assert Link.objects.get(pk=c1_link.link.pk).revoked_at is not None


def test_two_live_consents_for_one_episode_cannot_be_stored(c1) -> None:
    from django.db import IntegrityError, transaction

    episode = episode_of(c1)
    fields = {
        "client": c1,
        "episode": episode,
        "version": CONSENT_VERSION,
        "given_via": Channel.STAFF,
    }
    ConsentRecord.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsentRecord.objects.create(**fields)


def test_consent_can_be_recorded_for_a_new_episode_after_an_old_one_was_erased(
    client: HttpClient, alice, ada, c1
) -> None:
    import datetime as dt

    from alliance.web.rights.erasure import erase_episode

    old = Episode.objects.create(client=c1, started=dt.date(2015, 1, 5), ended=dt.date(2015, 6, 1))
    erase_episode(old, by=ada)
    current = episode_of(c1)
    client.force_login(alice)
    url = reverse("rights:episode_consent", args=[current.pk])
    client.post(url, {"action": "withdrawn", "confirm": "yes"})
    client.post(url, {"action": "given", "confirm": "yes"})
    assert [r.given_via for r in ConsentRecord.objects.filter(episode=current)] == [
        Channel.CLIENT_LINK,
        Channel.STAFF,
    ]
