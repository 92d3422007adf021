"""Instrument files whose response scales would list too many answers, or hold a number
that is not finite (nan, inf), are refused with an error naming the field.

Every way in (a file, a clinic's upload, a FHIR Questionnaire) validates through
``parse_instrument``, so the limits hold for all of them.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest

from alliance.errors import InstrumentError
from alliance.instruments import builtin, parse_instrument
from alliance.instruments.schema import MAX_CHOICES, ResponseScale


def _mini(**response: Any) -> dict[str, Any]:
    return {
        "id": "mini",
        "name": "Mini instrument",
        "short_name": "Mini",
        "respondent": "client",
        "instructions": "Answer each question.",
        "response": response
        or {
            "kind": "choice",
            "options": [{"value": 0, "label": "No"}, {"value": 1, "label": "Yes"}],
        },
        "items": [{"n": 1, "text": "One"}, {"n": 2, "text": "Two"}],
        "scales": [
            {
                "id": "total",
                "label": "Total",
                "items": [1, 2],
                "missing": {"method": "complete", "source": "test"},
                "bands": [
                    {"label": "low", "min": 0, "max": 1},
                    {"label": "high", "min": 2, "max": 20},
                ],
                "bands_source": "test",
                "change": {"sd": 2.0, "reliability": 0.8, "source": "test"},
            }
        ],
        "flags": [
            {
                "id": "high",
                "scale": "total",
                "op": ">",
                "value": 1,
                "severity": "info",
                "message": "High.",
                "source": "test",
            }
        ],
        "licence": {"name": "Test", "text": "Test licence."},
        "citation": {"text": "Test citation."},
    }


def _error(raw: dict[str, Any]) -> str:
    with pytest.raises(InstrumentError) as info:
        parse_instrument(raw, "mini.toml")
    return str(info.value)


def test_the_limit_is_101_choices_so_a_0_to_10_line_in_tenths_fits() -> None:
    assert MAX_CHOICES == 101
    instrument = parse_instrument(_mini(kind="numeric", min=0, max=10, step=0.1), "mini.toml")
    assert instrument.response is not None
    assert instrument.response.choice_count() == 101


@pytest.mark.parametrize(
    ("low", "high", "step", "count"),
    [
        (0, 10, 1, 11),
        (0, 0.3, 0.1, 4),  # 0.3 / 0.1 is 2.9999999999999996 in floats: counted exactly
        (0, 1, 0.3, 4),  # 0, 0.3, 0.6, 0.9: the last step does not reach max
        (-5, 5, 0.5, 21),
        (0, 100, None, 101),  # no step: whole numbers, as the questionnaire page lists them
    ],
)
def test_the_count_of_a_numeric_scale_is_computed_exactly(
    low: float, high: float, step: float | None, count: int
) -> None:
    scale = ResponseScale(kind="numeric", min=low, max=high, step=step)
    assert scale.choice_count() == count


@pytest.mark.parametrize(
    "response",
    [
        {"kind": "numeric", "min": 0, "max": 10, "step": 0.000000001},
        {"kind": "numeric", "min": 0, "max": 10, "step": 0.001},
        {"kind": "numeric", "min": 0, "max": 10.1, "step": 0.1},  # 102 choices
        {"kind": "numeric", "min": 0, "max": 101},  # 102 whole numbers
        {"kind": "numeric", "min": 0, "max": 1e300, "step": 1e-300},
    ],
)
def test_a_numeric_scale_with_more_than_101_choices_is_refused(response: dict[str, Any]) -> None:
    message = _error(_mini(**response))
    assert "mini.toml: response:" in message
    assert "more than 101" in message


def test_a_choice_scale_with_more_than_101_options_is_refused() -> None:
    options = [{"value": v, "label": f"v{v}"} for v in range(102)]
    message = _error(_mini(kind="choice", options=options))
    assert "mini.toml: response:" in message and "102 options" in message


def test_an_item_scale_with_too_many_choices_names_the_item() -> None:
    raw = _mini()
    raw["items"][1]["response"] = {"kind": "numeric", "min": 0, "max": 1, "step": 0.0001}
    assert "items[n=2].response" in _error(raw)


def _set(raw: dict[str, Any], path: str, value: float) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    node: Any = raw
    keys = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return raw


NUMERIC = _mini(kind="numeric", min=0, max=10, step=1)
CHOICE = _mini()


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize(
    ("raw", "path", "named"),
    [
        (CHOICE, "response.options.1.value", "response.options[1].value"),
        (NUMERIC, "response.min", "response.min"),
        (NUMERIC, "response.max", "response.max"),
        (NUMERIC, "response.step", "response.step"),
        (CHOICE, "scales.0.bands.1.max", "scales[id=total].bands[1].max"),
        (CHOICE, "scales.0.change.sd", "scales[id=total].change.sd"),
        (CHOICE, "flags.0.value", "flags[id=high].value"),
    ],
)
def test_a_number_that_is_not_finite_is_refused_naming_its_field(
    raw: dict[str, Any], path: str, named: str, bad: float
) -> None:
    message = _error(_set(raw, path, bad))
    assert f"mini.toml: {named}:" in message
    assert "finite" in message


def test_every_built_in_instrument_still_loads_within_the_limits() -> None:
    instruments = builtin()
    assert instruments
    for instrument in instruments.values():
        for item in instrument.items:
            scale = instrument.response_for(item.n)
            if scale.kind != "text":
                assert scale.choice_count() <= MAX_CHOICES
