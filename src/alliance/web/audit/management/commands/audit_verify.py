"""``manage.py audit_verify``: check the audit log's hash chain (same check as ``alliance audit verify``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alliance.web.audit.chain import parse_anchor, verify

EXIT_BROKEN = 3


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain. Exit 0 when intact; 3 when broken, naming the "
        "first broken event and why (edited, deleted, reordered)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            help="SEQ:HASH printed by an earlier verification: check it is still in the chain.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            anchor = parse_anchor(options["anchor"]) if options["anchor"] else None
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        verdict = verify(using=options.get("database") or "default", anchor=anchor)
        if not verdict.ok:
            raise CommandError(verdict.message(), returncode=EXIT_BROKEN)
        self.stdout.write(verdict.message())
