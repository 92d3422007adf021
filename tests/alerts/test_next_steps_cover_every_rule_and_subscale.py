"""Next steps: data for every rule and subscale, short and actionable."""

from __future__ import annotations

import pytest

from alliance.alerts import RULE_STEPS, RULES, SUBSCALE_STEPS, steps_for


def test_every_rule_has_steps_or_takes_them_from_its_subscale() -> None:
    assert set(RULE_STEPS) == set(RULES)
    for rule in RULES:
        assert steps_for(rule, "total"), rule


def test_subscales_have_their_practices() -> None:
    assert any("goals together" in s for s in SUBSCALE_STEPS["goal"])
    assert any("Is there anything I could do differently?" in s for s in SUBSCALE_STEPS["bond"])
    assert any("C-NIP" in s for s in SUBSCALE_STEPS["task"])
    assert any("risk protocol today" in s for s in RULE_STEPS["risk"])


def test_composite_and_unknown_subscales() -> None:
    assert steps_for("low_alliance", "goal_task") == SUBSCALE_STEPS["goal"] + SUBSCALE_STEPS["task"]
    assert steps_for("low_alliance", "relationship") == SUBSCALE_STEPS["total"]


def test_steps_do_not_repeat() -> None:
    steps = steps_for("disagreement", "bond")
    assert len(steps) == len(set(steps))


def test_unknown_rule_raises_key_error() -> None:
    with pytest.raises(KeyError):
        steps_for("no_such_rule")


@pytest.mark.parametrize(
    "step", [s for t in (*RULE_STEPS.values(), *SUBSCALE_STEPS.values()) for s in t]
)
def test_each_step_is_one_short_sentence(step: str) -> None:
    assert len(step) <= 110 and step[0].isupper() and step.rstrip('"').endswith((".", "?"))
