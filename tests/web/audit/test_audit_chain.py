"""The audit log is append-only and hash-chained: tampering shows when the chain is verified."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from audit_helpers import log_events, tamper
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError

from alliance.web.audit.chain import GENESIS, append, event_hash, fields_of, verify
from alliance.web.audit.log import record
from alliance.web.audit.models import AppendOnlyError, AuditEvent, ChainHead


def test_a_fresh_log_verifies_as_intact(clinic_a) -> None:
    events = log_events(5, clinic_a)
    verdict = verify()
    assert verdict.ok, verdict.message()
    assert (verdict.events, verdict.head_seq, verdict.head_hash) == (5, 5, events[-1].hash)


def test_an_empty_log_verifies_as_intact(db) -> None:
    verdict = verify()
    assert verdict.ok
    assert (verdict.events, verdict.head_seq, verdict.head_hash) == (0, 0, GENESIS)


def test_each_event_continues_from_the_one_before_with_seq_counting_from_one(clinic_a) -> None:
    events = log_events(3, clinic_a)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert ChainHead.objects.get().seq == 3


def test_the_hash_is_sha256_of_the_documented_canonical_json(clinic_a, c1, alice) -> None:
    """An independent computation of the form written in chain.py's docstring."""
    event = record(None, "view", c1, client=c1, page="x", instruments=["phq9", "gad7"])
    stored = AuditEvent.objects.get(pk=event.pk)
    document = {
        "seq": stored.seq,
        "at": stored.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "organisation_id": clinic_a.pk,
        "actor_id": None,
        "actor_label": "anonymous",
        "action": "view",
        "object_type": "care.client",
        "object_id": str(c1.pk),
        "client_id": c1.pk,
        "detail": {"instruments": ["phq9", "gad7"], "page": "x"},
        "ip": None,
        "prev_hash": stored.prev_hash,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert stored.hash == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_stored_event_read_back_from_the_database_hashes_to_its_stored_hash(clinic_a) -> None:
    (event,) = log_events(1, clinic_a)
    stored = AuditEvent.objects.get(pk=event.pk)
    fields = {
        name: getattr(stored, name)
        for name in (
            "seq", "at", "organisation_id", "actor_id", "actor_label", "action",
            "object_type", "object_id", "client_id", "detail", "ip", "prev_hash",
        )
    }  # fmt: skip
    assert event_hash(fields) == stored.hash


# --- tampering ---------------------------------------------------------------


def test_editing_a_rows_detail_with_raw_sql_breaks_verification_at_that_event(clinic_a) -> None:
    events = log_events(5, clinic_a)
    tamper(
        "UPDATE audit_auditevent SET detail = %s WHERE id = %s",
        ['{"page": "forged"}', events[2].pk],
    )
    verdict = verify()
    assert not verdict.ok
    assert (verdict.broken_id, verdict.problem) == (events[2].pk, "edited")
    assert f"event #{events[2].pk}" in verdict.message()


def test_changing_who_did_it_is_detected_as_an_edit(clinic_a, alice) -> None:
    events = log_events(3, clinic_a)
    tamper("UPDATE audit_auditevent SET actor_label = 'bob' WHERE id = %s", [events[0].pk])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[0].pk, "edited")


def test_deleting_a_middle_row_is_detected_as_a_gap_before_the_next_event(clinic_a) -> None:
    events = log_events(5, clinic_a)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[2].pk])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[3].pk, "deleted")
    assert "1 event missing before it" in verdict.reason
    assert "from 2 to 4" in verdict.reason


def test_deleting_the_first_row_is_detected(clinic_a) -> None:
    events = log_events(3, clinic_a)
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[1].pk, "deleted")


def test_deleting_the_last_rows_is_detected_through_the_chain_head(clinic_a) -> None:
    events = log_events(5, clinic_a)
    tamper("DELETE FROM audit_auditevent WHERE id >= %s", [events[3].pk])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[4].pk, "deleted")
    assert "the tail was deleted" in verdict.reason


def test_deleting_every_row_is_detected_through_the_chain_head(clinic_a) -> None:
    log_events(2, clinic_a)
    tamper("DELETE FROM audit_auditevent")
    verdict = verify()
    assert (verdict.ok, verdict.problem) == (False, "deleted")


def test_swapping_two_rows_is_detected_as_reordered(clinic_a) -> None:
    events = log_events(5, clinic_a)
    a, b = events[1].pk, events[2].pk
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [-1, a])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [a, b])
    tamper("UPDATE audit_auditevent SET id = %s WHERE id = %s", [b, -1])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (a, "reordered")
    assert f"continues from event #{b}" in verdict.reason


def test_an_edited_and_rehashed_row_breaks_the_link_of_the_event_after_it(clinic_a) -> None:
    events = log_events(4, clinic_a)
    forged = AuditEvent.objects.get(pk=events[1].pk)
    forged.detail = {"page": "forged"}
    forged_hash = event_hash(fields_of(forged))
    tamper(
        "UPDATE audit_auditevent SET detail = %s, hash = %s WHERE id = %s",
        ['{"page": "forged"}', forged_hash, forged.pk],
    )
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[2].pk, "edited")
    assert f"event #{events[1].pk}" in verdict.reason


