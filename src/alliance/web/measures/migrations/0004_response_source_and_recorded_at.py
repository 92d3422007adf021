"""Each response says which way it came in and when Alliance stored it."""

import django.utils.timezone
from django.db import migrations, models


def backfill(apps, schema_editor):
    Response = apps.get_model("measures", "Response")
    Response.objects.filter(link__isnull=True).update(source="therapist")
    for response in Response.objects.only("pk", "submitted_at").iterator():
        Response.objects.filter(pk=response.pk).update(recorded_at=response.submitted_at)


class Migration(migrations.Migration):
    dependencies = [("measures", "0003_encrypt_existing_rows")]

    operations = [
        migrations.AddField(
            model_name="response",
            name="source",
            field=models.CharField(
                choices=[
                    ("link", "Client link"),
                    ("therapist", "Therapist form"),
                    ("api", "REST API"),
                    ("fhir", "FHIR import"),
                    ("paper", "Paper form"),
                    ("demo", "Demo data"),
                ],
                default="link",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="response",
            name="recorded_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
