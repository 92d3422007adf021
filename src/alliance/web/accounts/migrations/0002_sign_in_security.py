from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_organisations_and_staff"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="require_2fa_for_therapists",
            field=models.BooleanField(
                default=False,
                help_text="Therapists must sign in with a code from an authenticator app as well as their password. Administrators and supervisors always must.",
            ),
        ),
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "scope",
                    models.CharField(
                        choices=[("username", "Username"), ("ip", "Network address")],
                        max_length=10,
                    ),
                ),
                (
                    "key",
                    models.CharField(
                        help_text="Case-folded username, or an IP address.", max_length=150
                    ),
                ),
                (
                    "recent",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Times (Unix seconds) of the failures in the window.",
                    ),
                ),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
                ("updated", models.DateTimeField(auto_now=True, db_index=True)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("scope", "key"), name="login_throttle_scope_key"
                    )
                ],
            },
        ),
    ]
