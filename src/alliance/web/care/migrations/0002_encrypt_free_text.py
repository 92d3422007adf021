"""Encrypted columns for what clients hope for and the approach notes of episodes: TEXT, whatever the type (see alliance.web.crypto).

The rows written before are encrypted by 0003_encrypt_existing_rows, in its own
transaction (PostgreSQL refuses ALTER TABLE after UPDATEs in the same one).
"""

from django.db import migrations

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0001_clients_episodes_sessions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="episode",
            name="approach_note",
            field=alliance.web.crypto.EncryptedTextField(
                blank=True, verbose_name="Why this approach"
            ),
        ),
        migrations.AlterField(
            model_name="episode",
            name="hoped_change",
            field=alliance.web.crypto.EncryptedTextField(
                blank=True, verbose_name="What the client hopes will change"
            ),
        ),
        migrations.AlterField(
            model_name="episode",
            name="how_know_working",
            field=alliance.web.crypto.EncryptedTextField(
                blank=True, verbose_name="How the client will know it is working"
            ),
        ),
    ]
