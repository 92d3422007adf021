"""E-mail to the therapist when an urgent alert is raised (background work)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
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
    send_mail(
        f"Urgent: alert for client {alert.episode.client.code}",
        f"An urgent alert was raised for client {alert.episode.client.code} (session {alert.session_number}).\n\n"
        f"Log in to see it and the suggested next steps:\n{url}\n",
        None,
        [therapist.email],
    )
    return True
