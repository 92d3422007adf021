"""``manage.py alliance_tick``: enqueue periodic background work (run it from cron every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alliance.web.api.idempotency import forget_old
from alliance.web.measures.tasks import tick


class Command(BaseCommand):
    help = (
        "Enqueue the periodic background work (reminders for unanswered questionnaire links) "
        "and forget API retry records older than a week."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        tick()
        forgotten = forget_old()
        self.stdout.write(f"queued: reminders; API retry records forgotten: {forgotten}")
