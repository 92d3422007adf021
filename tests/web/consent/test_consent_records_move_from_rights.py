"""Consent records and erasure marks moved from ``rights`` to ``consent``: same tables, same rows."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from alliance.web.consent.models import ConsentRecord, Erasure

RIGHTS_0001 = ("rights", "0001_consent_erasure_retention")
BEFORE: list[tuple[str, str | None]] = [("consent", None), RIGHTS_0001]


def migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_moving_the_models_keeps_their_rows_tables_and_content_types(c1, c1_episode, ada) -> None:
    # Made by post_migrate for the models as they are now (app label "consent").
    consent_type = ContentType.objects.get_for_model(ConsentRecord).pk
    executor = migrate(BEFORE)
    try:
        old = executor.loader.project_state(RIGHTS_0001).apps
        assert ContentType.objects.get(pk=consent_type).app_label == "rights"
        old_consent = old.get_model("rights", "ConsentRecord").objects.create(
            client_id=c1.pk,
            episode_id=c1_episode.pk,
            version="2026-11-v1",
            text_sha256="a" * 64,
            given_via="client_link",
        )
        old_erasure = old.get_model("rights", "Erasure").objects.create(
            client_id=c1.pk,
            episode_id=c1_episode.pk,
            reason="retention",
            erased_at=timezone.now(),
            erased_by_id=ada.pk,
            erased_by_label="ada",
            counts={"care.session": 4},
        )
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    consent = ConsentRecord.objects.get(pk=old_consent.pk)
    assert (consent.episode_id, consent.version, consent.text_sha256) == (
        c1_episode.pk,
        "2026-11-v1",
        "a" * 64,
    )
    erasure = Erasure.objects.get(pk=old_erasure.pk)
    assert (erasure.erased_by_id, erasure.counts) == (ada.pk, {"care.session": 4})
    assert (ConsentRecord._meta.db_table, Erasure._meta.db_table) == (
        "rights_consentrecord",
        "rights_erasure",
    )
    relabelled = ContentType.objects.get(pk=consent_type)
    assert (relabelled.app_label, relabelled.model) == ("consent", "consentrecord")
