"""FHIR searches page as clients expect: links through every result, newest first,
``total``, ``_count`` counting the resources of the Bundle, ``_sort``, ``_lastUpdated``,
a snapshot that keeps pages steady, and lenient or strict handling of unknown parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir_web import Fhir, outcome

from alliance.fhir.observation import scored_scales
from alliance.instruments import get
from alliance.scoring.answers import score_answers
from alliance.web.care.models import Session
from alliance.web.measures.models import Response

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(c1_sessions, x1_link):
    return None


def _expected_observations(rows) -> int:
    return sum(len(scored_scales(get(r.instrument), r.scores)) for r in rows)


@pytest.mark.parametrize("count", [1, 5, 50])
def test_every_questionnaire_response_comes_through_the_next_links_once(world, alice, count):
    found, bundles = Fhir(alice).search_all("QuestionnaireResponse", _count=count)
    stored = set(Response.objects.for_user(alice).values_list("pk", flat=True))
    ids = [int(r["id"]) for r in found]
    assert len(ids) == len(set(ids)) == len(stored) >= 10
    assert set(ids) == stored
    assert all(b["total"] == len(stored) for b in bundles)
    assert all(len(b.get("entry", [])) <= count for b in bundles)
    for bundle in bundles:
        Bundle.model_validate(bundle)


def test_results_are_newest_first_by_default_and_sort_turns_them(world, alice):
    api = Fhir(alice)
    newest_first, _ = api.search_all("QuestionnaireResponse", _count=4)
    times = [(r["authored"], int(r["id"])) for r in newest_first]
    assert times == sorted(times, reverse=True)
    oldest_first, _ = api.search_all("QuestionnaireResponse", _count=4, _sort="authored")
    assert [r["id"] for r in oldest_first] == [r["id"] for r in reversed(newest_first)]


def test_observation_count_counts_observations_and_total_is_all_of_them(world, alice):
    api = Fhir(alice)
    rows = list(Response.objects.for_user(alice))
    expected = _expected_observations(rows)
    first = api.get("Observation", _count=1).json()
    assert len(first["entry"]) == 1
    assert first["total"] == expected > len(rows)
    found, bundles = api.search_all("Observation", _count=7)
    assert all(len(b.get("entry", [])) <= 7 for b in bundles)
    ids = [o["id"] for o in found]
    assert len(ids) == len(set(ids)) == expected
    dates = [o["effectiveDateTime"] for o in found]
    assert dates == sorted(dates, reverse=True)


def test_count_zero_answers_only_the_total(world, alice):
    bundle = Fhir(alice).get("QuestionnaireResponse", _count=0).json()
    assert bundle["total"] == Response.objects.for_user(alice).count()
    assert "entry" not in bundle
    assert [link["relation"] for link in bundle["link"]] == ["self"]


def test_count_over_the_maximum_gives_at_most_a_hundred(world, alice):
    bundle = Fhir(alice).get("Observation", _count=100000).json()
    assert len(bundle["entry"]) <= 100


def test_records_stored_while_paging_do_not_shift_the_pages(world, alice, c1_episode):
    api = Fhir(alice)
    first = api.get("QuestionnaireResponse", _count=3).json()
    session = Session.objects.create(episode=c1_episode, number=9, date="2026-11-30")
    answers = {str(n): 1 for n in range(1, 10)}
    Response.objects.create(
        session=session,
        instrument="phq9",
        respondent="client",
        answers=answers,
        scores=score_answers("phq9", answers),
    )
    nxt = next(link["url"] for link in first["link"] if link["relation"] == "next")
    rest = []
    while nxt:
        page = api.follow(nxt).json()
        rest += [e["resource"]["id"] for e in page.get("entry", [])]
        nxt = next((x["url"] for x in page["link"] if x["relation"] == "next"), None)
    ids = [e["resource"]["id"] for e in first["entry"]] + rest
    assert len(ids) == len(set(ids)) == first["total"]
    assert api.get("QuestionnaireResponse", _count=0).json()["total"] == first["total"] + 1


def test_previous_first_and_last_links_lead_to_their_pages(world, alice):
    api = Fhir(alice)
    first = api.get("QuestionnaireResponse", _count=5).json()
    links = {x["relation"]: x["url"] for x in first["link"]}
    last = api.follow(links["last"]).json()
    back = {x["relation"]: x["url"] for x in last["link"]}
    assert "next" not in back
    assert 1 <= len(last["entry"]) <= 5
    assert api.follow(back["first"]).json()["entry"] == first["entry"]
    previous = api.follow(back["previous"]).json()
    assert {e["resource"]["id"] for e in previous["entry"]}.isdisjoint(
        e["resource"]["id"] for e in last["entry"]
    )


def test_last_updated_finds_records_by_when_they_were_stored(world, alice):
    one = Response.objects.for_user(alice).order_by("pk").first()
    Response.objects.filter(pk=one.pk).update(recorded_at=dt.datetime(2020, 5, 1, tzinfo=dt.UTC))
    api = Fhir(alice)
    old = api.get("QuestionnaireResponse", _lastUpdated="lt2021").json()
    assert [e["resource"]["id"] for e in old["entry"]] == [str(one.pk)]
    assert old["entry"][0]["resource"]["meta"]["lastUpdated"].startswith("2020-05-01")
    may = api.get("QuestionnaireResponse", _lastUpdated=["ge2020-05", "lt2020-06"]).json()
    assert may["total"] == 1
    newer = api.get("QuestionnaireResponse", _lastUpdated="gt2020-05-01").json()
    assert newer["total"] == Response.objects.for_user(alice).count() - 1


def test_authored_and_date_filter_by_the_answer_time(world, alice, c1):
    rows = Response.objects.for_user(alice).order_by("submitted_at")
    day = rows.first().submitted_at.date().isoformat()
    api = Fhir(alice)
    by_day = api.get("QuestionnaireResponse", authored=day, patient=c1.pk).json()
    assert by_day["total"] == sum(1 for r in rows if r.submitted_at.date().isoformat() == day)
    assert (
        api.get("Observation", date=f"gt{day}T23:59:59Z", _count=0).json()["total"]
        < (api.get("Observation", _count=0).json()["total"])
    )


def test_unknown_parameters_are_refused_by_default_and_with_strict(world, alice):
    api = Fhir(alice)
    for headers in (None, {"Prefer": "handling=strict"}):
        answer = api.get("QuestionnaireResponse", headers=headers, patiant=1)
        assert answer.status_code == 400
        assert "patiant" in outcome(answer)


def test_lenient_handling_ignores_unknown_parameters_and_says_so(world, alice):
    api = Fhir(alice)
    answer = api.get("QuestionnaireResponse", headers={"Prefer": "handling=lenient"}, patiant=1)
    assert answer.status_code == 200
    bundle = answer.json()
    Bundle.model_validate(bundle)
    assert bundle["total"] == Response.objects.for_user(alice).count()
    notes = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert "patiant" in notes[0]["resource"]["issue"][0]["diagnostics"]
    assert all("patiant" not in link["url"] for link in bundle["link"])


@pytest.mark.parametrize(
    ("param", "value", "says"),
    [
        ("_count", "-1", "_count"),
        ("_sort", "size", "_sort"),
        ("authored", "yesterday", "authored"),
        ("patient", "Encounter/1", "patient"),
        ("_format", "xml", "JSON only"),
        ("_lastUpdated", "2026-13", "_lastUpdated"),
    ],
)
def test_bad_values_are_a_400_operation_outcome_naming_the_parameter(
    world, alice, param, value, says
):
    answer = Fhir(alice).get("QuestionnaireResponse", **{param: value})
    assert answer.status_code == 400
    assert says in outcome(answer)


def test_format_json_is_accepted_on_searches(world, alice):
    answer = Fhir(alice).get("QuestionnaireResponse", _format="json")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/fhir+json")


def test_patients_are_found_by_id_and_by_client_code(world, alice, c1):
    api = Fhir(alice)
    by_id = api.get("Patient", _id=c1.pk).json()
    assert [e["resource"]["id"] for e in by_id["entry"]] == [str(c1.pk)]
    system = by_id["entry"][0]["resource"]["identifier"][0]["system"]
    for value in (c1.code, f"{system}|{c1.code}"):
        found = api.get("Patient", identifier=value).json()
        assert [e["resource"]["id"] for e in found["entry"]] == [str(c1.pk)]
    assert (
        api.get("Patient", identifier=f"https://elsewhere.example|{c1.code}").json()["total"] == 0
    )


def test_bob_finds_no_patient_of_alices(world, bob, c1):
    assert Fhir(bob).get("Patient", identifier=c1.code).json()["total"] == 0
