"""Encrypted columns for the client's feedback: TEXT, whatever the type (see alliance.web.crypto).

The rows written before are encrypted by 0003_encrypt_existing_rows, in its own
transaction (PostgreSQL refuses ALTER TABLE after UPDATEs in the same one).
"""

from django.db import migrations

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_portal_access_and_feedback"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feedback",
            name="text",
            field=alliance.web.crypto.EncryptedTextField(max_length=4000),
        ),
    ]
