from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "alliance.web.research"
    label = "research"
    verbose_name = "Research export"
    default_auto_field = "django.db.models.BigAutoField"
