"""Concrete next steps for each alert, as data.

Short, actionable sentences drawn from the practices in DESIGN.md: agree
goals together, ask for feedback, repair ruptures (Safran & Muran:
acknowledge, explore, validate), match the client's preferences (C-NIP),
choose tasks together, keep expectations realistic. ``RULE_STEPS`` holds
the steps of each rule; ``SUBSCALE_STEPS`` those of each alliance subscale
(``goal``, ``task``, ``bond``; ``total`` for the alliance as a whole).

Example:
    >>> steps_for("tasks_not_done")[0]
    'Ask, without judgement, what got in the way.'
    >>> steps_for("low_alliance", "goal_task") == SUBSCALE_STEPS["goal"] + SUBSCALE_STEPS["task"]
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["RULE_STEPS", "SUBSCALE_STEPS", "steps_for"]

_FEEDBACK_QUESTION = (
    'Ask: "How do you feel our sessions are progressing? Is there anything I could do differently?"'
)

SUBSCALE_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "goal": (
            "Revisit the goals together and re-agree them in the client's words.",
            "Ask what the client wants to be different in their life.",
            "Check that you both see the same goals as most important.",
        ),
        "task": (
            "Review the approach and the homework with the client.",
            "Ask whether the client prefers you to lead or to follow their lead "
            "(C-NIP directiveness).",
            "Agree together what you will do in the next session.",
        ),
        "bond": (
            _FEEDBACK_QUESTION,
            "Check that the client feels understood, respected and safe with you.",
            "Acknowledge your part in anything that has not felt right.",
        ),
        "total": (
            _FEEDBACK_QUESTION,
            "Go through the goals, the tasks and how you work together, one at a time.",
        ),
    }
)

RULE_STEPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "rupture": (
            "Name the tension openly and without defending yourself.",
            "Invite the client's view of what happened in that session.",
            "Acknowledge your part, explore what the client felt, and validate it.",
            "Check in on the relationship at the start of the next session.",
        ),
        "low_alliance": (),
        "falling_alliance": (
            "Ask how the last few sessions have felt, and listen before explaining.",
        ),
        "disagreement": (
            "Show the client both ratings and ask what they make of the difference.",
            "Ask what would make this part of the work better for them.",
            "Give the client's rating more weight than your own impression.",
        ),
        "deterioration": (
            "Tell the client you have noticed the change and ask what has been happening.",
            "Review risk and current stressors.",
            "Review the plan together; consider a different approach or more support.",
            "Discuss the case in supervision.",
        ),
        "not_on_track": (
            "Share the progress chart with the client and ask what they make of it.",
            "Review goals and approach together and agree one change to try.",
            "Measure the alliance this session: a weak alliance often comes before poor progress.",
            "Discuss the case in supervision.",
        ),
        "risk": (
            "Follow the clinic's risk protocol today.",
            "Ask directly about thoughts of death or self-harm.",
            "Make a safety plan together and give crisis contacts for out of hours.",
            "Record what you did and tell your supervisor.",
        ),
        "risk_unanswered": (
            "Ask the question again in person today: a skipped risk question is not a 'no'.",
            "Ask directly about thoughts of death or self-harm.",
            "If risk is present, follow the clinic's risk protocol and make a safety plan.",
            "Record the answer and what you did.",
        ),
        "goals_not_revisited": (
            "Rate progress on each goal with the client this session.",
            "Ask whether the goals still fit; change or drop any that do not.",
        ),
        "tasks_not_done": (
            "Ask, without judgement, what got in the way.",
            "Make the next task smaller and more concrete.",
            "Choose the next task together, so it fits the client's week.",
        ),
        "expectations_passed": (
            "Talk openly about progress so far and the number of sessions the client expected.",
            "Agree together whether to continue, change the approach or plan an ending.",
            "Re-check what change the client hopes for and whether it is realistic.",
        ),
        "expectations_short": (
            "Ask how the client arrived at their expected number of sessions.",
            "Explain how many sessions change usually takes, and agree a review point.",
        ),
    }
)


def _subscale_steps(topic: str | None) -> tuple[str, ...]:
    if topic is None:
        return ()
    parts = topic.split("_") if topic not in SUBSCALE_STEPS else [topic]
    known = [p for p in parts if p in SUBSCALE_STEPS] or ["total"]
    return tuple(step for p in known for step in SUBSCALE_STEPS[p])


def steps_for(rule: str, topic: str | None = None) -> tuple[str, ...]:
    """Steps of ``rule``, then those of the subscale ``topic`` (if any), without repeats.

    ``topic`` is a scale id such as ``"bond"`` or ``"goal_task"`` (both parts);
    an unknown scale gets the steps for the alliance as a whole.
    Raises KeyError for an unknown rule.
    """
    steps = RULE_STEPS[rule] + _subscale_steps(topic)
    return tuple(dict.fromkeys(steps))
