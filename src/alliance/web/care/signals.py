"""Signals of the care records, so lower apps can announce a change without importing higher ones."""

from __future__ import annotations

import django.dispatch

__all__ = ["episode_changed"]

episode_changed = django.dispatch.Signal()
"""An episode's record changed (answers stored, a goal rated): send it inside the
transaction of the change, with ``episode``. The alerts app listens and enqueues the
episode's alert evaluation in that same transaction."""
