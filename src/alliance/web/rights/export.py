"""A client's own data as one JSON document (right of access and portability).

What is in it: everything stored about the client, decrypted: their code,
e-mail and therapist; each episode's intake answers, approach, preferences,
measurement plan and consent records; each session with every answer and
score (the client's and the therapist's forms about the client), the
questionnaire links (when sent, to which address, and answers saved but not
yet sent); goals with their ratings; tasks with reflections; feedback;
alerts about them (rule, finding, next steps, status, resolution note: they
are derived from their answers and are about them); their personal page
links (dates only); erasures. Records of other apps that hang on the
client, an episode or a session (e.g. a session transcript) are added
field by field under ``other_records``, so nothing is left out silently.

What is not: the audit log (who opened the record, from which address: data
about staff too; the clinic gives it on request from /audit/), staff
accounts, and link tokens (only their hashes are stored, which open nothing).
"""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from alliance.web.alerts.models import Alert
from alliance.web.care.models import Client, Episode, Session
from alliance.web.consent.models import ConsentRecord, Erasure
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Link, PlanEntry, Response
from alliance.web.portal.models import Feedback, PortalAccess

FORMAT = "alliance.client-data/1"
# Models the export writes out by name (everything else pointing at the client is generic).
HANDLED: frozenset[str] = frozenset(
    {
        "care.episode",
        "care.session",
        "measures.planentry",
        "measures.link",
        "measures.response",
        "goals.goal",
        "goals.goalrating",
        "goals.task",
        "portal.feedback",
        "portal.portalaccess",
        "alerts.alert",
        "rights.consentrecord",
        "rights.erasure",
    }
)
# Left out on purpose (see the module docstring).
LEFT_OUT: dict[str, str] = {
    "audit.auditevent": "the audit log: about staff access too; given by the clinic on request",
}
ABOUT = (
    "Everything this clinic's Alliance stores about you, as of generated_at. Answers are as you "
    "gave them; scores are computed from them. Not included: the log of who opened your record "
    "(ask the clinic for it) and staff accounts."
)


