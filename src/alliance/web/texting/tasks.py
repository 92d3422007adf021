"""Background work for text messages: send one, and retry the ones whose time has come."""

from __future__ import annotations

from django_tasks import task

from alliance.web.texting.services import deliver, retry_due


@task()
def deliver_text(message_id: int) -> str:
    """Send one queued text (enqueued after the transaction that wrote it commits)."""
    return deliver(message_id)


@task()
def retry_texts() -> int:
    """Retry failed sends whose back-off has passed (enqueued by measures.tasks.tick)."""
    return retry_due()


__all__ = ["deliver_text", "retry_texts"]
