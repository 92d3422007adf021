"""``manage.py reset_authenticator USERNAME``: remove someone's authenticator app (a lost phone).

For when no clinic administrator can do it from the Sign-in security page
(for example, the only administrator lost theirs). They set up a new one at
their next sign-in. Also lifts a sign-in lockout for that username.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from alliance.web.accounts import throttle
from alliance.web.accounts.models import User
from alliance.web.accounts.otp import TOTPDevice
from alliance.web.audit.log import record


class Command(BaseCommand):
    help = "Remove a staff member's authenticator app so they set up a new one at next sign-in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"no user called {options['username']!r}") from None
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        throttle.clear_username(user.get_username())
        record(
            None,
            "delete",
            user,
            actor_label="manage.py reset_authenticator",
            change="authenticator app removed",
        )
        self.stdout.write(
            f"{user.get_username()}: {removed} authenticator(s) removed; lockout lifted."
        )
