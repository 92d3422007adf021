"""Consent to the questionnaires: record it, withdraw it, and say where an episode stands.

A client consents once per episode, on the first page of their first
questionnaire link (or in person, recorded by staff). Withdrawing (from their
own page, or recorded by staff) revokes the episode's open links, and no new
link can be made for the episode until consent is given again.

Episodes whose consent was stored before consent records existed
(``Episode.consent_at`` only) count as consented; their record is made from
those fields when it is first needed (e.g. to withdraw).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from alliance.web.audit.log import record
from alliance.web.care.models import Episode
from alliance.web.consent.models import Channel, ConsentRecord, Erasure
from alliance.web.consent.signals import consent_withdrawn
from alliance.web.consent.texts import CONSENT_TEXT, CONSENT_VERSION


def text_sha256(paragraphs: list[str]) -> str:
    """SHA-256 (hex) of a consent text: its paragraphs joined by blank lines, UTF-8.

    >>> text_sha256(["a", "b"]) == hashlib.sha256(b"a\\n\\nb").hexdigest()
    True
    """
    return hashlib.sha256("\n\n".join(paragraphs).encode("utf-8")).hexdigest()


# The texts this installation can vouch for, by version (older versions: add them here
# when the text changes, so their records keep a hash).
KNOWN_TEXTS: dict[str, str] = {CONSENT_VERSION: text_sha256(CONSENT_TEXT)}


class LinksRefused(ValueError):
    """No questionnaire link may be made for this episode (the message says why and what to do)."""


@dataclass(frozen=True)
class ConsentState:
    """Where an episode stands: ``given``, ``withdrawn`` or ``none`` (not asked yet)."""

    status: str
    record: ConsentRecord | None = None

    @property
    def given(self) -> bool:
        return self.status == "given"


def state_from(episode: Episode, records: list[ConsentRecord]) -> ConsentState:
    """The consent state of ``episode`` from its records (oldest first), without a query."""
    mine = [r for r in records if r.episode_id == episode.pk]
    live = [r for r in mine if r.withdrawn_at is None]
    if live:
        return ConsentState("given", live[-1])
    if mine:
        return ConsentState("withdrawn", max(mine, key=lambda r: (r.withdrawn_at, r.pk)))
    if episode.consent_at is not None:
        return ConsentState("given", None)  # stored before consent records existed
    return ConsentState("none", None)


def consent_state(episode: Episode) -> ConsentState:
    return state_from(episode, list(ConsentRecord.objects.filter(episode=episode)))


def is_erased(episode: Episode) -> bool:
    """Whether the episode's data were erased (on their own, or with the whole client)."""
    erased = Q(client_id=episode.client_id, episode__isnull=True) | Q(episode=episode)
    return Erasure.objects.filter(erased).exists()


def _refusal(episode: Episode, what: str, erased: str) -> str | None:
    if is_erased(episode):
        return f"This client's data were erased: {erased}."
    state = consent_state(episode)
    if state.status == "withdrawn" and state.record is not None:
        when = timezone.localtime(state.record.withdrawn_at)
        return (
            f"The client withdrew consent to the questionnaires on {when:%d %b %Y} "
            f"({state.record.get_withdrawn_via_display()}): {what}. "
            "If they agree again, record it on their page."
        )
    return None


def answers_allowed(episode: Episode) -> str | None:
    """Why no client answers may be stored for this episode, or None when they may."""
    return _refusal(
        episode,
        "no questionnaire answers can be stored for this episode",
        "no questionnaire answers can be stored",
    )


def ensure_links_allowed(episode: Episode) -> None:
    """Raise :class:`LinksRefused` when the episode's data were erased or consent was withdrawn."""
    refusal = _refusal(
        episode,
        "no new questionnaire links can be made for this episode",
        "no new questionnaire links can be made",
    )
    if refusal:
        raise LinksRefused(refusal)


def _actor(by: Any) -> tuple[Any, str]:
    if by is not None and getattr(by, "is_authenticated", False):
        return by, "staff"
    return None, ""


def record_consent(
    episode: Episode,
    *,
    via: str,
    by: Any = None,
    request: HttpRequest | None = None,
    version: str = CONSENT_VERSION,
    at: Any = None,
) -> ConsentRecord | None:
    """Record that the client consents (to ``version`` of the text); None if consent is live already.

    Also sets ``Episode.consent_at``/``consent_version`` when they are empty, so
    questionnaire links stop asking. Runs in one transaction with the episode
    row locked: two clicks make one record.
    """
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        if consent_state(locked).given:
            return None
        now = at or timezone.now()
        staff, _ = _actor(by)
        consent = ConsentRecord.objects.create(
            client=locked.client,
            episode=locked,
            version=version,
            text_sha256=KNOWN_TEXTS.get(version, ""),
            given_at=now,
            given_via=via,
            given_recorded_by=staff,
        )
        if locked.consent_at is None:
            Episode.objects.filter(pk=locked.pk).update(consent_at=now, consent_version=version)
        _audit(request, "create", consent, locked, staff, via, consent=version)
    return consent


def _label(via: str) -> str:
    labels: dict[str, str] = {Channel.CLIENT_LINK: "client link", Channel.PORTAL: "client portal"}
    return labels.get(via, "")


def _audit(
    request: HttpRequest | None,
    action: str,
    given: ConsentRecord,
    locked: Episode,
    staff: Any,
    via: str,
    /,
    **detail: Any,
) -> None:
    """The audit event of a consent given or withdrawn: by staff, or by the client (``via``)."""
    record(
        request,
        action,
        given,
        client=locked.client,
        actor_label="" if staff else _label(via),
        channel=via,
        **detail,
    )


def _legacy_record(episode: Episode) -> ConsentRecord:
    """A record for consent stored on the episode before consent records existed."""
    version = episode.consent_version or "unknown"
    return ConsentRecord.objects.create(
        client=episode.client,
        episode=episode,
        version=version,
        text_sha256=KNOWN_TEXTS.get(version, ""),
        given_at=episode.consent_at or timezone.now(),
        given_via=Channel.CLIENT_LINK,
    )


def withdraw_consent(
    episode: Episode, *, via: str, by: Any = None, request: HttpRequest | None = None
) -> ConsentRecord | None:
    """Withdraw the episode's live consent and revoke its open links; None if none is live.

    The links are revoked by the receivers of :data:`~alliance.web.consent.signals.consent_withdrawn`
    (the ``measures`` app), in the same transaction.
    """
    with transaction.atomic():
        locked = Episode.objects.select_for_update().select_related("client").get(pk=episode.pk)
        state = consent_state(locked)
        if not state.given:
            return None
        consent = state.record or _legacy_record(locked)
        now = timezone.now()
        staff, _ = _actor(by)
        consent.withdrawn_at = now
        consent.withdrawn_via = via
        consent.withdrawn_recorded_by = staff
        consent.save(update_fields=["withdrawn_at", "withdrawn_via", "withdrawn_recorded_by"])
        # The measures app revokes the episode's open links (in this transaction).
        replies: list[tuple[Any, Any]] = consent_withdrawn.send(
            sender=ConsentRecord, episode=locked, at=now
        )
        revoked = sum(reply for _receiver, reply in replies if isinstance(reply, int))
        _audit(
            request,
            "update",
            consent,
            locked,
            staff,
            via,
            consent="withdrawn",
            revoked_links=revoked,
        )
    return consent
