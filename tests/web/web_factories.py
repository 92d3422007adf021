"""Factories for the clinic web tests: plain functions, no fixture files.

Imported by ``tests/web/conftest.py`` (which pytest puts on ``sys.path``) and
by the test modules. Answers are scored with the web app's own
``score_answers`` so stored rows look exactly like real submissions.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import polars as pl
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from alliance.instruments import get as get_instrument
from alliance.scoring import output_columns, score
from alliance.scoring.answers import score_answers
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.alerts.models import Alert
from alliance.web.care.models import Client, Episode, Session
from alliance.web.consent.texts import CONSENT_VERSION
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.forms import item_field_name
from alliance.web.measures.models import Respondent, Response
from alliance.web.measures.plans import create_default_plan

PASSWORD = "correct horse battery staple"

# A steady client: good alliance, mild symptoms, no risk item.
STEADY: dict[str, dict[str, Any]] = {
    "sai": {str(n): 4.0 for n in range(1, 7)},
    "wai_sr": {str(n): 4.0 for n in range(1, 13)},
    "wai_sr_t": {str(n): 4.0 for n in range(1, 13)},
    "phq9": {**{str(n): 1.0 for n in range(1, 9)}, "9": 0.0},
    "gad7": {str(n): 1.0 for n in range(1, 8)},
    "session_feedback": {"1": "Going well, I feel heard.", "3": 8.0},
}

# A client's varied answers for one questionnaire link (no risk item).
ANSWERS: dict[str, dict[str, Any]] = {
    "sai": {"1": 5.0, "2": 4.0, "3": 3.0, "4": 4.0, "5": 2.0, "6": 1.0},
    "wai_sr": {str(n): float(1 + n % 5) for n in range(1, 13)},
    "session_feedback": {
        "1": "Slowly getting somewhere.",
        "2": "Fewer questions at the start, please.",
        "3": 7.0,
    },
    "phq9": {
        "1": 2.0,
        "2": 1.0,
        "3": 3.0,
        "4": 0.0,
        "5": 1.0,
        "6": 2.0,
        "7": 1.0,
        "8": 0.0,
        "9": 0.0,
    },
    "gad7": {"1": 1.0, "2": 2.0, "3": 3.0, "4": 0.0, "5": 1.0, "6": 2.0, "7": 1.0},
}


def make_clinic(name: str, slug: str) -> Organisation:
    return Organisation.objects.create(name=name, slug=slug)


def make_user(username: str, role: str, clinic: Organisation | None, first_name: str = "") -> User:
    return User.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=first_name or username.capitalize(),
        last_name="Tester",
        email=f"{username}@{clinic.slug if clinic else 'nowhere'}.example",
        role=role,
        organisation=clinic,
    )


def make_therapist(username: str, clinic: Organisation) -> User:
    return make_user(username, Role.THERAPIST, clinic)


def make_client(
    clinic: Organisation,
    therapist: User,
    code: str,
    *,
    email: str = "",
    consent: bool = True,
    started: dt.date | None = None,
) -> Client:
    """A client with one open episode on the default measurement plan."""
    client = Client.objects.create(organisation=clinic, therapist=therapist, code=code, email=email)
    episode = Episode.objects.create(
        client=client,
        started=started or timezone.localdate() - dt.timedelta(weeks=6),
        hoped_change="Sleep better and worry less",
        expected_sessions=12,
        consent_at=timezone.now() - dt.timedelta(weeks=6) if consent else None,
        consent_version=CONSENT_VERSION if consent else "",
    )
    create_default_plan(episode)
    return client


def episode_of(client: Client) -> Episode:
    episode = client.current_episode()
    assert episode is not None
    return episode


def add_sessions(episode: Episode, count: int) -> list[Session]:
    """``count`` more weekly sessions after the episode's last one."""
    last = episode.sessions.order_by("-number").first()
    start = last.number if last else 0
    return [
        Session.objects.create(
            episode=episode, number=n, date=episode.started + dt.timedelta(weeks=n - 1)
        )
        for n in range(start + 1, start + count + 1)
    ]


