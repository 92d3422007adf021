"""Alert rules for the clinic: pure functions over one client's history.

Data flows one way: a :class:`History` of scored sessions, goals, tasks and
expectations goes in; :func:`evaluate` runs every rule in :data:`RULES` and
returns :class:`Finding` objects (the rule that fired, the numbers, plain
words and next steps), most pressing first. Thresholds and their sources
live in :class:`AlertConfig`. Nothing here imports Django or does I/O beyond
reading the instrument files when a config is built.
"""

from alliance.alerts.config import PROJECT_DEFAULT, AlertConfig
from alliance.alerts.findings import SEVERITIES, Finding, Severity, finding_key
from alliance.alerts.history import (
    Expectations,
    GoalRecord,
    History,
    SessionRecord,
    TaskRecord,
)
from alliance.alerts.next_steps import RULE_STEPS, SUBSCALE_STEPS, steps_for
from alliance.alerts.rules import (
    RULES,
    Rule,
    default_config,
    evaluate,
    rule_deterioration,
    rule_disagreement,
    rule_expectations_passed,
    rule_expectations_short,
    rule_falling_alliance,
    rule_goals_not_revisited,
    rule_low_alliance,
    rule_not_on_track,
    rule_risk,
    rule_risk_unanswered,
    rule_rupture,
    rule_tasks_not_done,
)

__all__ = [
    "PROJECT_DEFAULT",
    "RULES",
    "RULE_STEPS",
    "SEVERITIES",
    "SUBSCALE_STEPS",
    "AlertConfig",
    "Expectations",
    "Finding",
    "GoalRecord",
    "History",
    "Rule",
    "SessionRecord",
    "Severity",
    "TaskRecord",
    "default_config",
    "evaluate",
    "finding_key",
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
    "steps_for",
]
