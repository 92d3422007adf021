"""Personas for the clinic web tests, after healthchecks: every permission test reads like a sentence.

Clinic A (Northside):
    alice   therapist, owns client c1
    bob     another therapist in clinic A (c1 is not on his caseload)
    sue     supervisor (sees the whole clinic)
    ada     clinic administrator (sees the whole clinic)
    rita    researcher (no client records)
Clinic B (Southbank):
    charlie therapist, owns client x1

c1 has an episode on the default plan, four sessions (answers in for
sessions 1-3), an open questionnaire link for session 4, a portal link, a
goal, a task and an open alert. x1 has one session with its own open link
and portal link.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client as HttpClient
from django.utils import translation
from web_factories import (
    add_sessions,
    answer_sessions,
    episode_of,
    make_alert,
    make_client,
    make_clinic,
    make_goal,
    make_task,
    make_user,
)

from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.accounts.otp import DEVICE_ID_SESSION_KEY, TOTPDevice
from alliance.web.alerts.models import Alert
from alliance.web.care.models import Client, Episode, Session
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Link
from alliance.web.measures.services import create_link
from alliance.web.portal.services import create_portal_link


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The client page caches the clinic's expected-recovery band; start every test cold."""
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Start every test in the default language: a request that served a Spanish-speaking
    client leaves Spanish active in this thread (as LocaleMiddleware leaves the browser's)."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


class StaffClient(HttpClient):
    """``force_login`` signs staff in completely: password and, where their role needs it, code.

    Staff who must use an authenticator get a confirmed one and a verified
    session, as after a real code (tests/web/accounts/ test the real steps).
    """

    def force_login(self, user: User, backend: str | None = None) -> None:
        super().force_login(user, backend)
        if user.requires_two_factor:
            verify_session(self, user)


def verify_session(http: HttpClient, user: User) -> None:
    """Mark ``http``'s signed-in session as having passed ``user``'s authenticator code."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    session = http.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def client() -> StaffClient:
    """pytest-django's test client, with ``force_login`` as a fully signed-in member of staff."""
    return StaffClient()


@dataclass(frozen=True)
class OpenLink:
    link: Link
    token: str


# --- clinics and staff -------------------------------------------------------


@pytest.fixture
def clinic_a(db: None) -> Organisation:
    return make_clinic("Northside Talking Therapies", "northside")


@pytest.fixture
def clinic_b(db: None) -> Organisation:
    return make_clinic("Southbank Counselling", "southbank")


@pytest.fixture
def alice(clinic_a: Organisation) -> User:
    return make_user("alice", Role.THERAPIST, clinic_a)


@pytest.fixture
def bob(clinic_a: Organisation) -> User:
    return make_user("bob", Role.THERAPIST, clinic_a)


@pytest.fixture
def sue(clinic_a: Organisation) -> User:
    return make_user("sue", Role.SUPERVISOR, clinic_a)


@pytest.fixture
def ada(clinic_a: Organisation) -> User:
    return make_user("ada", Role.ADMIN, clinic_a)


@pytest.fixture
def rita(clinic_a: Organisation) -> User:
    return make_user("rita", Role.RESEARCHER, clinic_a)


@pytest.fixture
def charlie(clinic_b: Organisation) -> User:
    return make_user("charlie", Role.THERAPIST, clinic_b)


# --- client c1 (alice's) -----------------------------------------------------


@pytest.fixture
def c1(clinic_a: Organisation, alice: User) -> Client:
    return make_client(clinic_a, alice, "C1-ALPHA", email="c1@client.example")


@pytest.fixture
def c1_episode(c1: Client) -> Episode:
    return episode_of(c1)


@pytest.fixture
def c1_sessions(c1_episode: Episode) -> list[Session]:
    """Sessions 1-4; the client's answers are in for 1-3."""
    sessions = add_sessions(c1_episode, 4)
    answer_sessions(sessions[:3])
    return sessions


@pytest.fixture
def c1_link(c1_sessions: list[Session], alice: User) -> OpenLink:
    """The open questionnaire link for session 4 (SAI, WAI-SR, feedback, PHQ-9, GAD-7)."""
    link, token = create_link(c1_sessions[3], alice)
    return OpenLink(link, token)


@pytest.fixture
def c1_portal_token(c1: Client) -> str:
    return create_portal_link(c1)


@pytest.fixture
def c1_goal(c1_episode: Episode) -> Goal:
    return make_goal(c1_episode, "Sleep through the night most nights")


@pytest.fixture
def c1_task(c1_episode: Episode) -> Task:
    return make_task(
        c1_episode, "Write down three things that went all right each evening", set_session=3
    )


@pytest.fixture
def c1_alert(c1_sessions: list[Session]) -> Alert:
    return make_alert(c1_sessions[0].episode, session_number=3)


# --- client x1 (charlie's, clinic B) -----------------------------------------


@pytest.fixture
def x1(clinic_b: Organisation, charlie: User) -> Client:
    return make_client(clinic_b, charlie, "X1-BRAVO", email="x1@client.example")


@pytest.fixture
def x1_link(x1: Client, charlie: User) -> OpenLink:
    (session,) = add_sessions(episode_of(x1), 1)
    link, token = create_link(session, charlie)
    return OpenLink(link, token)


@pytest.fixture
def x1_portal_token(x1: Client) -> str:
    return create_portal_link(x1)
