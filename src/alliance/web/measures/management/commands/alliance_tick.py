"""``manage.py alliance_tick``: enqueue periodic background work (run it from cron every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alliance.web.measures.tasks import tick


class Command(BaseCommand):
    help = "Enqueue the periodic background work: reminders for unanswered questionnaire links."

    def handle(self, *args: Any, **options: Any) -> None:
        tick()
        self.stdout.write("queued: reminders")
