"""Run the core's alert rules over an episode and store new findings.

Data flow is one way: answers -> scores -> findings -> alerts. A finding is
stored once (its key names the rule, session and subscale); re-running the
rules never reopens, changes or duplicates an alert a clinician has
acknowledged or resolved.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import replace
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction

from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import SessionRecord
from alliance.alerts.rules import evaluate
from alliance.alerts.rupture import with_clinic_noise
from alliance.web.alerts.expected import band_coverage, client_band, clinic_noise
from alliance.web.alerts.mail import email_alert
from alliance.web.alerts.models import Alert
from alliance.web.alerts.timeline import Timeline, history, load_timeline
from alliance.web.care.models import Episode
from alliance.web.score_columns import PHQ9_TOTAL

logger = logging.getLogger(__name__)


def alert_config(organisation_id: int, timeline: Timeline | None = None) -> AlertConfig:
    """The rules' settings for a clinic: the defaults, the clinic's own alliance noise once it
    has enough data (a documented default before), and with a ``timeline`` this client's
    expected PHQ-9 band from the clinic's data."""
    config = AlertConfig()
    coverage = band_coverage()
    if coverage != config.expected_band_coverage:
        source = (
            f"This clinic's setting ALLIANCE_EXPECTED_BAND_COVERAGE = {coverage:g}: a typical "
            f"client is 'not on track' in {100 * (1 - coverage) / 2:.1f}% of sessions."
        )
        config = AlertConfig(
            expected_band_coverage=coverage, sources={"expected_band_coverage": source}
        )
    config = with_clinic_noise(config, clinic_noise(organisation_id, config.alliance_scores))
    if timeline is None or not timeline.numbers:
        return config
    baseline = timeline.value(timeline.numbers[0], PHQ9_TOTAL)
    band = client_band(organisation_id, "phq9", baseline, config.expected_band_coverage)
    return dataclasses.replace(config, expected_band=band or None, expected_band_score=PHQ9_TOTAL)


def _follow_facts(alert: Alert, finding: Finding) -> None:
    """Keep a stored alert's facts current (a rupture repaired later), never its status.

    Acknowledged and resolved alerts stay so; only severity, detail and numbers
    follow the data, so dashboards count today's repair status.
    """
    numbers = dict(finding.numbers)
    if (alert.numbers, alert.detail, alert.severity) == (numbers, finding.detail, finding.severity):
        return
    Alert.objects.filter(pk=alert.pk).update(
        numbers=numbers, detail=finding.detail, severity=finding.severity
    )


def refresh_alerts(
    episode: Episode, pending: dict[int, dict[str, Any]] | None = None, *, notify: bool = True
) -> list[Alert]:
    """Evaluate every rule for the episode; returns the alerts created now.

    ``pending`` adds flags not yet submitted (e.g. a PHQ-9 item 9 answer on a
    page the client has saved but not sent), so a risk alert is raised at once.
    """
    timeline = load_timeline(episode)
    hist = history(timeline)
    if pending:
        sessions = list(hist.sessions)
        for i, record in enumerate(sessions):
            extra = pending.get(record.number)
            if extra:
                sessions[i] = SessionRecord(
                    number=record.number,
                    client=record.client,
                    therapist=record.therapist,
                    flags={**record.flags, **extra},
                    feedback=record.feedback,
                )
        hist = replace(hist, sessions=tuple(sessions))
    try:
        findings = evaluate(hist, alert_config(episode.client.organisation_id, timeline))
    except ValueError:
        # A record the rules cannot read must never lose the client's answers
        # (already stored) or break the page: log it and carry on.
        logger.exception("alert rules failed for episode %s", episode.pk)
        return []
    stored = {a.key: a for a in Alert.objects.filter(episode=episode)}
    created: list[Alert] = []
    for f in findings:
        if f.key in stored:
            _follow_facts(stored[f.key], f)
            continue
        try:
            with transaction.atomic():
                created.append(
                    Alert.objects.create(
                        episode=episode,
                        key=f.key,
                        rule=f.rule,
                        severity=f.severity,
                        session_number=f.session,
                        subscale=f.subscale or "",
                        title=f.title,
                        detail=f.detail,
                        numbers=dict(f.numbers),
                        next_steps=list(f.next_steps),
                    )
                )
        except IntegrityError:  # stored meanwhile by a concurrent submission
            continue
    for alert in created if notify else []:
        if alert.severity == Alert.Severity.URGENT:
            transaction.on_commit(partial(email_alert.enqueue, alert.pk))
    return created
