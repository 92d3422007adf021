from django.apps import AppConfig


class GoalsConfig(AppConfig):
    name = "alliance.web.goals"
    label = "goals"
    default_auto_field = "django.db.models.BigAutoField"
