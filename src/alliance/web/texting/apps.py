from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class TextingConfig(AppConfig):
    name = "alliance.web.texting"
    label = "texting"
    verbose_name = gettext_lazy("Text messages")

    def ready(self) -> None:
        from alliance.web.measures.tasks import reminder_due, tick_done
        from alliance.web.texting import receivers

        reminder_due.connect(receivers.text_reminder, dispatch_uid="texting.reminder")
        tick_done.connect(receivers.enqueue_retries, dispatch_uid="texting.retries")
