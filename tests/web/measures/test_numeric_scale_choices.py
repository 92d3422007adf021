"""A numeric (visual-analogue) item lists its answers as written: 0, 0.1, 0.2, 0.3 ... 10.

The values come from the core (``ResponseScale.choice_values``, exact decimal
steps), not from adding the step up in floating point, which drifts
(0.1 + 0.1 + 0.1 is 0.30000000000000004).
"""

from __future__ import annotations

import tomllib

from alliance.instruments import dumps, get, parse_instrument
from alliance.web.measures.forms import InstrumentForm, item_field_name


def _feedback_with_step(step: float):
    raw = tomllib.loads(dumps(get("session_feedback")))
    raw["id"] = "feedback_tenths"
    raw["items"][2]["response"] = {"kind": "numeric", "min": 0, "max": 10, "step": step}
    return parse_instrument(raw, "feedback_tenths.toml")


def test_a_line_in_tenths_lists_101_answers_written_as_decimals() -> None:
    form = InstrumentForm(instrument=_feedback_with_step(0.1))
    choices = [value for value, _label in form.fields[item_field_name(3)].choices]
    assert len(choices) == 101
    assert choices[:4] == ["0", "0.1", "0.2", "0.3"]
    assert choices[-2:] == ["9.9", "10"]


def test_every_listed_answer_is_accepted_and_scored() -> None:
    instrument = _feedback_with_step(0.1)
    form = InstrumentForm(instrument=instrument)
    for value, _label in form.fields[item_field_name(3)].choices:
        bound = InstrumentForm({item_field_name(3): value}, instrument=instrument)
        assert bound.is_valid(), (value, bound.errors)
