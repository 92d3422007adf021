"""Erasure of a client's data (on request) or of one episode's data (retention).

What goes
    Every session of the episode and everything hanging on a session (answers
    and scores, questionnaire links with their drafts and the address they were
    sent to, goal ratings, and any other session record such as a transcript:
    all cascade with the session); goals, tasks with reflections, feedback,
    alerts with their notes; the episode's free text (hopes, how the client will
    know it works, approach and its note, C-NIP preferences). For a whole
    client also: their e-mail address and their personal page links; open
    episodes are ended and the client is archived (off the caseload).

What stays (see :data:`KEPT`)
    The pseudonymous shell: the client row (clinic, code, therapist), each
    episode's dates and consent fields, the measurement plan, the consent
    records, the erasure record itself and the audit trail, which is
    append-only and points at the client row (``AuditEvent.client`` is
    PROTECT). None of these holds answers or free text.

Erasing is idempotent: erasing again finds nothing left, writes no new
record and no new audit event (if something was added since, it is removed
and that second pass is audited).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from alliance.web.alerts.models import Alert
from alliance.web.audit.chain import append
from alliance.web.audit.log import record
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client, Episode, Session
from alliance.web.consent.models import Erasure
from alliance.web.goals.models import Goal, Task
from alliance.web.portal.models import Feedback, PortalAccess
from alliance.web.texting.models import TextMessage

# Episode-level records deleted outright (their own children cascade).
EPISODE_DELETED: tuple[type[models.Model], ...] = (Alert, Feedback, Task, Goal, Session)
# Client-level records deleted with a whole client.
CLIENT_DELETED: tuple[type[models.Model], ...] = (PortalAccess, TextMessage)
# Records that point at a client, episode or session and stay: why.
KEPT: dict[str, str] = {
    "care.episode": "the shell: dates and consent fields; its free text is blanked",
    "measures.planentry": "which instruments were planned: no personal content",
    "consent.consentrecord": "evidence of what was agreed: version, text hash, times",
    "consent.erasure": "the record of the erasure itself",
    "audit.auditevent": "the audit trail: append-only, ids and labels only",
}
EPISODE_BLANK: dict[str, Any] = {
    "hoped_change": "",
    "how_know_working": "",
    "expected_sessions": None,
    "approach": "",
    "approach_note": "",
    "approach_suggested": "",
    "approach_reasons": [],
    "cnip_scores": {},
}


@dataclass(frozen=True)
class ErasureResult:
    erasure: Erasure
    created: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(self.counts.values())


def _actor(by: Any, reason: str) -> tuple[Any, str]:
    if by is not None and getattr(by, "is_authenticated", False):
        return by, by.get_username()
    return None, "retention" if reason == Erasure.Reason.RETENTION else "system"


def audit(
    request: HttpRequest | None,
    by: Any,
    label: str,
    action: str,
    obj: models.Model,
    client: Client,
    **detail: Any,
) -> AuditEvent:
    """One audit event by ``by`` (a staff user) or by ``label`` (a command), with or without a request."""
    if request is not None:
        return record(request, action, obj, client=client, **detail)
    event = AuditEvent(
        organisation_id=client.organisation_id,
        actor=by,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        client=client,
        detail=detail,
        ip=None,
    )
    return append(event)


def _wipe_episodes(episode_ids: list[int]) -> Counter[str]:
    """Delete everything of these episodes but the shell; blank their free text. Counts per kind."""
    counts: Counter[str] = Counter()
    for model in EPISODE_DELETED:
        _total, per_model = model._default_manager.filter(episode_id__in=episode_ids).delete()
        counts.update({label.lower(): n for label, n in per_model.items() if n})
    dirty = [
        e.pk
        for e in Episode.objects.filter(pk__in=episode_ids)
        if any(getattr(e, name) != blank for name, blank in EPISODE_BLANK.items())
    ]
    if dirty:
        # Plain values (not SQL expressions): the encrypted fields store "" as "".
        Episode.objects.filter(pk__in=dirty).update(**EPISODE_BLANK)
        counts["care.episode_free_text"] += len(dirty)
    return counts


def _detail(counts: Counter[str], room: int = 16) -> dict[str, int]:
    """Counts as audit-detail keys (``removed_measures_response``), ids and numbers only.

    The audit detail holds at most 20 keys: past ``room`` kinds, the rest are
    summed as ``removed_other``.
    """
    items = [(label, n) for label, n in sorted(counts.items()) if n]
    shown = items if len(items) <= room else items[: room - 1]
    detail = {"removed_" + label.replace(".", "_")[:32]: n for label, n in shown}
    if len(shown) < len(items):
        detail["removed_other"] = sum(n for _, n in items[len(shown) :])
    return detail


def _finish(
    *,
    existing: Erasure | None,
    counts: Counter[str],
    make: Any,
    request: HttpRequest | None,
    by: Any,
    label: str,
    client: Client,
    scope: str,
    reason: str,
) -> ErasureResult:
    if existing is not None and not counts:
        return ErasureResult(existing, created=False, counts={})
    if existing is None:
        erasure: Erasure = make(dict(counts))
    else:
        erasure = existing
        merged = Counter(existing.counts)
        merged.update(counts)
        erasure.counts = dict(merged)
        erasure.save(update_fields=["counts"])
    audit(
        request,
        by,
        label,
        "delete",
        erasure,
        client,
        scope=scope,
        reason=reason,
        again=existing is not None,
        **_detail(counts),
    )
    return ErasureResult(erasure, created=existing is None, counts=dict(counts))


def erase_client(
    client: Client,
    *,
    by: Any = None,
    reason: str = Erasure.Reason.REQUEST,
    request: HttpRequest | None = None,
) -> ErasureResult:
    """Erase all of a client's data but the pseudonymous shell (see the module docstring)."""
    staff, label = _actor(by, reason)
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        existing = Erasure.objects.filter(client=locked, episode__isnull=True).first()
        counts = _wipe_episodes(list(locked.episodes.values_list("pk", flat=True)))
        for model in CLIENT_DELETED:
            _total, per_model = model._default_manager.filter(client=locked).delete()
            counts.update({k.lower(): n for k, n in per_model.items() if n})
        ended = Episode.objects.filter(client=locked, ended__isnull=True).update(
            ended=timezone.localdate()
        )
        if ended:
            counts["care.episode_ended"] += ended
        if locked.email:
            counts["care.client_email"] += 1
        if locked.phone:
            counts["care.client_phone"] += 1
        if locked.email or locked.phone or not locked.archived:
            Client.objects.filter(pk=locked.pk).update(email="", phone="", archived=True)

        def make(final: dict[str, int]) -> Erasure:
            return Erasure.objects.create(
                client=locked,
                reason=reason,
                erased_by=staff,
                erased_by_label=label,
                counts=final,
            )

        return _finish(
            existing=existing,
            counts=counts,
            make=make,
            request=request,
            by=staff,
            label=label,
            client=locked,
            scope="client",
            reason=reason,
        )


def erase_episode(
    episode: Episode,
    *,
    by: Any = None,
    reason: str = Erasure.Reason.RETENTION,
    request: HttpRequest | None = None,
) -> ErasureResult:
    """Erase one episode's data but its shell; the client's other episodes are untouched."""
    staff, label = _actor(by, reason)
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        client = locked.client
        existing = (
            Erasure.objects.filter(episode=locked).first()
            or Erasure.objects.filter(client=client, episode__isnull=True).first()
        )
        counts = _wipe_episodes([locked.pk])

        def make(final: dict[str, int]) -> Erasure:
            return Erasure.objects.create(
                client=client,
                episode=locked,
                reason=reason,
                erased_by=staff,
                erased_by_label=label,
                counts=final,
            )

        return _finish(
            existing=existing,
            counts=counts,
            make=make,
            request=request,
            by=staff,
            label=label,
            client=client,
            scope="episode",
            reason=reason,
        )


def client_erasure(client: Client) -> Erasure | None:
    """The whole-client erasure of ``client``, if any."""
    return (
        Erasure.objects.filter(client=client, episode__isnull=True)
        .select_related("erased_by")
        .first()
    )