def test_an_anchor_recorded_earlier_detects_a_chain_rewritten_from_there_on(clinic_a) -> None:
    events = log_events(3, clinic_a)
    anchor = (events[1].seq, events[1].hash)
    assert verify(anchor=anchor).ok
    # Someone rewrites event 2 and everything after it, chain head included.
    prev = events[0].hash
    for event in events[1:]:
        row = AuditEvent.objects.get(pk=event.pk)
        row.prev_hash = prev
        row.detail = {"page": "rewritten"}
        new_hash = event_hash(fields_of(row))
        tamper(
            "UPDATE audit_auditevent SET detail = %s, prev_hash = %s, hash = %s WHERE id = %s",
            ['{"page": "rewritten"}', prev, new_hash, row.pk],
        )
        prev = new_hash
    tamper("UPDATE audit_chainhead SET hash = %s", [prev])
    assert verify().ok, "a complete rewrite cannot be seen without an anchor"
    verdict = verify(anchor=anchor)
    assert (verdict.ok, verdict.problem) == (False, "anchor")


def test_a_chain_head_reset_to_empty_is_detected(clinic_a) -> None:
    log_events(2, clinic_a)
    tamper("UPDATE audit_chainhead SET seq = 0, hash = %s, event_id = NULL", [GENESIS])
    verdict = verify()
    assert (verdict.ok, verdict.problem) == (False, "head")


def test_a_chain_head_with_another_hash_for_its_event_is_detected(clinic_a) -> None:
    events = log_events(3, clinic_a)
    tamper("UPDATE audit_chainhead SET hash = %s", ["e" * 64])
    verdict = verify()
    assert (verdict.broken_id, verdict.problem) == (events[2].pk, "head")


def test_verification_reads_in_chunks_and_checks_every_link_across_them(clinic_a) -> None:
    events = log_events(7, clinic_a)
    assert verify(chunk=2).events == 7
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[4].pk])
    verdict = verify(chunk=2)
    assert (verdict.broken_id, verdict.problem) == (events[5].pk, "deleted")


def test_a_missing_chain_head_is_reported_then_recreated_by_the_next_append(clinic_a) -> None:
    log_events(2, clinic_a)
    tamper("DELETE FROM audit_chainhead")
    verdict = verify()
    assert (verdict.ok, verdict.problem) == (False, "head")
    log_events(1, clinic_a)
    assert verify().ok


# --- append-only -------------------------------------------------------------


def test_the_model_refuses_to_save_an_existing_event(clinic_a) -> None:
    (event,) = log_events(1, clinic_a)
    event.detail = {"page": "changed"}
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).detail["page"] == "clinic overview"


def test_the_model_refuses_to_delete_an_event(clinic_a) -> None:
    (event,) = log_events(1, clinic_a)
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "write",
    [
        lambda qs: qs.update(actor_label="someone else"),
        lambda qs: qs.delete(),
        lambda qs: qs.bulk_update(list(qs), ["actor_label"]),
        lambda qs: qs.bulk_create([AuditEvent(actor_label="x", action="view")]),
    ],
    ids=["update", "delete", "bulk_update", "bulk_create"],
)
def test_querysets_refuse_bulk_writes(clinic_a, write) -> None:
    log_events(2, clinic_a)
    with pytest.raises(AppendOnlyError):
        write(AuditEvent.objects.all())
    assert AuditEvent.objects.count() == 2
    assert verify().ok


def test_objects_create_appends_to_the_chain_too(clinic_a) -> None:
    log_events(1, clinic_a)
    made = AuditEvent.objects.create(
        actor_label="script", action="view", object_type="test", object_id="1"
    )
    assert (made.seq, made.prev_hash) == (2, AuditEvent.objects.get(seq=1).hash)
    assert verify().ok


def test_an_event_rolled_back_with_its_transaction_leaves_no_gap(clinic_a) -> None:
    log_events(1, clinic_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        log_events(1, clinic_a)
        raise RuntimeError("the request failed after recording")
    log_events(1, clinic_a)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
    assert verify().ok


def test_two_events_cannot_share_a_place_in_the_chain(clinic_a) -> None:
    (first,) = log_events(1, clinic_a)
    stale = AuditEvent(actor_label="x", action="view", object_type="t", object_id="1")
    stale.seq, stale.prev_hash, stale.hash = first.seq, first.prev_hash, "f" * 64
    stale.at = first.at
    stale._chain_insert = True  # type: ignore[attr-defined]  # bypass append, as a buggy writer would
    with pytest.raises(IntegrityError), transaction.atomic():
        stale.save()


def test_appending_an_event_that_is_already_stored_is_refused(clinic_a) -> None:
    (event,) = log_events(1, clinic_a)
    with pytest.raises(ValueError, match="already in the log"):
        append(AuditEvent.objects.get(pk=event.pk))


def test_a_client_with_audited_history_cannot_be_deleted(clinic_a, c1) -> None:
    record(None, "view", c1, client=c1)
    with pytest.raises(ProtectedError) as refused:
        c1.delete()
    assert any(isinstance(o, AuditEvent) for o in refused.value.protected_objects)
    assert verify().ok
