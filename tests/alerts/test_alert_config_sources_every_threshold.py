"""AlertConfig: every threshold has a default and a source; no norm is invented."""

from __future__ import annotations

import dataclasses

import pytest

from alliance.alerts import PROJECT_DEFAULT, AlertConfig

CONFIG = AlertConfig()

# Thresholds with no published norm behind them.
NO_NORM = (
    "rupture_noise_sd",
    "rupture_z_k",
    "rupture_drop_k",
    "rupture_min_prior",
    "rupture_repair_within",
    "rupture_repair_z",
    "low_alliance",
    "falling_sessions",
    "falling_slope",
    "disagreement_gap",
    "goal_revisit_sessions",
    "tasks_window",
    "tasks_min_not_done",
    "usual_sessions",
    "short_expectation_fraction",
)


def test_every_threshold_has_a_source() -> None:
    names = AlertConfig.threshold_names()
    assert set(NO_NORM) <= set(names)
    assert all(CONFIG.source(n).strip() for n in names)


@pytest.mark.parametrize("name", NO_NORM)
def test_thresholds_without_a_norm_say_so(name: str) -> None:
    assert PROJECT_DEFAULT in CONFIG.source(name)


def test_outcome_and_risk_sources_come_from_the_instrument_files() -> None:
    assert "NHS Talking Therapies" in CONFIG.source("reliable_change")
    assert PROJECT_DEFAULT not in CONFIG.source("reliable_change")
    assert "item 9" in CONFIG.source("risk_flags")


def test_defaults_match_the_design() -> None:
    assert CONFIG.alliance_scores == ("sai_total", "wai_sr_total_mean")
    assert (CONFIG.rupture_z_k, CONFIG.rupture_drop_k, CONFIG.rupture_min_prior) == (2.2, 1.0, 3)
    assert (CONFIG.rupture_repair_within, CONFIG.rupture_repair_z) == (3, 0.5)
    assert dict(CONFIG.rupture_noise_sd) == {"sai_total": 0.35, "wai_sr_total_mean": 0.175}
    assert dict(CONFIG.low_alliance) == {
        "sai_total": 2.5,
        "wai_sr_goal_mean": 3.0,
        "wai_sr_task_mean": 3.0,
        "wai_sr_bond_mean": 3.0,
    }
    assert (CONFIG.falling_sessions, CONFIG.disagreement_gap, CONFIG.goal_revisit_sessions) == (
        4,
        1.0,
        4,
    )


def test_given_sources_replace_defaults_of_the_same_name_only() -> None:
    c = AlertConfig(goal_revisit_sessions=6, sources={"goal_revisit_sessions": "our protocol"})
    assert c.source("goal_revisit_sessions") == "our protocol"
    assert PROJECT_DEFAULT in c.source("tasks_window")


def test_replace_keeps_sources_and_rebuilds_scales() -> None:
    c = dataclasses.replace(CONFIG, expected_band={3: (10.0, 14.0)})
    assert c.sources == CONFIG.sources and set(c.scales) == set(CONFIG.scales)


def test_config_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        CONFIG.disagreement_gap = 2.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        CONFIG.low_alliance["sai_total"] = 1.0  # type: ignore[index]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"alliance_scores": ("sai_bond",)}, "rupture_noise_sd has no entry"),
        ({"disagreement_gap": 0.0}, "disagreement_gap must be above 0"),
        ({"falling_sessions": 1}, "falling_sessions must be 2 or more"),
        ({"tasks_min_not_done": 4}, "tasks_min_not_done"),
        ({"expected_band": {2: (14.0, 10.0)}}, "low 14.0 above high 10.0"),
        ({"low_alliance": {"no_such_score": 1.0}}, "not a score column"),
        ({"low_alliance_at_once": {"sai_total": 3.0}}, "above its low_alliance"),
        ({"low_alliance_confirm": 0}, "low_alliance_confirm must be 1 or more"),
        ({"falling_z": -1.0}, "falling_z must be 0 or more"),
        ({"risk_flags": ("phq9_flag_nothing",)}, "not a flag column"),
    ],
)
def test_bad_settings_raise_value_error(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AlertConfig(**change)  # type: ignore[arg-type]
