"""Encrypt the rows written before 0002 (what clients hope for and the approach notes of episodes); backwards, decrypt them.

Raw SQL in batches: values already encrypted are left alone, so a rerun is harmless.
"""

from django.db import migrations

from alliance.web.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_encrypt_free_text"),
    ]

    operations = [
        encrypt_existing("care", "Episode", ["hoped_change", "how_know_working", "approach_note"]),
    ]
