"""Encrypt the rows written before 0002 (the resolution notes of alerts); backwards, decrypt them.

Raw SQL in batches: values already encrypted are left alone, so a rerun is harmless.
"""

from django.db import migrations

from alliance.web.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_encrypt_free_text"),
    ]

    operations = [
        encrypt_existing("alerts", "Alert", ["resolution_note"]),
    ]
