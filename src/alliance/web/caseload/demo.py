"""A realistic demo clinic from the core's simulator (ruptures and repairs included).

Scores come from the one scoring engine (one call per instrument for the
whole cohort); alerts come from the core's rules, as in real use.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from alliance.approach import suggest_approach
from alliance.instruments import get
from alliance.scoring import output_columns, score
from alliance.simulate import risk_item_at_rate, simulate_cohort
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.alerts.lifecycle import resolve
from alliance.web.alerts.services import refresh_alerts
from alliance.web.care.models import Client, Episode, Session
from alliance.web.goals.models import Goal, GoalRating, Task
from alliance.web.measures.answers import record_answers
from alliance.web.measures.models import Link, Respondent, Source, new_token
from alliance.web.measures.plans import DEFAULT_PLAN, create_default_plan
from alliance.web.score_columns import SAI_TOTAL

THERAPISTS = (("alex", "Alex", "Morgan"), ("sam", "Sam", "Patel"), ("jordan", "Jordan", "Lee"))
GOALS = (
    ("Get back to work three days a week", "Working two days, most weeks"),
    (
        "Sleep through the night most nights",
        "Waking once or twice, back to sleep within half an hour",
    ),
    ("Feel able to say no to extra shifts", "Saying no once a week without feeling guilty all day"),
    ("See friends at least once a week", "One short meet-up a week"),
    ("Worry less about my health", "Checking symptoms online once a day or less"),
)
TASKS = (
    "Write down three things that went all right each evening",
    "Take a 20-minute walk before work",
    "Notice and note one worry, then postpone it to 6 pm",
    "Plan one pleasant activity for the weekend",
)
FEEDBACK_LOW = (
    "I felt a bit rushed today.",
    "I'm not sure the homework is helping.",
    "It felt like we were talking about the wrong things.",
)
FEEDBACK_HIGH = (
    "It helped to slow down and go through last week.",
    "I liked that we made a plan together.",
    "Good session, I feel listened to.",
)
CLIENT_INSTRUMENTS = ("sai", "wai_sr", "phq9", "gad7")
COMPLETION = 0.88
# What a therapist who read the alert did about it, as the demo's resolution notes.
RESOLUTION_NOTES = {
    "risk": "Asked about it in the next session: passive thoughts, no plan or intent. "
    "Safety plan reviewed and crisis numbers given; GP informed with consent.",
    "risk_unanswered": "Asked about the skipped question in the session; no thoughts of "
    "self-harm at present. Safety plan and crisis numbers shared.",
    "rupture": "Named the difficult session openly; the client felt rushed. Agreed to slow "
    "down and check in at the end of each session.",
    "low_alliance": "Went back over the goals together and agreed on what to work on first.",
    "falling_alliance": "Asked how our work is going; adjusted the pace and the homework.",
    "disagreement": "Compared our views of the sessions with the client and agreed a focus.",
    "tasks_not_done": "Made the homework smaller and planned when it fits in the week.",
    "expectations_passed": "Reviewed progress against the hoped-for change and agreed a "
    "new review date.",
}
DEFAULT_NOTE = "Discussed in the next session and the plan adjusted."


@dataclass(frozen=True)
class DemoLogins:
    organisation: Organisation
    passwords: dict[str, str]
    client_code: str
    client_link_token: str
    # A Spanish-speaking client with their own open link: their pages speak Spanish.
    spanish_client_code: str = ""
    spanish_link_token: str = ""


def _rows_by_key(frame: pl.DataFrame, instrument: str) -> dict[tuple[str, int], dict[str, Any]]:
    inst = get(instrument)
    items = [inst.item_column(n) for n in inst.scored_items()]
    scored = score(frame.select("id", "session", *items), inst).scores
    cols = output_columns(inst)
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for row in scored.iter_rows(named=True):
        answers = {
            str(n): row[inst.item_column(n)]
            for n in inst.scored_items()
            if row[inst.item_column(n)] is not None
        }
        out[(row["id"], row["session"])] = {"answers": answers, "scores": {c: row[c] for c in cols}}
    return out


def _users(org: Organisation) -> tuple[dict[str, str], list[User]]:
    passwords: dict[str, str] = {}

    def make(username: str, first: str, last: str, role: str) -> User:
        password = secrets.token_urlsafe(9)
        passwords[username] = password
        return User.objects.create_user(
            username=username,
            password=password,
            first_name=first,
            last_name=last,
            role=role,
            organisation=org,
            email=f"{username}@clinic.example",
        )

    make("admin", "Riley", "Admin", Role.ADMIN)
    make("supervisor", "Dana", "Okafor", Role.SUPERVISOR)
    make("researcher", "Kim", "Novak", Role.RESEARCHER)
    therapists = [make(u, f, ln, Role.THERAPIST) for u, f, ln in THERAPISTS]
    return passwords, therapists


def _act_on_past_alerts(episode: Episode, therapist: User, raised: dict[int, int]) -> None:
    """Resolve, with a note, every alert raised before the client's latest session (``raised``
    maps an alert to the session after which the rules raised it, and dates it so): a working
    clinic, where only the latest session's findings wait for the therapist."""
    sessions = {s.number: s.date for s in episode.sessions.all()}
    if not sessions:
        return
    latest = max(sessions)
    for alert in episode.alerts.all():
        at = raised.get(alert.pk, latest)
        created = timezone.make_aware(dt.datetime.combine(sessions[at], dt.time(17, 0)))
        type(alert).objects.filter(pk=alert.pk).update(created=created)
        if at >= latest:
            continue
        note = RESOLUTION_NOTES.get(alert.rule, DEFAULT_NOTE)
        resolve(alert, therapist, note, None)
        after = sessions.get(at + 1, sessions[latest])
        when = timezone.make_aware(dt.datetime.combine(after, dt.time(17, 30)))
        type(alert).objects.filter(pk=alert.pk).update(resolved_at=when)


