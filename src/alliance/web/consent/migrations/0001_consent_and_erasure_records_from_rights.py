"""Consent records and erasure marks move from ``rights`` to ``consent``: same tables, same rows.

Only Django's record of which app owns the models changes (``state_operations``);
the tables keep their names (``rights_consentrecord``, ``rights_erasure``) and their
rows. The content types are relabelled too, so anything pointing at them follows.
The ``rights`` app forgets the two models in its migration 0002, after this one.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

MOVED = ("consentrecord", "erasure")


def relabel_content_types(
    apps: StateApps,
    schema_editor: BaseDatabaseSchemaEditor,
    old: str = "rights",
    new: str = "consent",
) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MOVED:
        if not ContentType.objects.using(db).filter(app_label=new, model=model).exists():
            ContentType.objects.using(db).filter(app_label=old, model=model).update(app_label=new)


def relabel_content_types_back(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    relabel_content_types(apps, schema_editor, old="consent", new="rights")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0002_sign_in_security"),
        ("care", "0003_encrypt_existing_rows"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("rights", "0001_consent_erasure_retention"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ConsentRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "version",
                            models.CharField(
                                help_text="Version of the consent text shown.", max_length=20
                            ),
                        ),
                        (
                            "text_sha256",
                            models.CharField(
                                blank=True,
                                help_text="SHA-256 of the text shown (empty when the version's text is not known).",
                                max_length=64,
                            ),
                        ),
                        ("given_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "given_via",
                            models.CharField(
                                choices=[
                                    ("client_link", "questionnaire link"),
                                    ("portal", "client's own page"),
                                    ("staff", "recorded by staff"),
                                ],
                                max_length=12,
                            ),
                        ),
                        ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "withdrawn_via",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("client_link", "questionnaire link"),
                                    ("portal", "client's own page"),
                                    ("staff", "recorded by staff"),
                                ],
                                max_length=12,
                            ),
                        ),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consent_records",
                                to="care.client",
                            ),
                        ),
                        (
                            "episode",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consent_records",
                                to="care.episode",
                            ),
                        ),
                        (
                            "given_recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "withdrawn_recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "rights_consentrecord",
                        "ordering": ["given_at", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("withdrawn_at__isnull", True)),
                                fields=("episode",),
                                name="one_live_consent_per_episode",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Erasure",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("request", "on request"),
                                    ("retention", "retention period ended"),
                                ],
                                max_length=10,
                            ),
                        ),
                        ("erased_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("erased_by_label", models.CharField(max_length=150)),
                        (
                            "counts",
                            models.JSONField(
                                blank=True, default=dict, help_text="Rows removed, per kind."
                            ),
                        ),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="erasures",
                                to="care.client",
                            ),
                        ),
                        (
                            "episode",
                            models.ForeignKey(
                                blank=True,
                                help_text="Empty: the whole client was erased.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="erasures",
                                to="care.episode",
                            ),
                        ),
                        (
                            "erased_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "rights_erasure",
                        "ordering": ["erased_at", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("episode__isnull", True)),
                                fields=("client",),
                                name="one_client_erasure",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("episode__isnull", False)),
                                fields=("episode",),
                                name="one_episode_erasure",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types, relabel_content_types_back),
    ]
