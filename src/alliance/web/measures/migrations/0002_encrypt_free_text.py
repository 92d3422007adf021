"""Encrypted columns for questionnaire answers and drafts (whole JSON documents): TEXT, whatever the type (see alliance.web.crypto).

The rows written before are encrypted by 0003_encrypt_existing_rows, in its own
transaction (PostgreSQL refuses ALTER TABLE after UPDATEs in the same one).
"""

from django.db import migrations

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0001_plans_links_responses"),
    ]

    operations = [
        migrations.AlterField(
            model_name="link",
            name="draft",
            field=alliance.web.crypto.EncryptedJSONField(
                blank=True, default=dict, help_text="Answers saved so far, per instrument."
            ),
        ),
        migrations.AlterField(
            model_name="response",
            name="answers",
            field=alliance.web.crypto.EncryptedJSONField(
                help_text="Item number -> answer, as given."
            ),
        ),
    ]
