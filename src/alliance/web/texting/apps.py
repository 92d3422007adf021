from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TextingConfig(AppConfig):
    name = "alliance.web.texting"
    label = "texting"
    verbose_name = gettext_lazy("Text messages")
