"""One episode's sessions and scores, loaded in a fixed number of queries.

The client page, the alert rules and the reports all read the episode
through this, so they see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from alliance.alerts.history import Expectations, GoalRecord, History, SessionRecord, TaskRecord
from alliance.instruments import Instrument, registry
from alliance.scoring.keys import ScoreKey, parse_key
from alliance.web.care.models import Episode, Session
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.goals.models import Goal, Task
from alliance.web.measures.models import Response


@dataclass
class Timeline:
    episode: Episode
    sessions: list[Session]
    responses: dict[tuple[int, str, str], Response] = field(default_factory=dict)
    _keys: dict[str, ScoreKey | None] = field(default_factory=dict, repr=False)
    _known: list[Instrument] | None = field(default=None, repr=False)

    @property
    def numbers(self) -> list[int]:
        return [s.number for s in self.sessions]

    def response(self, number: int, instrument: str, respondent: str = "client") -> Response | None:
        return self.responses.get((number, instrument, respondent))

    def value(self, number: int, column: str, respondent: str = "client") -> Any:
        r = self.response(number, self.instrument_of(column), respondent)
        return None if r is None else r.scores.get(column)

    def series(self, column: str, respondent: str = "client") -> list[float | None]:
        return [self.value(n, column, respondent) for n in self.numbers]

    def scores_at(self, number: int, respondent: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for (n, _instrument, side), r in self.responses.items():
            if n == number and side == respondent:
                merged.update(r.scores)
        return merged

    def feedback_at(self, number: int) -> str | None:
        r = self.response(number, "session_feedback")
        if r is None:
            return None
        parts = [str(r.answers[k]) for k in ("1", "2") if r.answers.get(k)]
        return " / ".join(parts) or None

    def latest(self, column: str, respondent: str = "client") -> tuple[int, float] | None:
        for n in reversed(self.numbers):
            v = self.value(n, column, respondent)
            if v is not None:
                return n, float(v)
        return None

    def instrument_of(self, column: str) -> str:
        """The instrument that writes ``column`` (``wai_sr_t_goal_mean`` -> ``wai_sr_t``),
        from the instruments' own column names; "" for a column no instrument writes."""
        key = self.key_of(column)
        return "" if key is None else key.instrument

    def is_flag(self, column: str) -> bool:
        """Whether ``column`` is one of an instrument's flags (from the instrument files)."""
        key = self.key_of(column)
        return key is not None and key.kind == "flag"

    def key_of(self, column: str) -> ScoreKey | None:
        """What ``column`` holds, read from the instrument definitions (None: no score column)."""
        if column not in self._keys:
            try:
                self._keys[column] = parse_key(column, self._instruments())
            except ValueError:
                self._keys[column] = None
        return self._keys[column]

    def _instruments(self) -> list[Instrument]:
        if self._known is None:
            known = registry()
            answered = {key[1] for key in self.responses} - set(known)
            organisation_id = self.episode.client.organisation_id
            found = list(known.values())
            for instrument_id in sorted(answered):
                try:
                    found.append(instrument_for(organisation_id, instrument_id))
                except KeyError:  # a clinic instrument deleted since: its columns stay unread
                    continue
            self._known = found
        return self._known


def load_timeline(episode: Episode) -> Timeline:
    sessions = list(episode.sessions.order_by("number"))
    responses = Response.objects.filter(session__episode=episode).select_related("session")
    timeline = Timeline(episode=episode, sessions=sessions)
    for r in responses:
        timeline.responses[(r.session.number, r.instrument, r.respondent)] = r
    return timeline


def history(
    timeline: Timeline, goals: list[Goal] | None = None, tasks: list[Task] | None = None
) -> History:
    """The core's view of an episode, for the alert rules."""
    episode = timeline.episode
    if goals is None:
        goals = list(episode.goals.filter(active=True).prefetch_related("ratings__session"))
    if tasks is None:
        tasks = list(episode.tasks.all())
    sessions = []
    for n in timeline.numbers:
        client = timeline.scores_at(n, "client")
        therapist = timeline.scores_at(n, "therapist")
        sessions.append(
            SessionRecord(
                number=n,
                client={
                    k: v
                    for k, v in client.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                },
                therapist={
                    k: v
                    for k, v in therapist.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                },
                # a flag is True, False, or None when its item was left blank (risk unknown)
                flags={k: v for k, v in client.items() if timeline.is_flag(k)},
                feedback=timeline.feedback_at(n),
            )
        )
    return History(
        sessions=tuple(sessions),
        goals=tuple(
            GoalRecord(
                id=str(g.pk),
                text=g.text,
                created_session=g.created_session,
                ratings=tuple((r.session.number, r.level) for r in g.ratings.all()),
            )
            for g in goals
        ),
        tasks=tuple(
            TaskRecord(
                id=str(t.pk),
                text=t.text,
                set_session=t.set_session,
                due_session=t.due_session,
                done=t.done,
            )
            for t in tasks
        ),
        expectations=Expectations(
            expected_sessions=episode.expected_sessions, hoped_change=episode.hoped_change or None
        ),
    )
