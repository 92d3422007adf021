from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class FollowupConfig(AppConfig):
    name = "alliance.web.followup"
    label = "followup"
    verbose_name = gettext_lazy("Who has not answered")
