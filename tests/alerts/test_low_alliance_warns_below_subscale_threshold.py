"""rule_low_alliance: the latest score of a scale below its item-mean threshold.

Boundary: a score exactly at the threshold does NOT fire (strictly below fires).
"""

from __future__ import annotations

from alliance.alerts import AlertConfig, History, SessionRecord, rule_low_alliance

CONFIG = AlertConfig()


def history(*scores: dict[str, float | None]) -> History:
    return History(sessions=[SessionRecord(i + 1, client=s) for i, s in enumerate(scores)])


def test_low_bond_fires_with_score_and_threshold_in_words() -> None:
    h = history({"wai_sr_bond_mean": 4.0}, {"wai_sr_bond_mean": 3.5}, {"wai_sr_bond_mean": 2.5})
    [f] = rule_low_alliance(h, CONFIG)
    assert (f.rule, f.severity, f.session, f.subscale) == (
        "low_alliance",
        "warning",
        3,
        "wai_sr_bond",
    )
    assert dict(f.numbers) == {"score": 2.5, "threshold": 3.0}
    assert "WAI-SR Bond" in f.title
    assert "2.5" in f.detail and "threshold of 3" in f.detail and "session 3" in f.detail
    assert any("differently" in step for step in f.next_steps)  # the feedback question


def test_low_sai_uses_its_own_threshold() -> None:
    [f] = rule_low_alliance(history({"sai_total": 2.0}), CONFIG)
    assert f.subscale == "sai_total" and dict(f.numbers) == {"score": 2.0, "threshold": 2.5}


def test_each_low_subscale_gives_its_own_finding_with_its_own_steps() -> None:
    h = history({"wai_sr_goal_mean": 2.0, "wai_sr_task_mean": 2.75, "wai_sr_bond_mean": 4.0})
    found = {f.subscale: f for f in rule_low_alliance(h, CONFIG)}
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
    assert len(rule_low_alliance(history({"wai_sr_bond_mean": 2.99}), CONFIG)) == 1


def test_only_the_latest_measured_score_counts() -> None:
    h = history({"wai_sr_bond_mean": 2.0}, {"wai_sr_bond_mean": 3.75}, {"phq9_total": 9.0})
    assert rule_low_alliance(h, CONFIG) == []


def test_latest_measured_score_counts_when_the_last_session_did_not_measure_it() -> None:
    h = history({"wai_sr_bond_mean": 2.0}, {"wai_sr_bond_mean": None, "phq9_total": 9.0})
    [f] = rule_low_alliance(h, CONFIG)
    assert f.session == 1
