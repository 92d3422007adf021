"""Hash-chain the audit log: seq, prev_hash and hash on every event, and the chain head.

Existing events are chained in ``id`` order (see alliance.web.audit.chain
for the canonical form). A client with audited history can no longer be
deleted (the event's client link was SET_NULL, which rewrote the log).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

BATCH = 2000


def chain_existing_events(apps, schema_editor):
    from alliance.web.audit.chain import GENESIS, HASHED_FIELDS, event_hash

    Event = apps.get_model("audit", "AuditEvent")
    Head = apps.get_model("audit", "ChainHead")
    db = schema_editor.connection.alias
    prev_hash, seq, last_id = GENESIS, 0, None
    while True:
        batch = list(Event.objects.using(db).filter(id__gt=last_id or 0).order_by("id")[:BATCH])
        if not batch:
            break
        for event in batch:
            seq += 1
            event.seq = seq
            event.prev_hash = prev_hash
            event.hash = event_hash({name: getattr(event, name) for name in HASHED_FIELDS})
            prev_hash, last_id = event.hash, event.id
        Event.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "hash"])
    Head.objects.using(db).create(id=1, seq=seq, hash=prev_hash, event_id=last_id)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_events"),
        ("care", "0001_clients_episodes_sessions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="client",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="care.client",
            ),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(null=True, max_length=64),
        ),
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
                ("event_id", models.BigIntegerField(null=True)),
            ],
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(
                editable=False,
                help_text="Position in the hash chain, from 1, no gaps.",
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation", "-seq"], name="audit_org_seq"),
        ),
    ]
