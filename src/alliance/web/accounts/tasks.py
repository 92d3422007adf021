"""Background work of the accounts app: the password-reset e-mail.

The reset page only enqueues :func:`send_password_reset` with the address
typed in, whoever it belongs to; the task looks the address up and sends.
So a request for a known address and one for an unknown address run the
same code and the same queries, and no mail server delay shows in the
response time. The task carries the address only: the reset link (its
token) is made when the e-mail is built, and is never stored or logged.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django_tasks import task

SUBJECT_TEMPLATE = "registration/password_reset_subject.txt"
EMAIL_TEMPLATE = "registration/password_reset_email.html"


@task()
def send_password_reset(email: str) -> None:
    """E-mail a reset link to every active account with this address (none: nothing is sent).

    Links are built from SITE_URL, never from a request's Host header.
    """
    form = PasswordResetForm(data={"email": email})
    if not form.is_valid():
        return
    site = urlsplit(settings.SITE_URL)
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        subject_template_name=SUBJECT_TEMPLATE,
        email_template_name=EMAIL_TEMPLATE,
        extra_email_context={
            "site_name": "Alliance",
            "valid_minutes": str(settings.PASSWORD_RESET_TIMEOUT // 60),
        },
    )
