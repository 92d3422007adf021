"""Retention: each clinic's period after an episode ends; `apply_retention` erases what is past it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse
from web_factories import episode_of, make_client, make_goal

from alliance.web.audit.chain import verify
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client, Episode
from alliance.web.consent.models import Erasure
from alliance.web.goals.models import Goal
from alliance.web.measures.models import Response
from alliance.web.portal.models import Feedback
from alliance.web.rights.models import DEFAULT_RETENTION_MONTHS, RetentionPolicy
from alliance.web.rights.retention import months_before, period_for

TODAY = dt.date(2026, 3, 2)


def ended(client: Client, on: dt.date) -> Episode:
    episode = episode_of(client)
    Episode.objects.filter(pk=episode.pk).update(started=on - dt.timedelta(weeks=20), ended=on)
    episode.refresh_from_db()
    return episode


@pytest.fixture
def clinic(clinic_a, alice, c1, c1_sessions, c1_goal, c1_task):
    """c1 ended 8 years ago (past 84 months); c2 ended 2 years ago; c3 is in care now;
    c4 had an episode 8 years ago and came back this year."""
    ended(c1, dt.date(2018, 1, 10))
    c2 = make_client(clinic_a, alice, "C2-RECENT", email="c2@client.example")
    make_goal(episode_of(c2), "C2 goal: keep going to the gym")
    ended(c2, dt.date(2024, 3, 1))
    c3 = make_client(clinic_a, alice, "C3-NOW", email="c3@client.example")
    make_goal(episode_of(c3), "C3 goal: sleep")
    c4 = make_client(clinic_a, alice, "C4-BACK", email="c4@client.example")
    old = ended(c4, dt.date(2017, 6, 30))
    Goal.objects.create(episode=old, text="C4 old goal")
    Feedback.objects.create(episode=old, text="C4 old feedback")
    new = Episode.objects.create(
        client=c4, started=dt.date(2026, 1, 5), hoped_change="C4 new hopes"
    )
    make_goal(new, "C4 new goal")
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c4_old": old, "c4_new": new}


def run(*args: str) -> str:
    out = StringIO()
    call_command(
        "apply_retention", "--today", TODAY.isoformat(), *args, stdout=out, stderr=StringIO()
    )
    return out.getvalue()


def snapshot() -> tuple:
    return (
        sorted(Goal.objects.values_list("pk", flat=True)),
        Response.objects.count(),
        Feedback.objects.count(),
        sorted(Client.objects.values_list("pk", "email", "archived")),
        sorted((e.pk, e.ended, e.hoped_change) for e in Episode.objects.all()),
        Erasure.objects.count(),
        AuditEvent.objects.count(),
    )


def test_the_period_is_a_placeholder_84_months_until_the_clinic_sets_its_own(clinic_a, ada) -> None:
    assert DEFAULT_RETENTION_MONTHS == 84
    assert (period_for(clinic_a).months, period_for(clinic_a).set_by_clinic) == (84, False)
    RetentionPolicy.objects.create(organisation=clinic_a, months=120, set_by=ada)
    assert (period_for(clinic_a).months, period_for(clinic_a).set_by_clinic) == (120, True)


def test_months_are_counted_in_calendar_months_clamped_to_the_month_end() -> None:
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2026, 3, 2), 84) == dt.date(2019, 3, 2)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_a_dry_run_lists_the_episodes_past_retention_and_changes_nothing(clinic) -> None:
    before = snapshot()
    out = run("--dry-run")
    assert "would erase: northside: client C1-ALPHA client (all episodes)" in out
    assert (
        f"would erase: northside: client C4-BACK episode: #{clinic['c4_old'].pk} ended 2017-06-30"
        in out
    )
    assert "C2-RECENT" not in out and "C3-NOW" not in out
    assert "dry run: 2 clients" in out
    assert snapshot() == before


def test_retention_erases_only_the_episodes_past_the_period(clinic) -> None:
    out = run()
    assert "erased: northside: client C1-ALPHA" in out

    c1, c4 = clinic["c1"], clinic["c4"]
    whole = Erasure.objects.get(client=c1)
    assert (whole.episode, whole.reason, whole.erased_by, whole.erased_by_label) == (
        None,
        "retention",
        None,
        "retention",
    )
    assert not Goal.objects.filter(episode__client=c1).exists()
    assert not Response.objects.filter(session__episode__client=c1).exists()
    assert Client.objects.get(pk=c1.pk).email == ""
    # c4: the old episode goes, the new one and the e-mail address stay
    assert Erasure.objects.get(client=c4).episode == clinic["c4_old"]
    assert list(Goal.objects.filter(episode__client=c4).values_list("text", flat=True)) == [
        "C4 new goal"
    ]
    assert not Feedback.objects.filter(episode=clinic["c4_old"]).exists()
    assert Episode.objects.get(pk=clinic["c4_new"].pk).hoped_change == "C4 new hopes"
    assert Client.objects.get(pk=c4.pk).email == "c4@client.example"
    # within the period or still in care: untouched
    for code in ("C2-RECENT", "C3-NOW"):
        assert Goal.objects.filter(episode__client__code=code).count() == 1
        assert not Erasure.objects.filter(client__code=code).exists()
    events = AuditEvent.objects.filter(action="delete")
    assert {(e.client_id, e.actor_label, e.detail["reason"]) for e in events} == {
        (c1.pk, "retention", "retention"),
        (c4.pk, "retention", "retention"),
    }
    assert verify().ok


def test_running_retention_again_erases_nothing_more(clinic) -> None:
    run()
    before = snapshot()
    assert "0 clients" in run()
    assert snapshot() == before


def test_a_clinic_sets_a_shorter_period_and_the_next_run_uses_it(
    client: HttpClient, ada, clinic
) -> None:
    client.force_login(ada)
    page = client.get(reverse("rights:retention")).content.decode()
    assert "placeholder default, not a legal norm" in page
    client.post(reverse("rights:retention"), {"months": "12"})
    assert RetentionPolicy.objects.get().months == 12
    assert AuditEvent.objects.get(object_type="rights.retentionpolicy").detail == {
        "months": 12,
        "previous": 84,
    }

    out = run("--dry-run")
    assert "C2-RECENT" in out and "retention 12 months" in out
    run()
    assert Erasure.objects.filter(client=clinic["c2"]).exists()
    assert Goal.objects.filter(episode__client=clinic["c3"]).count() == 1


def test_only_an_administrator_sets_the_period(client: HttpClient, alice, sue, clinic_a) -> None:
    for user in (alice, sue):
        client.force_login(user)
        assert client.post(reverse("rights:retention"), {"months": "1"}).status_code == 403
    assert not RetentionPolicy.objects.exists()


def test_a_period_of_zero_months_is_refused(client: HttpClient, ada, clinic_a) -> None:
    client.force_login(ada)
    assert client.post(reverse("rights:retention"), {"months": "0"}).status_code == 400
    assert not RetentionPolicy.objects.exists()


def test_retention_in_one_clinic_leaves_the_other_alone(clinic, x1, charlie) -> None:
    ended(x1, dt.date(2010, 1, 1))
    out = run("--clinic", "northside")
    assert "X1-BRAVO" not in out
    assert not Erasure.objects.filter(client=x1).exists()
    with pytest.raises(CommandError, match="no clinic"):
        run("--clinic", "nowhere")
