"""Signals of the consent records, so this app can announce a change without importing higher ones."""

from __future__ import annotations

import django.dispatch

__all__ = ["consent_withdrawn"]

consent_withdrawn = django.dispatch.Signal()
"""A client withdrew their consent for an episode: sent inside the transaction of the
withdrawal, with ``episode`` and ``at`` (the time of withdrawal). A receiver returns how
many records it closed (the ``measures`` app revokes the episode's open questionnaire
links); the total goes into the withdrawal's audit event."""
