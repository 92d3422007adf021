"""One client's episode of care, as the alert rules see it.

Plain frozen dataclasses, filled by the web app (or a test) from its own
records: scored questionnaire columns per session (the names
:func:`alliance.scoring.score` gives, e.g. ``"wai_sr_bond_mean"``), goals
with their Goal Attainment Scaling ratings, tasks (homework) and the
expectations the client gave at intake. Nothing here reads a database.

Example:
    >>> h = History(sessions=[SessionRecord(1, client={"sai_total": 4.0})])
    >>> h.latest_number
    1
    >>> h.values("sai_total")
    [(1, 4.0)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from types import MappingProxyType

__all__ = ["Expectations", "GoalRecord", "History", "SessionRecord", "TaskRecord"]

GAS_RANGE = range(-2, 3)


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be 1 or more, got {value}")


def _frozen(mapping: Mapping[str, object]) -> MappingProxyType[str, object]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SessionRecord:
    """Scores and answers of one session.

    ``client`` and ``therapist`` map score columns to values (``None`` when
    not measured or not scorable); ``flags`` maps flag columns such as
    ``"phq9_flag_risk"`` to their value -- None when the questionnaire was
    answered but the flagged item left blank (the scoring engine's null
    flag; leave the key out when the questionnaire was not given);
    ``feedback`` is the client's open
    answer to "Is there anything I could do differently?".
    """

    number: int
    client: Mapping[str, float | None] = field(default_factory=dict)
    therapist: Mapping[str, float | None] = field(default_factory=dict)
    flags: Mapping[str, bool | None] = field(default_factory=dict)
    feedback: str | None = None

    def __post_init__(self) -> None:
        _positive_int("session number", self.number)
        for name in ("client", "therapist", "flags"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def score(self, column: str) -> float | None:
        """The client-side score in ``column``, else the therapist-side one, else None."""
        value = self.client.get(column)
        return self.therapist.get(column) if value is None else value


@dataclass(frozen=True)
class GoalRecord:
    """A goal agreed with the client, and its GAS ratings as (session, level -2..+2)."""

    id: str
    text: str
    created_session: int
    ratings: Sequence[tuple[int, int]] = ()

    def __post_init__(self) -> None:
        _positive_int("goal created_session", self.created_session)
        for session, level in self.ratings:
            _positive_int("goal rating session", session)
            if level not in GAS_RANGE:
                raise ValueError(f"goal {self.id!r}: GAS level must be -2..+2, got {level!r}")
        object.__setattr__(self, "ratings", tuple(self.ratings))

    @property
    def last_revisited(self) -> int:
        """The latest session in which the goal was set or rated."""
        return max([self.created_session, *(s for s, _ in self.ratings)])


@dataclass(frozen=True)
class TaskRecord:
    """A task (homework): ``done`` is None until the client has said."""

    id: str
    text: str
    set_session: int
    due_session: int | None = None
    done: bool | None = None

    def __post_init__(self) -> None:
        _positive_int("task set_session", self.set_session)
        if self.due_session is not None:
            _positive_int("task due_session", self.due_session)


@dataclass(frozen=True)
class Expectations:
    """What the client expected at intake: number of sessions, hoped-for change."""

    expected_sessions: int | None = None
    hoped_change: str | None = None

    def __post_init__(self) -> None:
        if self.expected_sessions is not None:
            _positive_int("expected_sessions", self.expected_sessions)


@dataclass(frozen=True)
class History:
    """One client's episode: sessions in increasing order of their number."""

    sessions: Sequence[SessionRecord] = ()
    goals: Sequence[GoalRecord] = ()
    tasks: Sequence[TaskRecord] = ()
    expectations: Expectations = field(default_factory=Expectations)

    def __post_init__(self) -> None:
        for name in ("sessions", "goals", "tasks"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        numbers = [s.number for s in self.sessions]
        for before, after in pairwise(numbers):
            if after <= before:
                raise ValueError(
                    f"sessions must be unique and in increasing order of number; "
                    f"session {after} follows session {before}"
                )

    @property
    def latest_number(self) -> int | None:
        """Number of the latest session, or None for an empty history."""
        return self.sessions[-1].number if self.sessions else None

    def values(self, column: str) -> list[tuple[int, float]]:
        """(session, value) for every session where ``column`` has a value."""
        pairs = ((s.number, s.score(column)) for s in self.sessions)
        return [(n, float(v)) for n, v in pairs if v is not None]

    def first_session_from(self, number: int) -> int | None:
        """The first recorded session numbered ``number`` or later, if any."""
        return next((s.number for s in self.sessions if s.number >= number), None)
