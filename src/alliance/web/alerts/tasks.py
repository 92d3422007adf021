"""Background work of the alerts: evaluating an episode's rules, and e-mailing urgent alerts.

:func:`evaluate_alerts` is enqueued in the transaction that stores answers
(see :mod:`alliance.web.measures.answers`): with the database task backend the
task row is the outbox, committed with the answers or not at all, so a
process killed or a database restarted after the commit still leaves the
evaluation to a worker. Evaluation is idempotent (findings are keyed), so a
task run twice stores nothing twice. :func:`email_alert` lives in
:mod:`alliance.web.alerts.mail` (the rules' service enqueues it).
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from alliance.web.alerts.mail import email_alert
from alliance.web.alerts.services import refresh_alerts
from alliance.web.care.models import Episode

__all__ = ["email_alert", "enqueue_evaluation", "evaluate_alerts", "raise_pending_risk"]


@task()
def evaluate_alerts(episode_id: int) -> int:
    """Run every rule over the episode; returns how many alerts were raised now."""
    episode = Episode.objects.select_related("client__organisation").filter(pk=episode_id).first()
    if episode is None:  # erased meanwhile
        return 0
    return len(refresh_alerts(episode))


def raise_pending_risk(
    sender: Any, *, episode: Episode, session_number: int, flags: dict[str, bool], **kwargs: Any
) -> None:
    """Receiver of ``risk_reported``: raise the urgent alert now, from a page not yet sent."""
    refresh_alerts(episode, pending={session_number: flags})


def enqueue_evaluation(sender: Any, *, episode: Episode, **kwargs: Any) -> None:
    """Receiver of ``answers_recorded``: enqueue the evaluation inside the storing transaction."""
    evaluate_alerts.enqueue(episode.pk)
