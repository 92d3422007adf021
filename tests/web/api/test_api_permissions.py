"""Who may read what through the API: exactly the web app's rules, narrowed by token scopes."""

from __future__ import annotations

import pytest
from api_helpers import Api

from alliance.web.api.models import ApiToken
from alliance.web.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

RESOURCES = [
    "clients",
    "episodes",
    "sessions",
    "links",
    "responses",
    "scores",
    "alerts",
    "goals",
    "tasks",
]


@pytest.fixture
def world(c1_sessions, c1_link, c1_goal, c1_task, c1_alert, x1_link):
    return None


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("resource", RESOURCES)
def test_alice_sees_her_clients_records_and_nothing_of_the_other_clinic(world, alice, c1, resource):
    rows = Api(alice).get(f"{resource}/").json()["results"]
    assert rows, f"alice sees no {resource}"
    clients = {row["id"] if resource == "clients" else row["client"] for row in rows}
    assert clients == {c1.pk}


@pytest.mark.parametrize("resource", RESOURCES)
def test_bob_another_therapist_of_the_clinic_sees_none_of_alices_clients(world, bob, resource):
    assert ids(Api(bob).get(f"{resource}/")) == set()


@pytest.mark.parametrize("resource", RESOURCES)
def test_charlie_of_another_clinic_cannot_open_alices_records_by_number(
    world, charlie, alice, resource
):
    mine = ids(Api(alice).get(f"{resource}/"))
    api = Api(charlie)
    for pk in mine:
        assert api.get(f"{resource}/{pk}/").status_code == 404


@pytest.mark.parametrize("resource", RESOURCES)
def test_sue_the_supervisor_sees_the_whole_clinic_but_not_the_other(world, sue, alice, resource):
    assert ids(Api(sue).get(f"{resource}/")) == ids(Api(alice).get(f"{resource}/"))


@pytest.mark.parametrize("resource", RESOURCES)
def test_rita_the_researcher_reads_no_client_records(world, rita, resource):
    response = Api(rita).get(f"{resource}/")
    assert response.status_code == 403
    assert "clinical staff" in response.json()["detail"]


def test_a_request_without_a_token_is_refused_with_a_bearer_challenge(world):
    from django.test import Client as HttpClient

    response = HttpClient().get("/api/v1/clients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_is_not_an_api_credential(world, client, alice):
    client.force_login(alice)
    assert client.get("/api/v1/clients/").status_code == 401


def test_a_revoked_token_stops_working_at_once(world, alice):
    api = Api(alice)
    assert api.get("clients/").status_code == 200
    ApiToken.objects.filter(user=alice).update(revoked_at="2020-01-01T00:00:00Z")
    response = api.get("clients/")
    assert response.status_code == 401


def test_an_expired_token_is_refused(world, alice):
    api = Api(alice)
    ApiToken.objects.filter(user=alice).update(expires_at="2020-01-01T00:00:00Z")
    assert api.get("clients/").status_code == 401


def test_a_read_only_token_cannot_change_anything(world, alice, c1_alert):
    api = Api(alice, scopes=("read",))
    assert api.get("alerts/").status_code == 200
    response = api.post(f"alerts/{c1_alert.pk}/acknowledge/", {})
    assert response.status_code == 403
    assert "'write' scope" in response.json()["detail"]


def test_a_write_only_token_cannot_read(world, alice):
    assert Api(alice, scopes=("write",)).get("clients/").status_code == 403


def test_only_the_token_hash_is_stored(world, alice):
    api = Api(alice)
    stored = ApiToken.objects.get(user=alice)
    assert api.key not in (stored.key_hash, stored.prefix)
    assert not ApiToken.objects.filter(key_hash=api.key).exists()


def test_every_api_read_of_client_data_is_audited_once_per_client(world, alice, c1):
    before = AuditEvent.objects.filter(client=c1, action="view").count()
    Api(alice).get("responses/")
    events = AuditEvent.objects.filter(client=c1, action="view").order_by("-seq")
    assert events.count() == before + 1
    assert events[0].detail == {"api": "response"}
    assert events[0].actor == alice


def test_filters_take_record_numbers_only(world, alice):
    response = Api(alice).get("sessions/", client="abc")
    assert response.status_code == 400
    assert "client" in response.json()


def test_alice_filters_sessions_by_her_client(world, alice, c1):
    rows = Api(alice).get("sessions/", client=c1.pk).json()["results"]
    assert [r["number"] for r in rows] == [1, 2, 3, 4]


def test_link_secrets_never_appear_in_lists(world, alice, c1_link):
    body = Api(alice).get("links/").content.decode()
    assert c1_link.token not in body
    assert c1_link.link.token_hash not in body


def test_a_token_over_its_budget_gets_429(world, alice, settings):
    settings.ALLIANCE_API_RATE = "3/min"
    api = Api(alice)
    codes = [api.get("clients/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
