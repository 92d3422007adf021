from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "alliance.web.rights"
    label = "rights"
    verbose_name = "Client rights"
    default_auto_field = "django.db.models.BigAutoField"
