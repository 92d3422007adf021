"""Encrypted columns for the resolution notes of alerts: TEXT, whatever the type (see alliance.web.crypto).

The rows written before are encrypted by 0003_encrypt_existing_rows, in its own
transaction (PostgreSQL refuses ALTER TABLE after UPDATEs in the same one).
"""

from django.db import migrations

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_alerts"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="resolution_note",
            field=alliance.web.crypto.EncryptedTextField(blank=True, max_length=2000),
        ),
    ]
