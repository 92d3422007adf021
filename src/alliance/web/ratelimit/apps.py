from django.apps import AppConfig


class RateLimitConfig(AppConfig):
    name = "alliance.web.ratelimit"
    label = "ratelimit"
    verbose_name = "Client-link rate limits"
    default_auto_field = "django.db.models.BigAutoField"
