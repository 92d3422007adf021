"""rule_risk_unanswered: a blank risk item (flag None) in the latest session -> urgent."""

from __future__ import annotations

import polars as pl

from alliance.alerts import AlertConfig, History, SessionRecord, evaluate, rule_risk
from alliance.alerts.rules_outcome import rule_risk_unanswered
from alliance.scoring import score

CONFIG = AlertConfig()
MISSING = object()


def flags(*values: object) -> History:
    return History(
        sessions=[
            SessionRecord(i + 1, flags={} if v is MISSING else {"phq9_flag_risk": v})  # type: ignore[dict-item]
            for i, v in enumerate(values)
        ]
    )


def test_blank_risk_item_in_latest_session_is_urgent_with_next_steps() -> None:
    [f] = rule_risk_unanswered(flags(False, None), CONFIG)
    assert (f.rule, f.severity, f.session) == ("risk_unanswered", "urgent", 2)
    assert f.key == "risk_unanswered:2:phq9_flag_risk"
    assert "left blank" in f.detail and "item 9" in f.detail
    assert "not a 'no'" in f.next_steps[0]


def test_blank_risk_item_is_not_a_raised_flag_and_a_raised_flag_is_not_blank() -> None:
    assert rule_risk(flags(None), CONFIG) == []
    assert rule_risk_unanswered(flags(True), CONFIG) == []
    assert rule_risk_unanswered(flags(False), CONFIG) == []


def test_later_answer_replaces_an_earlier_blank() -> None:
    assert rule_risk_unanswered(flags(None, False), CONFIG) == []


def test_session_without_a_phq9_keeps_the_last_blank() -> None:
    [f] = rule_risk_unanswered(flags(None, MISSING), CONFIG)
    assert f.session == 1


def test_evaluate_reports_the_blank_item_first_among_urgent_findings() -> None:
    found = evaluate(flags(None))
    assert [f.rule for f in found] == ["risk_unanswered"]


def test_scored_phq9_with_blank_item_9_reaches_the_rule_as_none() -> None:
    answers = {f"phq9_{i}": [1] for i in range(1, 9)} | {"phq9_9": [None]}
    row = score(pl.DataFrame({"id": [1], "session": [1], **answers}), "phq9").scores.row(
        0, named=True
    )
    assert row["phq9_flag_risk"] is None
    [f] = rule_risk_unanswered(flags(row["phq9_flag_risk"]), CONFIG)
    assert f.rule == "risk_unanswered"
