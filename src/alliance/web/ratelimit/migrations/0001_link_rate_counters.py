from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="LinkRateCounter",
            fields=[
                (
                    "address",
                    models.CharField(
                        help_text="IPv4 address, or IPv6 /64 network.",
                        max_length=64,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("req_window", models.BigIntegerField()),
                ("req_count", models.IntegerField()),
                ("req_prev", models.IntegerField()),
                ("unknown_window", models.BigIntegerField()),
                ("unknown_count", models.IntegerField()),
                ("unknown_prev", models.IntegerField()),
                (
                    "seen",
                    models.BigIntegerField(db_index=True, help_text="Last request (Unix seconds)."),
                ),
                (
                    "was_idle",
                    models.BooleanField(
                        default=False,
                        help_text="The row had been idle past every window before this request.",
                    ),
                ),
            ],
            options={"db_table": "alliance_link_rate"},
        ),
    ]
