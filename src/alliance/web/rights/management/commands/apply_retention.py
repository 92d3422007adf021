"""``manage.py apply_retention``: erase episodes whose clinic's retention period has passed.

Run it from cron (daily). ``--dry-run`` lists what would be erased and changes
nothing (no audit event either). Each erasure is audited with the actor
"retention". Exit codes: 0 ok, 2 bad usage (an unknown clinic).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from alliance.web.accounts.models import Organisation
from alliance.web.rights.retention import apply, period_for, plan


class Command(BaseCommand):
    help = (
        "Erase the data of episodes that ended longer ago than their clinic's retention period "
        "(keeping the pseudonymous shell and the audit trail). --dry-run lists them only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be erased; change nothing."
        )
        parser.add_argument("--clinic", metavar="SLUG", help="Only this clinic (its slug).")
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Judge as of this date (default: today). For checking a plan ahead.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        today: dt.date = options["today"] or timezone.localdate()
        clinics = Organisation.objects.order_by("slug")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"no clinic with the slug {options['clinic']!r}", returncode=2)
        verb = "would erase" if dry_run else "erased"
        total = 0
        for organisation in clinics:
            period = period_for(organisation)
            if not period.set_by_clinic:
                self.stderr.write(
                    f"{organisation.slug}: retention period not set by the clinic; using the "
                    f"placeholder default of {period.months} months (an administrator sets it "
                    "at /clinic/retention/)"
                )
            for item in plan(organisation, today, period):
                if not dry_run:
                    apply(item)
                self.stdout.write(f"{verb}: {item.line()}")
                total += 1
        self.stdout.write(
            f"{'dry run: ' if dry_run else ''}{total} client{'s' if total != 1 else ''} "
            f"with episodes past retention ({verb})."
        )
