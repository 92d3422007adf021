from django.apps import AppConfig


class CustomInstrumentsConfig(AppConfig):
    name = "alliance.web.custominstruments"
    label = "custominstruments"
    verbose_name = "Clinic instruments"
    default_auto_field = "django.db.models.BigAutoField"
