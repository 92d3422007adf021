"""Events recorded before the hash chain existed are chained by the migration; `manage.py audit_verify`."""

from __future__ import annotations

import datetime as dt

import pytest
from audit_helpers import log_events, tamper
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from alliance.web.accounts.models import Organisation
from alliance.web.audit.chain import verify
from alliance.web.audit.models import AuditEvent

BEFORE = [("audit", "0001_audit_events")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_events_recorded_before_it_in_id_order() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("audit")
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldEvent = old.get_model("audit", "AuditEvent")
    for i in range(3):
        OldEvent.objects.create(
            actor_label="client link",
            action="submit",
            object_type="measures.link",
            object_id=str(i),
            detail={"instruments": ["sai"]},
            ip="::ffff:10.0.0.1" if i == 1 else "10.0.0.2",
        )
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.seq for e in events] == [1, 2, 3]
    assert verify().ok
    # And the chain goes on from there.
    log_events(1, Organisation.objects.create(name="New", slug="new"))
    assert verify().events == 4


def test_manage_py_audit_verify_says_intact(clinic_a, capsys) -> None:
    log_events(3, clinic_a)
    call_command("audit_verify")
    assert "audit chain intact: 3 events; head seq 3" in capsys.readouterr().out


def test_manage_py_audit_verify_exits_3_naming_the_edited_event(clinic_a) -> None:
    events = log_events(3, clinic_a)
    tamper(
        "UPDATE audit_auditevent SET at = %s WHERE id = %s",
        [events[1].at - dt.timedelta(hours=1), events[1].pk],
    )
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify")
    assert failed.value.returncode == 3
    assert f"broken at event #{events[1].pk}: edited" in str(failed.value)


def test_manage_py_audit_verify_refuses_a_malformed_anchor(db) -> None:
    with pytest.raises(CommandError) as failed:
        call_command("audit_verify", "--anchor", "12:nothex")
    assert failed.value.returncode == 2
