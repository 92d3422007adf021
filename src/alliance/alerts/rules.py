"""The alert rules, by id, and :func:`evaluate`, which runs them all.

Every rule is a pure function ``rule(history, config) -> list[Finding]``:
no database, no files, no clock. The web app builds a
:class:`~alliance.alerts.history.History`, calls :func:`evaluate` after each
session and stores each finding once under its ``key``.

Example:
    >>> from alliance.alerts.history import History, SessionRecord
    >>> h = History(sessions=[SessionRecord(1, client={"phq9_total": 12.0},
    ...                                     flags={"phq9_flag_risk": True})])
    >>> [(f.rule, f.severity, f.key) for f in evaluate(h)]
    [('risk', 'urgent', 'risk:1:phq9_flag_risk')]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from types import MappingProxyType

from alliance.alerts.config import AlertConfig
from alliance.alerts.findings import Finding
from alliance.alerts.history import History
from alliance.alerts.rules_alliance import (
    rule_disagreement,
    rule_falling_alliance,
    rule_low_alliance,
)
from alliance.alerts.rules_care import (
    rule_expectations_passed,
    rule_expectations_short,
    rule_goals_not_revisited,
    rule_tasks_not_done,
)
from alliance.alerts.rules_outcome import (
    rule_deterioration,
    rule_not_on_track,
    rule_risk,
    rule_risk_unanswered,
)
from alliance.alerts.rupture import rule_rupture

__all__ = [
    "RULES",
    "Rule",
    "default_config",
    "evaluate",
    "rule_deterioration",
    "rule_disagreement",
    "rule_expectations_passed",
    "rule_expectations_short",
    "rule_falling_alliance",
    "rule_goals_not_revisited",
    "rule_low_alliance",
    "rule_not_on_track",
    "rule_risk",
    "rule_risk_unanswered",
    "rule_rupture",
    "rule_tasks_not_done",
]

Rule = Callable[[History, AlertConfig], list[Finding]]

#: Every rule, by the id its findings carry in ``Finding.rule``.
RULES: Mapping[str, Rule] = MappingProxyType(
    {
        "risk": rule_risk,
        "risk_unanswered": rule_risk_unanswered,
        "rupture": rule_rupture,
        "low_alliance": rule_low_alliance,
        "falling_alliance": rule_falling_alliance,
        "disagreement": rule_disagreement,
        "deterioration": rule_deterioration,
        "not_on_track": rule_not_on_track,
        "goals_not_revisited": rule_goals_not_revisited,
        "tasks_not_done": rule_tasks_not_done,
        "expectations_passed": rule_expectations_passed,
        "expectations_short": rule_expectations_short,
    }
)

_ORDER = {rule: i for i, rule in enumerate(RULES)}


@cache
def default_config() -> AlertConfig:
    """The default thresholds (built once: it reads the instrument files)."""
    return AlertConfig()


def _sort_key(f: Finding) -> tuple[int, int, int, str]:
    return f.rank, f.session, _ORDER.get(f.rule, len(_ORDER)), f.key


def evaluate(history: History, config: AlertConfig | None = None) -> list[Finding]:
    """Run every rule in :data:`RULES` and return their findings, most pressing first.

    Sorted by severity (urgent, warning, info), then session, then the rule's
    place in :data:`RULES`, then key; the same history always gives the same
    list. Keys are unique: should two findings share one, the first is kept.
    ``config`` defaults to :func:`default_config`.
    """
    cfg = config if config is not None else default_config()
    found = [f for rule in RULES.values() for f in rule(history, cfg)]
    unique = {f.key: f for f in sorted(found, key=_sort_key, reverse=True)}
    return sorted(unique.values(), key=_sort_key)
