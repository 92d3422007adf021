"""rule_risk: phq9_flag_risk true in the latest session that recorded it -> urgent."""

from __future__ import annotations

from alliance.alerts import AlertConfig, History, SessionRecord, rule_risk

CONFIG = AlertConfig()


def flags(*values: bool | None) -> History:
    return History(
        sessions=[
            SessionRecord(i + 1, flags={} if v is None else {"phq9_flag_risk": v})
            for i, v in enumerate(values)
        ]
    )


def test_risk_flag_in_latest_session_is_urgent() -> None:
    [f] = rule_risk(flags(False, True), CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == ("risk", "urgent", 2, "phq9_flag_risk")
    assert f.key == "risk:2:phq9_flag_risk"
    assert "today" in f.title
    assert "In session 2" in f.detail and "item 9" in f.detail
    assert f.next_steps[0] == "Follow the clinic's risk protocol today."


def test_no_flag_raised_gives_nothing() -> None:
    assert rule_risk(flags(False, False), CONFIG) == []


def test_flag_raised_only_in_an_earlier_session_is_not_repeated() -> None:
    assert rule_risk(flags(True, False), CONFIG) == []


def test_latest_session_without_a_phq9_keeps_the_last_answer() -> None:
    [f] = rule_risk(flags(False, True, None), CONFIG)
    assert f.session == 2


def test_no_sessions_give_nothing() -> None:
    assert rule_risk(History(), CONFIG) == []
