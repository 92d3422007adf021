"""Encrypted columns for goals, tasks and task reflections: TEXT, whatever the type (see alliance.web.crypto).

The rows written before are encrypted by 0003_encrypt_existing_rows, in its own
transaction (PostgreSQL refuses ALTER TABLE after UPDATEs in the same one).
"""

from django.db import migrations

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0001_goals_ratings_tasks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="goal",
            name="expected_level",
            field=alliance.web.crypto.EncryptedCharField(
                blank=True, max_length=300, verbose_name="What 'as expected' (0) looks like"
            ),
        ),
        migrations.AlterField(
            model_name="goal",
            name="text",
            field=alliance.web.crypto.EncryptedCharField(
                max_length=300, verbose_name="Goal, in the client's words"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="reflection",
            field=alliance.web.crypto.EncryptedTextField(
                blank=True, max_length=2000, verbose_name="What the client noticed"
            ),
        ),
        migrations.AlterField(
            model_name="task",
            name="text",
            field=alliance.web.crypto.EncryptedCharField(max_length=300),
        ),
    ]
