"""What a client receives with a questionnaire link, in the client's own language.

E-mail and text message alike say only the clinic's name, that a short
questionnaire is waiting, and the link: no clinical words, nothing about
why the client is seen, so a shared inbox or a phone's lock screen gives
nothing away.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alliance.web.languages import client_language


def invitation_email(link: Any, url: str, *, reminder: bool = False) -> tuple[str, str]:
    """(subject, body) of the e-mail that carries ``url``, in the client's language."""
    client = link.client
    with client_language(client):
        subject = (
            _("Reminder: a few questions after your session")
            if reminder
            else _("A few questions after your session")
        )
        until = date_format(timezone.localtime(link.expires_at), "l j F, H:i")
        body = "\n\n".join(
            [
                _("Hello,"),
                _(
                    "Your therapist would like to hear how your last session went. "
                    "It takes about five minutes."
                ),
                url,
                _(
                    "The link works once and until %(until)s. "
                    "Your answers go only to your therapist and their clinic."
                )
                % {"until": until},
                client.organisation.name,
            ]
        )
    return subject, body + "\n"


def invitation_text(link: Any, url: str, *, reminder: bool = False) -> str:
    """The text message that carries ``url``: clinic name, 'a short questionnaire', the link."""
    client = link.client
    with client_language(client):
        if reminder:
            words = _("%(clinic)s: a reminder, a short questionnaire is waiting for you: %(url)s")
        else:
            words = _("%(clinic)s: a short questionnaire is waiting for you: %(url)s")
        stop = _("Reply STOP to get no more texts.")
        return f"{words % {'clinic': client.organisation.name, 'url': url}} {stop}"
