from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "alliance.web.portal"
    label = "portal"
    default_auto_field = "django.db.models.BigAutoField"