def _when(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def _consent(r: ConsentRecord) -> dict[str, Any]:
    return {
        "version": r.version,
        "text_sha256": r.text_sha256,
        "given_at": _when(r.given_at),
        "given_via": r.get_given_via_display(),
        "withdrawn_at": _when(r.withdrawn_at),
        "withdrawn_via": r.get_withdrawn_via_display() if r.withdrawn_via else None,
    }


def _generic(obj: models.Model) -> dict[str, Any]:
    """A record of another app, field by field (no relations, no hashes)."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.is_relation or f.primary_key or f.name.endswith("hash"):
            continue
        value = getattr(obj, f.attname)
        if isinstance(value, bytes | memoryview):
            value = f"<{len(bytes(value))} bytes of binary data>"
        out[f.name] = _when(value) if hasattr(value, "isoformat") else value
    return out


def _other_records(client: Client, episode_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Rows of models not handled by name that point at the client, its episodes or sessions."""
    targets: dict[Any, list[int]] = {Client: [client.pk], Episode: episode_ids}
    found: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in HANDLED or label in LEFT_OUT:
            continue
        for f in model._meta.concrete_fields:
            related = f.related_model if f.is_relation else None
            if related is Session:
                rows = model._default_manager.filter(**{f"{f.name}__episode_id__in": episode_ids})
            elif related in targets:
                rows = model._default_manager.filter(**{f"{f.name}_id__in": targets[related]})
            else:
                continue
            found.setdefault(label, []).extend(_generic(r) for r in rows)
    return {k: v for k, v in found.items() if v}


def build_export(client: Client) -> dict[str, Any]:
    """The client's data as a JSON-ready dict (see the module docstring for what is in it)."""
    episodes = list(Episode.objects.filter(client=client).order_by("started", "pk"))
    ids = [e.pk for e in episodes]
    sessions = list(Session.objects.filter(episode_id__in=ids).order_by("number"))
    responses = list(
        Response.objects.filter(session__episode_id__in=ids).order_by("instrument", "respondent")
    )
    links = list(Link.objects.filter(session__episode_id__in=ids).order_by("created"))
    goals = list(
        Goal.objects.filter(episode_id__in=ids).prefetch_related("ratings__session").order_by("pk")
    )
    tasks = list(Task.objects.filter(episode_id__in=ids).order_by("set_session", "pk"))
    feedback = list(Feedback.objects.filter(episode_id__in=ids).order_by("created"))
    alerts = list(Alert.objects.filter(episode_id__in=ids).order_by("created", "pk"))
    plan = list(PlanEntry.objects.filter(episode_id__in=ids))
    consents = list(ConsentRecord.objects.filter(client=client))
    erasures = list(Erasure.objects.filter(client=client))

    def of(rows: list[Any], episode: Episode, attr: str = "episode_id") -> list[Any]:
        return [r for r in rows if getattr(r, attr) == episode.pk]

    def session_doc(s: Session) -> dict[str, Any]:
        return {
            "number": s.number,
            "date": _when(s.date),
            "responses": [
                {
                    "instrument": r.instrument,
                    "respondent": r.get_respondent_display(),
                    "answers": r.answers,
                    "scores": r.scores,
                    "submitted_at": _when(r.submitted_at),
                }
                for r in responses
                if r.session_id == s.pk
            ],
            "questionnaire_links": [
                {
                    "instruments": link.instruments,
                    "created": _when(link.created),
                    "expires_at": _when(link.expires_at),
                    "sent_to": link.sent_to,
                    "sent_at": _when(link.sent_at),
                    "reminded_at": _when(link.reminded_at),
                    "opened_at": _when(link.opened_at),
                    "submitted_at": _when(link.submitted_at),
                    "revoked_at": _when(link.revoked_at),
                    "answers_saved_not_sent": {} if link.submitted_at else link.draft,
                }
                for link in links
                if link.session_id == s.pk
            ],
        }

    def episode_doc(e: Episode) -> dict[str, Any]:
        return {
            "started": _when(e.started),
            "ended": _when(e.ended),
            "hoped_change": e.hoped_change,
            "expected_sessions": e.expected_sessions,
            "how_know_working": e.how_know_working,
            "approach": e.get_approach_display() if e.approach else "",
            "approach_note": e.approach_note,
            "approach_suggested": e.approach_suggested,
            "approach_reasons": e.approach_reasons,
            "preferences_cnip": e.cnip_scores,
            "consent": {"given_at": _when(e.consent_at), "version": e.consent_version},
            "consent_records": [_consent(r) for r in of(consents, e)],
            "measurement_plan": [
                {
                    "instrument": p.instrument,
                    "respondent": p.get_respondent_display(),
                    "every": p.every,
                    "first_session": p.first_session,
                }
                for p in of(plan, e)
            ],
            "sessions": [session_doc(s) for s in of(sessions, e)],
            "goals": [
                {
                    "text": g.text,
                    "expected_level": g.expected_level,
                    "created": _when(g.created),
                    "created_session": g.created_session,
                    "client_confirmed_at": _when(g.client_confirmed_at),
                    "therapist_confirmed_at": _when(g.therapist_confirmed_at),
                    "active": g.active,
                    "ratings": [
                        {
                            "session": r.session.number,
                            "level": r.level,
                            "rated_at": _when(r.rated_at),
                        }
                        for r in g.ratings.all()
                    ],
                }
                for g in of(goals, e)
            ],
            "tasks": [
                {
                    "text": t.text,
                    "set_by": t.get_set_by_display(),
                    "set_session": t.set_session,
                    "due_session": t.due_session,
                    "done": t.done,
                    "reflection": t.reflection,
                    "updated": _when(t.updated),
                }
                for t in of(tasks, e)
            ],
            "feedback": [
                {"text": f.text, "created": _when(f.created), "read_at": _when(f.read_at)}
                for f in of(feedback, e)
            ],
            "alerts": [
                {
                    "rule": a.rule,
                    "severity": a.get_severity_display(),
                    "session": a.session_number,
                    "subscale": a.subscale,
                    "title": a.title,
                    "detail": a.detail,
                    "numbers": a.numbers,
                    "next_steps": a.next_steps,
                    "status": a.get_status_display(),
                    "created": _when(a.created),
                    "acknowledged_at": _when(a.acknowledged_at),
                    "resolved_at": _when(a.resolved_at),
                    "resolution_note": a.resolution_note,
                }
                for a in of(alerts, e)
            ],
        }

    return {
        "format": FORMAT,
        "generated_at": _when(timezone.now()),
        "about": ABOUT,
        "clinic": client.organisation.name,
        "client": {
            "code": client.code,
            "email": client.email,
            "phone": client.phone,
            "language": client.language,
            "texts_consent_at": _when(client.texts_consent_at),
            "texts_stopped_at": _when(client.texts_stopped_at),
            "therapist": client.therapist.display(),
            "created": _when(client.created),
            "archived": client.archived,
        },
        "personal_page_links": [
            {
                "created": _when(p.created),
                "expires_at": _when(p.expires_at),
                "revoked_at": _when(p.revoked_at),
                "last_used_at": _when(p.last_used_at),
            }
            for p in PortalAccess.objects.filter(client=client).order_by("created")
        ],
        "erasures": [
            {
                "scope": "episode" if r.episode_id else "all data",
                "episode_started": next(
                    (_when(e.started) for e in episodes if e.pk == r.episode_id), None
                ),
                "reason": r.get_reason_display(),
                "erased_at": _when(r.erased_at),
            }
            for r in erasures
        ],
        "episodes": [episode_doc(e) for e in episodes],
        "other_records": _other_records(client, ids),
    }


def export_json(client: Client) -> str:
    return json.dumps(build_export(client), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
