"""E-mail to the therapist when an urgent alert is raised (background work)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_tasks import task

from alliance.web.alerts.models import Alert

__all__ = ["email_alert"]


@task()
def email_alert(alert_id: int) -> bool:
    """Tell the therapist an urgent alert is waiting; no client answers in the e-mail."""
    alert = (
        Alert.objects.select_related("episode__client__therapist", "episode__client__organisation")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        return False
    therapist = alert.episode.client.therapist
    if not therapist.email:
        return False
    url = f"{settings.SITE_URL}{reverse('care:client', args=[alert.episode.client_id])}"
    code, number = alert.episode.client.code, alert.session_number
    with translation.override(therapist.language or settings.LANGUAGE_CODE):
        send_mail(
            gettext("Urgent: alert for client %(code)s") % {"code": code},
            gettext("An urgent alert was raised for client %(code)s (session %(number)s).")
            % {"code": code, "number": number}
            + "\n\n"
            + gettext("Log in to see it and the suggested next steps:")
            + f"\n{url}\n",
            None,
            [therapist.email],
        )
    return True
