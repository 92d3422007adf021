from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class InRoomConfig(AppConfig):
    name = "alliance.web.inroom"
    label = "inroom"
    verbose_name = gettext_lazy("In-room answering")
