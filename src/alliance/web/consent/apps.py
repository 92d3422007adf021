from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "alliance.web.consent"
    label = "consent"
    verbose_name = "Consent and erasure records"
    default_auto_field = "django.db.models.BigAutoField"
