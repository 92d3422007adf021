"""Who read or changed what, and when: one row per access to client data.

The log is append-only and hash-chained (see :mod:`alliance.web.audit.chain`):
each event stores the hash of the event before it, so an edited, deleted or
reordered row shows when the chain is verified (``alliance audit verify``).
Rows are only ever inserted, through :func:`alliance.web.audit.chain.append`;
the model and its querysets refuse updates and deletes.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit event (the log is append-only)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Reads only: every bulk write path is refused."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")

    def _raw_delete(self, using: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be deleted")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise AppendOnlyError("audit events are append-only: they cannot be updated")

    def bulk_create(
        self,
        objs: Iterable[AuditEvent],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> NoReturn:
        raise AppendOnlyError(
            "audit events are appended one at a time through the chain (record() or save())"
        )


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        UPDATE = "update"
        DELETE = "delete"
        SUBMIT = "submit"
        EXPORT = "export"
        SEND = "send"
        LOCKOUT = "lockout"

    seq = models.BigIntegerField(
        unique=True, editable=False, help_text=gettext_lazy("Position in the hash chain, from 1, no gaps.")
    )
    at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_label = models.CharField(
        max_length=150, help_text=gettext_lazy("Who, when not a staff user (e.g. 'client link').")
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=50)
    # PROTECT: a client with audited history cannot be deleted (that would rewrite the log).
    client = models.ForeignKey("care.Client", on_delete=models.PROTECT, null=True, related_name="+")
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-seq"], name="audit_org_seq")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert a new event at the end of the chain; an existing event is never saved again."""
        if not self._state.adding:
            raise AppendOnlyError(f"audit event #{self.pk} is append-only: it cannot be changed")
        if getattr(self, "_chain_insert", False):
            kwargs["force_insert"] = True
            super().save(*args, **kwargs)
            return
        from alliance.web.audit.chain import append

        append(self, using=kwargs.get("using"))

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"audit event #{self.pk} is append-only: it cannot be deleted")


class ChainHead(models.Model):
    """The single row (pk 1) naming the last event of the chain.

    Appends lock this row (``SELECT ... FOR UPDATE``) for the rest of their
    transaction, so two appends never read the same head; verification
    checks that the head's event is still in the log (a truncated tail shows).
    """

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    event_id = models.BigIntegerField(null=True)

    def __str__(self) -> str:
        return f"audit chain head: seq {self.seq}"
