"""Finding: stable key, validated fields, JSON-ready dict."""

from __future__ import annotations

import math

import pytest

from alliance.alerts import Finding, finding_key


def make(**change: object) -> Finding:
    fields: dict[str, object] = {
        "rule": "low_alliance",
        "severity": "warning",
        "session": 3,
        "title": "t",
        "detail": "d",
        "numbers": {"score": 2.5},
        "subscale": "wai_sr_bond",
    }
    return Finding(**{**fields, **change})  # type: ignore[arg-type]


def test_key_is_rule_session_and_subscale() -> None:
    assert (
        make().key == "low_alliance:3:wai_sr_bond" == finding_key("low_alliance", 3, "wai_sr_bond")
    )
    assert make(subscale=None).key == "low_alliance:3:-"


def test_as_dict_holds_everything_the_web_app_stores() -> None:
    d = make(next_steps=("Ask.",)).as_dict()
    assert d == {
        "key": "low_alliance:3:wai_sr_bond",
        "rule": "low_alliance",
        "severity": "warning",
        "session": 3,
        "subscale": "wai_sr_bond",
        "title": "t",
        "detail": "d",
        "numbers": {"score": 2.5},
        "next_steps": ["Ask."],
    }


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"severity": "high"}, ValueError),
        ({"session": "3"}, TypeError),
        ({"numbers": {"x": math.nan}}, ValueError),
    ],
)
def test_bad_fields_raise(change: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        make(**change)