@cache
def _scored(instrument: str, frozen: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    return score_answers(instrument, dict(frozen))


def scores_for(instrument: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The web app's scores for these answers (memoised: factories call it a lot)."""
    return dict(_scored(instrument, tuple(sorted(answers.items()))))


def response(
    session: Session,
    instrument: str,
    answers: dict[str, Any] | None = None,
    respondent: str = Respondent.CLIENT,
    *,
    save: bool = True,
) -> Response:
    answers = dict(STEADY[instrument] if answers is None else answers)
    row = Response(
        session=session,
        instrument=instrument,
        respondent=respondent,
        answers=answers,
        scores=scores_for(instrument, answers),
    )
    if save:
        row.save()
    return row


def answer_sessions(
    sessions: list[Session],
    instruments: tuple[str, ...] = ("sai", "session_feedback", "phq9", "gad7"),
) -> list[Response]:
    """Steady client answers for each session, in one insert."""
    rows = [response(s, i, save=False) for s in sessions for i in instruments]
    return Response.objects.bulk_create(rows)


def make_goal(episode: Episode, text: str, *, client_confirmed: bool = False) -> Goal:
    now = timezone.now()
    return Goal.objects.create(
        episode=episode,
        text=text,
        expected_level="Most nights, waking at most once",
        therapist_confirmed_at=now,
        client_confirmed_at=now if client_confirmed else None,
    )


def make_task(episode: Episode, text: str, set_session: int = 1) -> Task:
    return Task.objects.create(
        episode=episode,
        text=text,
        set_by=Task.SetBy.THERAPIST,
        set_session=set_session,
        due_session=set_session + 1,
    )


def make_alert(
    episode: Episode, session_number: int, *, rule: str = "low_alliance", severity: str = "warning"
) -> Alert:
    return Alert.objects.create(
        episode=episode,
        key=f"{rule}:{session_number}:total",
        rule=rule,
        severity=severity,
        session_number=session_number,
        subscale="total",
        title="Session alliance below the threshold",
        detail="SAI 2.1 at the last session.",
        next_steps=["Ask openly how the last session felt."],
    )


def step_data(instrument: str, answers: dict[str, Any]) -> dict[str, str]:
    """POST data for one questionnaire page."""
    data: dict[str, str] = {}
    for n, value in answers.items():
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        data[item_field_name(int(n))] = str(value)
    return data


def step_url(token: str, step: int) -> str:
    return reverse("measures:step", args=[token, step])


def answer(http: HttpClient, token: str, instruments: list[str], upto: int | None = None) -> Any:
    """Answer pages 1..upto (all by default) with ANSWERS; returns the last page."""
    page = None
    for step, instrument in enumerate(instruments[:upto], start=1):
        page = http.post(step_url(token, step), step_data(instrument, ANSWERS[instrument]))
    return page


def core_scores(instrument: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The oracle: the core engine, called directly on a one-row frame.

    Built from the documented item naming (``{instrument}_{n}``), not through
    the web app's wrapper, so a wrapper bug cannot hide behind itself.
    """
    inst = get_instrument(instrument)
    columns = {
        f"{instrument}_{n}": [None if answers.get(str(n)) is None else float(answers[str(n)])]
        for n in inst.scored_items()
    }
    frame = pl.DataFrame(
        {"id": ["row"], **columns}, schema={"id": pl.String, **{c: pl.Float64 for c in columns}}
    )
    scored = score(frame, instrument).scores
    return scored.select(output_columns(inst)).row(0, named=True)


def same_scores(stored: dict[str, Any], expected: dict[str, Any]) -> bool:
    """Equal keys; numbers equal to 1e-9; NaN/inf (stored as null) match None."""
    if set(stored) != set(expected):
        return False
    for key, want in expected.items():
        got = stored[key]
        if isinstance(want, float) and not isinstance(want, bool):
            if want != want or want in (float("inf"), float("-inf")):
                if got is not None:
                    return False
            elif got is None or abs(float(got) - want) > 1e-9:
                return False
        elif got != want:
            return False
    return True
