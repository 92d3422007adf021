"""Encrypt the rows written before 0002 (questionnaire answers and drafts (whole JSON documents)); backwards, decrypt them.

Raw SQL in batches: values already encrypted are left alone, so a rerun is harmless.
"""

from django.db import migrations

from alliance.web.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_encrypt_free_text"),
    ]

    operations = [
        encrypt_existing("measures", "Link", ["draft"]),
        encrypt_existing("measures", "Response", ["answers"]),
    ]
