from django.apps import AppConfig


class SessiontranscriptsConfig(AppConfig):
    name = "alliance.web.sessiontranscripts"
    label = "sessiontranscripts"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Session transcripts"
