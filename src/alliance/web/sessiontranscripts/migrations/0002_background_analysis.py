from django.db import migrations, models

import alliance.web.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("sessiontranscripts", "0001_session_transcripts"),
    ]

    operations = [
        migrations.AddField(
            model_name="transcript",
            name="notes",
            field=alliance.web.crypto.EncryptedJSONField(
                default=list,
                help_text="What the parser noted: cues without a speaker, malformed fields.",
            ),
        ),
        migrations.AddField(
            model_name="transcript",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting to be analysed"),
                    ("running", "Being analysed"),
                    ("done", "Analysed"),
                    ("failed", "Analysis failed"),
                ],
                default="done",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="transcript",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Waiting to be analysed"),
                    ("running", "Being analysed"),
                    ("done", "Analysed"),
                    ("failed", "Analysis failed"),
                ],
                default="queued",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="transcript",
            name="progress",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="transcript",
            name="stage",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AddField(
            model_name="transcript",
            name="error",
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name="transcript",
            name="analysed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
