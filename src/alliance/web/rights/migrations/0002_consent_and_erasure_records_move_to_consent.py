"""Consent records and erasure marks now belong to the ``consent`` app (its migration 0001).

Only Django's record of the models goes: their tables and rows stay, owned by
``consent`` (``database_operations`` is empty).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0001_consent_and_erasure_records_from_rights"),
        ("rights", "0001_consent_erasure_retention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ConsentRecord"),
                migrations.DeleteModel(name="Erasure"),
            ],
        ),
    ]
