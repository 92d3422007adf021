"""Texting's part in the measures app's reminders and periodic work (through its signals)."""

from __future__ import annotations

from typing import Any

from alliance.web.measures.services import link_url
from alliance.web.texting.services import text_link


def text_reminder(sender: Any, *, link: Any, token: str, **kwargs: Any) -> bool:
    """Text the reminder when the client agreed to texts; True when one was queued."""
    return text_link(link, link_url(token), reminder=True) is not None


def enqueue_retries(sender: Any, **kwargs: Any) -> None:
    from alliance.web.texting.tasks import retry_texts

    retry_texts.enqueue()
