"""``manage.py rotate_keys``: re-encrypt every encrypted column with the newest data key.

Put the new key first in ALLIANCE_DATA_KEYS (keep the old ones after it),
restart the app, run this command, then remove the old keys. It works in
batches, leaves values already under the newest key alone (safe to rerun, or
to run while the app is serving) and reports counts per column. ``--check``
only counts, and fails while anything is left under an older key.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from alliance.web.crypto import ColumnCount, encrypted_fields, rotate_model


class Command(BaseCommand):
    help = "Re-encrypt all encrypted free text with the first key in ALLIANCE_DATA_KEYS."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=500, help="Rows per transaction (default 500)."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; fail if any value is still under an older key.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        check: bool = options["check"]
        counts: list[ColumnCount] = []
        for model in apps.get_models():
            if encrypted_fields(model):
                counts.extend(rotate_model(model, batch_size=batch_size, write=not check))
        verb = "under an older key" if check else "re-encrypted"
        for count in counts:
            self.stdout.write(count.line(verb))
        changed = sum(c.changed for c in counts)
        current = sum(c.current for c in counts)
        unreadable = sum(len(c.unreadable) for c in counts)
        self.stdout.write(
            f"Total: {changed} {verb}, {current} already on the newest key, {len(counts)} columns."
        )
        if unreadable:
            raise CommandError(
                f"{unreadable} values could not be decrypted with any key in ALLIANCE_DATA_KEYS: "
                "do not remove a key until they are dealt with (ids above)."
            )
        if check and changed:
            raise CommandError(f"{changed} values are still under an older key: run rotate_keys.")
        if check:
            self.stdout.write(self.style.SUCCESS("Every value is under the newest key."))
        elif any(c.skipped for c in counts):
            self.stdout.write(
                "Some values changed while this ran: run it again (with --check) before "
                "removing a key."
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "Every value is under the newest key: the older keys can now be removed."
                )
            )