@transaction.atomic
def seed_demo(n_clients: int = 40, n_sessions: int = 12, seed: int = 2026) -> DemoLogins:
    """Create the demo clinic. Fails if it already exists (nothing is overwritten)."""
    if Organisation.objects.filter(slug="demo").exists():
        raise ValueError("The demo clinic already exists; start from an empty database.")
    org = Organisation.objects.create(name="Riverside Talking Therapies (demo)", slug="demo")
    passwords, therapists = _users(org)
    cohort = simulate_cohort(
        n_clients, n_sessions, seed=seed, instruments=(*CLIENT_INSTRUMENTS, "wai_sr_t")
    )
    data = risk_item_at_rate(cohort.data.with_columns(pl.col("id").cast(pl.String)), seed)
    scored = {i: _rows_by_key(data, i) for i in (*CLIENT_INSTRUMENTS, "wai_sr_t")}
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    first_day = today - dt.timedelta(weeks=n_sessions)
    admin = User.objects.get(username="admin")
    attended: dict[str, int] = {
        str(r["id"]): int(r["sessions_attended"])
        for r in cohort.truth.with_columns(pl.col("id").cast(pl.String)).iter_rows(named=True)
    }
    episodes: list[Episode] = []
    raised: dict[int, int] = {}
    for index, client_id in enumerate(sorted(attended, key=lambda x: int(x) if x.isdigit() else x)):
        therapist = therapists[index % len(therapists)]
        client = Client.objects.create(
            organisation=org,
            code=f"C-{index + 1:03d}",
            therapist=therapist,
            email=f"client{index + 1}@example.org",
        )
        cnip = {
            "directiveness": rng.randint(-10, 10),
            "emotional_intensity": rng.randint(-6, 8),
            "past_orientation": rng.randint(-6, 4),
            "warm_support": rng.randint(-4, 12),
        }
        suggestion = suggest_approach(cnip)
        episode = Episode.objects.create(
            client=client,
            started=first_day,
            hoped_change=rng.choice(GOALS)[0],
            expected_sessions=rng.choice((6, 8, 10, 12, 16)),
            how_know_working="I'll be doing more of what matters to me.",
            approach=suggestion.approach,
            approach_suggested=suggestion.approach,
            approach_reasons=list(suggestion.reasons),
            consent_at=timezone.now() - dt.timedelta(weeks=n_sessions),
            consent_version="2026-11-v1",
            cnip_scores=cnip,
        )
        create_default_plan(episode)
        plan = {(i, r): (every, first) for i, r, every, first in DEFAULT_PLAN}
        goals = [
            Goal.objects.create(
                episode=episode,
                text=t,
                expected_level=e,
                created_session=1,
                client_confirmed_at=timezone.now(),
                therapist_confirmed_at=timezone.now(),
            )
            for t, e in rng.sample(GOALS, 2)
        ]
        for number in range(1, attended[client_id] + 1):
            date = first_day + dt.timedelta(weeks=number - 1)
            session = Session.objects.create(episode=episode, number=number, date=date)
            _session_data(session, client_id, number, scored, plan, admin, therapist, rng)
            if number % 4 == 0:
                for g in goals:
                    GoalRating.objects.create(
                        goal=g,
                        session=session,
                        level=max(-2, min(2, rng.choice((-1, 0, 0, 1)) + number // 8)),
                    )
            if number % 3 == 1:
                Task.objects.create(
                    episode=episode,
                    text=rng.choice(TASKS),
                    set_by=Task.SetBy.THERAPIST,
                    set_session=number,
                    due_session=number + 1,
                    done=None if number == attended[client_id] else rng.random() < 0.7,
                )
            # The rules run after every session, as in the clinic.
            raised |= {a.pk: number for a in refresh_alerts(episode, notify=False)}
        episodes.append(episode)
    for episode in episodes:
        _act_on_past_alerts(episode, episode.client.therapist, raised)
    # One client with an open link for today's session, to try the client side, and a
    # Spanish-speaking client with theirs.
    token = _todays_link(episodes[0], today)
    spanish = episodes[1].client
    Client.objects.filter(pk=spanish.pk).update(language="es")
    spanish_token = _todays_link(episodes[1], today)
    return DemoLogins(
        org,
        passwords,
        episodes[0].client.code,
        token,
        spanish_client_code=spanish.code,
        spanish_link_token=spanish_token,
    )


def _todays_link(episode: Episode, today: dt.date) -> str:
    """An open questionnaire link for a new session today; returns its token."""
    next_number = episode.sessions.count() + 1
    session = Session.objects.create(episode=episode, number=next_number, date=today)
    token, digest = new_token()
    Link.objects.create(
        session=session,
        instruments=["sai", "session_feedback", "phq9", "gad7"],
        token_hash=digest,
        created_by=episode.client.therapist,
        expires_at=timezone.now() + dt.timedelta(days=episode.client.organisation.link_expiry_days),
    )
    return token


def _session_data(
    session: Session,
    client_id: str,
    number: int,
    scored: dict[str, Any],
    plan: dict[tuple[str, str], tuple[int, int]],
    admin: User,
    therapist: User,
    rng: Any,
) -> None:
    def due(instrument: str, side: str) -> bool:
        every, first = plan[(instrument, side)]
        return number >= first and (number - first) % every == 0

    _token, digest = new_token()
    answered = rng.random() < COMPLETION
    submitted_at = timezone.make_aware(dt.datetime.combine(session.date, dt.time(18, 0)))
    instruments = [
        i
        for i in ("sai", "wai_sr", "session_feedback", "phq9", "gad7")
        if due(i, Respondent.CLIENT)
    ]
    link = Link.objects.create(
        session=session,
        instruments=instruments,
        token_hash=digest,
        created_by=therapist,
        expires_at=submitted_at + dt.timedelta(days=4),
        sent_at=submitted_at,
        submitted_at=submitted_at if answered else None,
    )
    if answered:
        responses = []
        for instrument in instruments:
            if instrument == "session_feedback":
                sai = scored["sai"].get((client_id, number), {}).get("scores", {}).get(SAI_TOTAL)
                helpful = None if sai is None else round(min(10.0, max(0.0, sai * 2)))
                text = (
                    rng.choice(FEEDBACK_LOW if (sai or 5) < 3 else FEEDBACK_HIGH)
                    if rng.random() < 0.3
                    else None
                )
                answers: dict[str, Any] = {"3": helpful} if helpful is not None else {}
                if text:
                    answers["2" if (sai or 5) < 3 else "1"] = text
            else:
                row = scored[instrument].get((client_id, number))
                if row is None:
                    continue
                answers = row["answers"]
            responses.append((instrument, answers))
        for instrument, answers in responses:
            record_answers(
                session,
                instrument,
                Respondent.CLIENT,
                answers,
                source=Source.DEMO,
                link=link,
                answered_at=submitted_at,
                evaluate=False,
            )
    if due("wai_sr_t", Respondent.THERAPIST):
        row = scored["wai_sr_t"].get((client_id, number))
        if row is not None:
            record_answers(
                session,
                "wai_sr_t",
                Respondent.THERAPIST,
                row["answers"],
                source=Source.DEMO,
                by=therapist,
                answered_at=submitted_at,
                evaluate=False,
            )
