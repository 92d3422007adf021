from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PaperConfig(AppConfig):
    name = "alliance.web.paper"
    label = "paper"
    verbose_name = gettext_lazy("Paper forms")
