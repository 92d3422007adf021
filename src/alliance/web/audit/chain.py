"""The audit log's hash chain: canonical form, appends under a lock, verification.

Canonical form (version 1) of an event, the bytes that are hashed
-----------------------------------------------------------------
A JSON object with exactly these twelve keys::

    seq, at, organisation_id, actor_id, actor_label, action,
    object_type, object_id, client_id, detail, ip, prev_hash

serialised with ``json.dumps(obj, sort_keys=True, separators=(",", ":"),
ensure_ascii=False, allow_nan=False)`` and encoded as UTF-8, where

- ``seq``: the event's position in the chain (integer, 1, 2, 3 ... no gaps);
- ``at``: the time in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (always six
  fraction digits);
- ``organisation_id``, ``actor_id``, ``client_id``: integers or ``null``;
- ``actor_label``, ``action``, ``object_type``, ``object_id``: strings;
- ``detail``: the JSON object as stored (string keys; values are null,
  booleans, integers, short strings or lists of those: see
  :func:`check_detail`);
- ``ip``: the address as Python's ``ipaddress`` writes it (IPv6 compressed)
  or ``null``;
- ``prev_hash``: the ``hash`` of the event before it, or 64 zeros for the
  first event.

``hash`` = lowercase hex SHA-256 of those bytes. The row's database ``id`` is
not hashed (ids may skip numbers when a transaction rolls back); ``seq`` is.

Example (the first event of a log)::

    >>> event = {"seq": 1, "at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    ...          "organisation_id": 1, "actor_id": 2, "actor_label": "ada",
    ...          "action": "view", "object_type": "care.client", "object_id": "7",
    ...          "client_id": 7, "detail": {}, "ip": "127.0.0.1", "prev_hash": GENESIS}
    >>> canonical(event)[:60]
    b'{"action":"view","actor_id":2,"actor_label":"ada","at":"2026'
    >>> event_hash(event) == hashlib.sha256(canonical(event)).hexdigest()
    True

Concurrency
-----------
An append runs in one transaction: lock the single :class:`ChainHead` row
(``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the settings open every
transaction with ``BEGIN IMMEDIATE``, which takes the database's write lock
first), read the last ``seq`` and ``hash``, insert the event, move the head.
The lock is held until the surrounding transaction ends, so appends from
several processes are serialised and two events never share a ``prev_hash``;
``seq`` is unique in the database as a second line of defence.

Limits
------
The chain has no secret: someone who can write to the database can rewrite
every event from the one they change onwards, and the head. Verification
shows edits, deletions and reordering by anyone who did not also recompute
the chain. Record the line ``alliance audit verify`` prints (``seq`` and
``hash`` of the head) somewhere the database's administrators cannot write,
and check it later with ``--anchor SEQ:HASH``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connections, router, transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from alliance.web.audit.models import AuditEvent, ChainHead

logger = logging.getLogger("alliance.audit")

GENESIS = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "organisation_id",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "client_id",
    "detail",
    "ip",
    "prev_hash",
)

# --- data minimisation ------------------------------------------------------

MAX_DETAIL_KEYS = 20
MAX_LABEL_LENGTH = 80
MAX_LIST_LENGTH = 50
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Keys that name free text or answers: never allowed, whatever their value.
FORBIDDEN_KEYS = frozenset(
    {
        "answer",
        "answers",
        "body",
        "comment",
        "comments",
        "email",
        "feedback",
        "free_text",
        "message",
        "name",
        "note",
        "notes",
        "reflection",
        "response",
        "responses",
        "text",
    }
)


def _check_scalar(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        if len(value) > MAX_LABEL_LENGTH or any(ch in value for ch in "\r\n\t\x00"):
            raise ValueError(
                f"audit detail {key!r}: strings are ids or labels (one line, at most "
                f"{MAX_LABEL_LENGTH} characters), never free text"
            )
        return
    raise TypeError(
        f"audit detail {key!r}: {type(value).__name__} is not allowed "
        "(use null, true/false, whole numbers, short labels or lists of those)"
    )


def check_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    """The detail of an event, checked to hold only ids and labels (data minimisation).

    Answers and free text never go into the audit log: keys are short
    snake_case names (none of :data:`FORBIDDEN_KEYS`); values are null,
    booleans, whole numbers, one-line strings of at most 80 characters, or
    lists (at most 50) of those. Returns a plain copy; raises ``ValueError``
    or ``TypeError`` naming the offending key.

    >>> check_detail({"instrument": "phq9", "plan": ["client:phq9"]})
    {'instrument': 'phq9', 'plan': ['client:phq9']}
    >>> check_detail({"text": "I feel low"})
    Traceback (most recent call last):
    ValueError: audit detail 'text': answers and free text never go into the audit log
    """
    if detail is None:
        return {}
    if not isinstance(detail, Mapping):
        raise TypeError(f"audit detail must be a mapping, not {type(detail).__name__}")
    if len(detail) > MAX_DETAIL_KEYS:
        raise ValueError(f"audit detail has {len(detail)} keys; at most {MAX_DETAIL_KEYS}")
    clean: dict[str, Any] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not _KEY.match(key):
            raise ValueError(f"audit detail key {key!r}: use a short snake_case name")
        if key in FORBIDDEN_KEYS:
            raise ValueError(
                f"audit detail {key!r}: answers and free text never go into the audit log"
            )
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST_LENGTH:
                raise ValueError(f"audit detail {key!r}: at most {MAX_LIST_LENGTH} entries")
            for item in value:
                _check_scalar(key, item)
            clean[key] = list(value)
        else:
            _check_scalar(key, value)
            clean[key] = value
    return clean


# --- canonical form ---------------------------------------------------------


def _utc(at: dt.datetime) -> str:
    if timezone.is_naive(at):
        raise ValueError("audit event time must be timezone-aware")
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ip(ip: Any) -> str | None:
    if ip is None or ip == "":
        return None
    try:
        return str(ipaddress.ip_address(str(ip)))
    except ValueError:
        return str(ip)


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one event (see the module docstring for the form)."""
    doc = {
        "seq": int(fields["seq"]),
        "at": _utc(fields["at"]),
        "organisation_id": fields["organisation_id"],
        "actor_id": fields["actor_id"],
        "actor_label": str(fields["actor_label"]),
        "action": str(fields["action"]),
        "object_type": str(fields["object_type"]),
        "object_id": str(fields["object_id"]),
        "client_id": fields["client_id"],
        "detail": fields["detail"],
        "ip": _ip(fields["ip"]),
        "prev_hash": str(fields["prev_hash"]),
    }
    text = json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def event_hash(fields: Mapping[str, Any]) -> str:
    """Lowercase hex SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at,
        "organisation_id": event.organisation_id,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "client_id": event.client_id,
        "detail": event.detail,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }


# --- appending --------------------------------------------------------------


def _locked_head(using: str) -> ChainHead:
    """The chain head, locked until the current transaction ends (created if missing)."""
    heads = ChainHead.objects.using(using)
    connection = connections[using]
    if connection.vendor == "sqlite":
        mode = str(connection.settings_dict.get("OPTIONS", {}).get("transaction_mode", ""))
        if mode.upper() != "IMMEDIATE":
            # A deferred SQLite transaction only locks at its first write: write first.
            heads.filter(pk=ChainHead.SINGLETON).update(seq=F("seq"))
    head = heads.select_for_update().filter(pk=ChainHead.SINGLETON).first()
    if head is not None:
        return head
    last = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash", "id").first()
    seq, last_hash, event_id = last if last is not None else (0, GENESIS, None)
    if last is not None:
        logger.warning("audit chain head row was missing; recreated at event #%s", event_id)
    heads.bulk_create(
        [ChainHead(pk=ChainHead.SINGLETON, seq=seq, hash=last_hash, event_id=event_id)],
        ignore_conflicts=True,
    )
    return heads.select_for_update().get(pk=ChainHead.SINGLETON)


def append(event: AuditEvent, *, using: str | None = None) -> AuditEvent:
    """Insert ``event`` at the end of the chain (sets ``seq``, ``at``, ``prev_hash``, ``hash``).

    Runs in the caller's transaction when there is one (the event is rolled
    back with it), else in its own.
    """
    if not event._state.adding:
        raise ValueError(f"audit event #{event.pk} is already in the log")
    db = using or router.db_for_write(AuditEvent, instance=event)
    event.detail = check_detail(event.detail)
    event.ip = AuditEvent._meta.get_field("ip").get_prep_value(event.ip) or None
    with transaction.atomic(using=db, savepoint=False):
        head = _locked_head(db)
        event.seq = head.seq + 1
        event.prev_hash = head.hash
        event.at = timezone.now()
        event.hash = event_hash(fields_of(event))
        event._chain_insert = True  # type: ignore[attr-defined]
        try:
            event.save(using=db)
        finally:
            event._chain_insert = False  # type: ignore[attr-defined]
        ChainHead.objects.using(db).filter(pk=ChainHead.SINGLETON).update(
            seq=event.seq, hash=event.hash, event_id=event.pk
        )
    return event


# --- verification -----------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """The result of :func:`verify`.

    ``problem`` is ``""`` when intact, else one of ``edited``, ``deleted``,
    ``reordered``, ``head`` (the chain head row is missing or disagrees),
    ``anchor`` (a recorded anchor is no longer in the chain), ``unreadable``.
    """

    ok: bool
    events: int
    head_seq: int
    head_hash: str
    broken_id: int | None = None
    problem: str = ""
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return (
                f"audit chain intact: {self.events} events; "
                f"head seq {self.head_seq} hash {self.head_hash}"
            )
        where = f"event #{self.broken_id}" if self.broken_id is not None else "the chain head"
        return f"audit chain broken at {where}: {self.problem}: {self.reason}"


_COLUMNS = ("id", *HASHED_FIELDS, "hash")


def _broken(
    events: int, head: ChainHead | None, broken_id: Any, problem: str, reason: str
) -> Verdict:
    return Verdict(
        ok=False,
        events=events,
        head_seq=head.seq if head else 0,
        head_hash=head.hash if head else GENESIS,
        broken_id=broken_id,
        problem=problem,
        reason=reason,
    )


def verify(
    *, using: str = "default", anchor: tuple[int, str] | None = None, chunk: int = 2000
) -> Verdict:
    """Walk the whole log in ``id`` order and check every hash and every link.

    Stops at the first break and names it: ``edited`` (a row's contents no
    longer match its hash), ``deleted`` (the sequence jumps: rows are
    missing; or the tail named by the chain head is gone), ``reordered`` (a
    row continues from an event that is stored elsewhere). Reads in chunks of
    ``chunk`` rows by ``id`` (short statements: the app keeps running);
    events appended while it runs are checked too.
    """
    head = ChainHead.objects.using(using).filter(pk=ChainHead.SINGLETON).first()
    events = AuditEvent.objects.using(using)
    expected_prev, expected_seq = GENESIS, 1
    prev_id: int | None = None
    anchor_hash: str | None = None
    checked = 0
    last_id = 0
    while True:
        try:
            rows = list(
                events.filter(id__gt=last_id)
                .annotate(detail_text=Cast("detail", output_field=TextField()))
                .order_by("id")
                .values_list(*[c if c != "detail" else "detail_text" for c in _COLUMNS])[:chunk]
            )
        except (ValueError, TypeError) as exc:
            return _broken(
                checked, head, None, "unreadable", f"a row after event #{last_id}: {exc}"
            )
        if not rows:
            if head is not None and _head_matches(head, expected_seq - 1, using):
                break
            # Appends that committed during the walk move the head: judge by the head now,
            # after walking any rows they added.
            head = ChainHead.objects.using(using).filter(pk=ChainHead.SINGLETON).first()
            if events.filter(id__gt=last_id).exists():
                continue
            problem = _head_problem(head, expected_seq - 1, prev_id, using)
            if problem is not None:
                return _broken(checked, head, *problem)
            break
        for row in rows:
            values = dict(zip(_COLUMNS, row, strict=True))
            row_id: int = values["id"]
            try:
                values["detail"] = json.loads(values["detail"])
                computed = event_hash(values)
            except (ValueError, TypeError, KeyError) as exc:
                return _broken(
                    checked, head, row_id, "edited", f"its fields cannot be read ({exc})"
                )
            if computed != values["hash"]:
                return _broken(
                    checked, head, row_id, "edited", "its stored hash does not match its contents"
                )
            if values["prev_hash"] != expected_prev:
                return _link_broken(checked, head, values, prev_id, expected_seq, using)
            if values["seq"] != expected_seq:
                return _broken(
                    checked,
                    head,
                    row_id,
                    "edited",
                    f"sequence number {values['seq']} where {expected_seq} was expected",
                )
            if anchor is not None and values["seq"] == anchor[0]:
                anchor_hash = values["hash"]
            checked += 1
            expected_prev, expected_seq, prev_id = values["hash"], values["seq"] + 1, row_id
        last_id = rows[-1][0]
    if anchor is not None and anchor_hash != anchor[1]:
        found = "is missing" if anchor_hash is None else f"has hash {anchor_hash}"
        return _broken(
            checked,
            head,
            None,
            "anchor",
            f"the anchored event seq {anchor[0]} {found}, not {anchor[1]}: "
            "the log was rewritten since the anchor was recorded",
        )
    return Verdict(
        ok=True,
        events=checked,
        head_seq=expected_seq - 1,
        head_hash=expected_prev,
    )


def _head_matches(head: ChainHead, last_seq: int, using: str) -> bool:
    """Is the head's event in the walked chain (seq 1..last_seq, each linked) with the head's hash?"""
    if head.seq == 0 or head.seq > last_seq:
        return head.seq == last_seq
    stored = (
        AuditEvent.objects.using(using).filter(seq=head.seq).values_list("hash", flat=True).first()
    )
    return stored == head.hash


def _head_problem(
    head: ChainHead | None, last_seq: int, last_id: int | None, using: str
) -> tuple[int | None, str, str] | None:
    """(broken id, problem, reason) when the chain head disagrees with the walked chain."""
    if head is None:
        if last_seq == 0:
            return None
        return None, "head", "the chain head row is missing (the end cannot be checked)"
    if _head_matches(head, last_seq, using):
        return None
    ends = f"event #{last_id} (seq {last_seq})" if last_id is not None else "no event at all"
    if head.seq > last_seq:
        return (
            head.event_id,
            "deleted",
            f"the chain head names event #{head.event_id} (seq {head.seq}) as the last one "
            f"appended, but the log ends at {ends}: the tail was deleted",
        )
    if head.seq == 0:
        return None, "head", f"the chain head says the log is empty, but it ends at {ends}"
    return (
        head.event_id,
        "head",
        f"the chain head records another hash for seq {head.seq}: "
        "the log from there on was rewritten",
    )


def _link_broken(
    checked: int,
    head: ChainHead | None,
    values: Mapping[str, Any],
    prev_id: int | None,
    expected_seq: int,
    using: str,
) -> Verdict:
    """Say why an intact row does not continue from the row stored before it."""
    row_id = values["id"]
    predecessor = (
        AuditEvent.objects.using(using)
        .filter(hash=values["prev_hash"])
        .values_list("id", "seq")
        .first()
    )
    stored_after = f"event #{prev_id}" if prev_id is not None else "nothing (it is stored first)"
    if predecessor is not None and predecessor[0] != prev_id:
        return _broken(
            checked,
            head,
            row_id,
            "reordered",
            f"it continues from event #{predecessor[0]} (seq {predecessor[1]}) "
            f"but is stored after {stored_after}",
        )
    if values["seq"] > expected_seq:
        missing = values["seq"] - expected_seq
        return _broken(
            checked,
            head,
            row_id,
            "deleted",
            f"{missing} event{'s' if missing != 1 else ''} missing before it "
            f"(the sequence jumps from {expected_seq - 1} to {values['seq']})",
        )
    return _broken(
        checked,
        head,
        row_id,
        "edited",
        f"its prev_hash does not match the hash of {stored_after} before it "
        "(that event was edited and re-hashed, or this link was altered)",
    )


def parse_anchor(text: str) -> tuple[int, str]:
    """``"SEQ:HASH"`` -> ``(seq, hash)``; raises ``ValueError`` on a malformed anchor.

    >>> parse_anchor("12:" + "a" * 64)[0]
    12
    """
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"anchor {text!r}: expected SEQ:HASH (a number, a colon, 64 hex digits)")
    return int(seq), digest
