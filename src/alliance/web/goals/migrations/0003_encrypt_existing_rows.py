"""Encrypt the rows written before 0002 (goals, tasks and task reflections); backwards, decrypt them.

Raw SQL in batches: values already encrypted are left alone, so a rerun is harmless.
"""

from django.db import migrations

from alliance.web.crypto import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_encrypt_free_text"),
    ]

    operations = [
        encrypt_existing("goals", "Goal", ["text", "expected_level"]),
        encrypt_existing("goals", "Task", ["text", "reflection"]),
    ]
