"""What an alert rule returns: a finding, with the rule that fired.

A finding says which session it is about, in plain words with the numbers
that fired, and what to do next. Its ``key`` (rule, session, subscale) is
stable: re-running the rules on the same history gives the same keys, so the
web app stores one alert per firing.

Example:
    >>> f = Finding(rule="low_alliance", severity="warning", session=3,
    ...             title="Low Bond", detail="Bond item mean 2.5 (threshold 3)",
    ...             numbers={"score": 2.5, "threshold": 3.0}, subscale="wai_sr_bond")
    >>> f.key
    'low_alliance:3:wai_sr_bond'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

__all__ = ["SEVERITIES", "Finding", "Severity", "finding_key"]

Severity = Literal["urgent", "warning", "info"]

#: Severities, most pressing first (the order :func:`alliance.alerts.evaluate` sorts by).
SEVERITIES: tuple[Severity, ...] = get_args(Severity)


def finding_key(rule: str, session: int, subscale: str | None) -> str:
    """The dedupe key ``rule:session:subscale`` (``-`` when there is no subscale)."""
    return f"{rule}:{session}:{subscale or '-'}"


@dataclass(frozen=True)
class Finding:
    """One firing of one rule for one session (and subscale, where it has one)."""

    rule: str
    severity: Severity
    session: int
    title: str
    detail: str
    numbers: Mapping[str, float] = field(default_factory=dict)
    subscale: str | None = None
    next_steps: tuple[str, ...] = ()
    key: str = field(init=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")
        if isinstance(self.session, bool) or not isinstance(self.session, int):
            raise TypeError(f"session must be an integer, got {self.session!r}")
        bad = {k: v for k, v in self.numbers.items() if not math.isfinite(v)}
        if bad:
            raise ValueError(f"numbers must be finite, got {bad}")
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))
        object.__setattr__(self, "next_steps", tuple(self.next_steps))
        object.__setattr__(self, "key", finding_key(self.rule, self.session, self.subscale))

    @property
    def rank(self) -> int:
        """0 for urgent, 1 for warning, 2 for info."""
        return SEVERITIES.index(self.severity)

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready fields, for storing the finding as an alert."""
        return {
            "key": self.key,
            "rule": self.rule,
            "severity": self.severity,
            "session": self.session,
            "subscale": self.subscale,
            "title": self.title,
            "detail": self.detail,
            "numbers": dict(self.numbers),
            "next_steps": list(self.next_steps),
        }
