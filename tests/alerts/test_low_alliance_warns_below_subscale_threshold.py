"""rule_low_alliance: a scale below its item-mean threshold, in 2 measured sessions in a row.

Boundary: a score exactly at the threshold does NOT fire (strictly below fires).
Threshold tests use ``ONE`` (one low session enough) to check the boundary alone.
"""

from __future__ import annotations

from dataclasses import replace

from alliance.alerts import AlertConfig, History, SessionRecord, rule_low_alliance

CONFIG = AlertConfig()
ONE = replace(CONFIG, low_alliance_confirm=1)


def history(*scores: dict[str, float | None]) -> History:
    return History(sessions=[SessionRecord(i + 1, client=s) for i, s in enumerate(scores)])


def test_low_bond_fires_with_score_and_threshold_in_words() -> None:
    h = history({"wai_sr_bond_mean": 4.0}, {"wai_sr_bond_mean": 3.5}, {"wai_sr_bond_mean": 2.5})
    [f] = rule_low_alliance(h, ONE)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "low_alliance",
        "warning",
        3,
        "wai_sr_bond",
    )
    assert dict(f.numbers) == {"score": 2.5, "threshold": 3.0, "sessions": 1.0}
    assert "WAI-SR Bond" in f.title
    assert "2.5" in f.detail and "threshold of 3" in f.detail and "session 3" in f.detail
    assert any("differently" in step for step in f.next_steps)  # the feedback question


def test_low_sai_uses_its_own_threshold() -> None:
    [f] = rule_low_alliance(history({"sai_total": 2.0}), ONE)
    assert f.subscale == "sai_total" and f.numbers["threshold"] == 2.5


def test_each_low_subscale_gives_its_own_finding_with_its_own_steps() -> None:
    h = history({"wai_sr_goal_mean": 2.0, "wai_sr_task_mean": 2.75, "wai_sr_bond_mean": 4.0})
    found = {f.subscale: f for f in rule_low_alliance(h, ONE)}
    assert set(found) == {"wai_sr_goal", "wai_sr_task"}
    assert any("goals together" in s for s in found["wai_sr_goal"].next_steps)
    assert any("homework" in s for s in found["wai_sr_task"].next_steps)
    assert len({f.key for f in found.values()}) == 2


def test_scores_at_or_above_threshold_do_not_fire() -> None:
    h = history({"wai_sr_bond_mean": 3.5, "wai_sr_goal_mean": 4.25, "sai_total": 3.0})
    assert rule_low_alliance(h, CONFIG) == []


def test_score_exactly_at_threshold_does_not_fire() -> None:
    h = history({"wai_sr_bond_mean": 3.0, "sai_total": 2.5})
    assert rule_low_alliance(h, CONFIG) == []


def test_float_noise_at_threshold_counts_as_at_threshold() -> None:
    assert rule_low_alliance(history({"wai_sr_bond_mean": 2.9999999999}), CONFIG) == []
    assert len(rule_low_alliance(history({"wai_sr_bond_mean": 2.99}), ONE)) == 1


def test_only_the_latest_measured_score_counts() -> None:
    h = history({"wai_sr_bond_mean": 2.0}, {"wai_sr_bond_mean": 3.75}, {"phq9_total": 9.0})
    assert rule_low_alliance(h, CONFIG) == []


def test_latest_measured_score_counts_when_the_last_session_did_not_measure_it() -> None:
    h = history({"wai_sr_bond_mean": 2.0}, {"wai_sr_bond_mean": None, "phq9_total": 9.0})
    [f] = rule_low_alliance(h, ONE)
    assert f.session == 1


def test_one_low_session_alone_does_not_warn_by_default() -> None:
    h = history({"wai_sr_bond_mean": 4.0}, {"wai_sr_bond_mean": 2.5})
    assert CONFIG.low_alliance_confirm == 2
    assert rule_low_alliance(h, CONFIG) == []


def test_a_score_too_low_to_be_noise_warns_after_one_session() -> None:
    [f] = rule_low_alliance(history({"sai_total": 1.0}), CONFIG)
    assert (f.session, f.numbers["sessions"]) == (1, 1.0)
    [bond] = rule_low_alliance(history({"wai_sr_bond_mean": 1.75}), CONFIG)
    assert bond.subscale == "wai_sr_bond"
    assert rule_low_alliance(history({"sai_total": 1.5, "wai_sr_bond_mean": 2.0}), CONFIG) == []


def test_two_low_sessions_in_a_row_warn_keyed_on_the_first() -> None:
    h = history({"wai_sr_bond_mean": 4.0}, {"wai_sr_bond_mean": 2.5}, {"wai_sr_bond_mean": 2.75})
    [f] = rule_low_alliance(h, CONFIG)
    assert (f.session, f.key) == (2, "low_alliance:2:wai_sr_bond")
    assert dict(f.numbers) == {"score": 2.75, "threshold": 3.0, "sessions": 2.0}
    assert "In session 3" in f.detail and "2 sessions in a row, since session 2" in f.detail


def test_a_client_who_stays_low_keeps_one_alert_whose_numbers_follow_the_latest() -> None:
    low = [{"wai_sr_bond_mean": 4.0}, *({"wai_sr_bond_mean": v} for v in (2.5, 2.75, 2.0, 2.25))]
    keys = {f.key for k in range(3, 6) for f in rule_low_alliance(history(*low[:k]), CONFIG)}
    assert keys == {"low_alliance:2:wai_sr_bond"}
    [f] = rule_low_alliance(history(*low), CONFIG)
    assert dict(f.numbers) == {"score": 2.25, "threshold": 3.0, "sessions": 4.0}


def test_a_new_spell_below_the_threshold_after_recovery_is_a_new_alert() -> None:
    scores = (2.5, 2.5, 3.5, 2.0, 2.0)
    [f] = rule_low_alliance(history(*({"wai_sr_bond_mean": v} for v in scores)), CONFIG)
    assert f.key == "low_alliance:4:wai_sr_bond"


def test_a_session_that_did_not_measure_the_scale_does_not_break_the_spell() -> None:
    h = history({"wai_sr_bond_mean": 2.5}, {"phq9_total": 9.0}, {"wai_sr_bond_mean": 2.5})
    [f] = rule_low_alliance(h, CONFIG)
    assert f.session == 1 and f.numbers["sessions"] == 2.0
