"""The demo clinic: realistic staff, clients and answers, scored by the one engine."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from web_factories import core_scores, same_scores

from alliance.web.accounts.models import Organisation, User
from alliance.web.care.models import Client, Episode, Session
from alliance.web.caseload.demo import seed_demo
from alliance.web.measures.models import Link, Response, hash_token


@pytest.fixture
def demo(db):
    return seed_demo(n_clients=6, n_sessions=6)


def test_the_demo_has_three_therapists_a_supervisor_an_admin_and_a_researcher(demo) -> None:
    roles = sorted(
        User.objects.filter(organisation=demo.organisation).values_list("role", flat=True)
    )
    assert roles == ["admin", "researcher", "supervisor", "therapist", "therapist", "therapist"]
    assert set(demo.passwords) == set(User.objects.values_list("username", flat=True))
    for username, password in demo.passwords.items():
        assert User.objects.get(username=username).check_password(password)


def test_the_demo_has_clients_with_sessions_and_responses(demo) -> None:
    clients = Client.objects.filter(organisation=demo.organisation)
    assert clients.count() == 6
    assert len({c.therapist_id for c in clients}) == 3
    for client in clients:
        assert Session.objects.filter(episode__client=client).exists(), client.code
    assert Response.objects.filter(respondent="client").exists()
    assert Response.objects.filter(respondent="therapist", instrument="wai_sr_t").exists()
    assert (
        Episode.objects.filter(
            client__organisation=demo.organisation, consent_at__isnull=True
        ).count()
        == 0
    )


def test_every_stored_score_equals_the_core_engine_on_the_stored_answers(demo) -> None:
    responses = list(Response.objects.all())
    assert len(responses) > 30
    for r in responses:
        assert same_scores(r.scores, core_scores(r.instrument, r.answers)), (
            r.instrument,
            r.answers,
            r.scores,
        )


def test_responses_are_submitted_on_or_after_their_session_date(demo) -> None:
    for r in Response.objects.select_related("session"):
        assert timezone.localdate(r.submitted_at) >= r.session.date, (
            r.session.number,
            r.session.date,
            r.submitted_at,
        )


def test_the_demo_client_link_opens_the_questionnaire(client, demo) -> None:
    page = client.get(reverse("measures:start", args=[demo.client_link_token]))
    assert page.status_code == 302
    assert client.get(page.headers["Location"]).status_code == 200
    link = Link.objects.get(token_hash=hash_token(demo.client_link_token))
    assert link.state() == "open"
    assert link.session.episode.client.code == demo.client_code


def test_seeding_twice_raises_and_overwrites_nothing(demo) -> None:
    before = (
        list(User.objects.order_by("pk").values_list("pk", "password")),
        Client.objects.count(),
        Session.objects.count(),
        Response.objects.count(),
        Link.objects.count(),
    )
    with pytest.raises(ValueError, match="already exists"):
        seed_demo(n_clients=6, n_sessions=6)
    after = (
        list(User.objects.order_by("pk").values_list("pk", "password")),
        Client.objects.count(),
        Session.objects.count(),
        Response.objects.count(),
        Link.objects.count(),
    )
    assert after == before
    assert Organisation.objects.count() == 1


def test_the_demo_looks_like_a_working_clinic_not_one_on_fire(db) -> None:
    """As `make demo` seeds it (40 clients, 12 weeks): a handful of clients need attention
    today, every earlier alert was acted on with a note, and risk answers come at the rate
    reported for outpatients."""
    from alliance.simulate import OUTPATIENT_RISK_RATE as RISK_ANSWER_RATE
    from alliance.web.alerts.models import Alert
    from alliance.web.care.models import Episode
    from alliance.web.measures.models import Response

    demo = seed_demo()
    urgent = (
        Alert.objects.filter(severity="urgent")
        .exclude(status=Alert.Status.RESOLVED)
        .values("episode__client")
        .distinct()
        .count()
    )
    assert 1 <= urgent <= 8  # of 40 clients; 17 when every alert stayed open
    for episode in Episode.objects.filter(client__organisation=demo.organisation):
        # today's session (the demo client's open link) comes after the alerts were read
        past = episode.sessions.filter(date__lt=timezone.localdate())
        latest = max(past.values_list("date", flat=True))
        for alert in episode.alerts.all():
            # raised after an earlier session (an alert keys on the session its spell began,
            # so a spell still going on may carry an earlier session number)
            earlier = timezone.localtime(alert.created).date() < latest
            assert (
                alert.session_number
                <= past.get(date=timezone.localtime(alert.created).date()).number
            )
            assert (alert.status == Alert.Status.RESOLVED) == earlier, (
                alert.rule,
                alert.created,
                latest,
            )
            if earlier:
                assert alert.resolution_note and alert.resolved_by_id == episode.client.therapist_id
    item9 = [r.answers.get("9", 0) for r in Response.objects.filter(instrument="phq9")]
    rate = sum(1 for v in item9 if v > 0) / len(item9)
    assert abs(rate - RISK_ANSWER_RATE) < 0.04, rate


def test_the_demo_has_a_spanish_speaking_client_whose_pages_are_in_spanish(demo) -> None:
    from django.test import Client as HttpClient

    assert demo.spanish_client_code and demo.spanish_client_code != demo.client_code
    assert Client.objects.get(code=demo.spanish_client_code).language == "es"
    link = Link.objects.get(token_hash=hash_token(demo.spanish_link_token))
    assert link.client.code == demo.spanish_client_code
    page = HttpClient().get(reverse("measures:step", args=[demo.spanish_link_token, 1]))
    assert '<html lang="es"' in page.content.decode()
