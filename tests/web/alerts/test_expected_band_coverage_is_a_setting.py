"""The expected-recovery band's coverage is a setting (ALLIANCE_EXPECTED_BAND_COVERAGE):
the clinic's band, the client's chart band and the not-on-track rule all use it,
and the rule's source says what share of typical sessions it flags."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest
from django.test import override_settings
from web_factories import add_sessions, episode_of, make_client, make_therapist, response

from alliance.alerts import AlertConfig
from alliance.stats.trajectories import DEFAULT_COVERAGE
from alliance.web.alerts.expected import band_coverage, client_band
from alliance.web.alerts.services import alert_config

pytestmark = pytest.mark.django_db


def phq9(total: int) -> dict[str, float]:
    """PHQ-9 answers summing to ``total`` (0-27), filled item by item."""
    answers = {}
    for item in range(1, 10):
        answers[str(item)] = float(min(3, max(0, total - 3 * (item - 1))))
    return answers


@pytest.fixture
def cohort_clinic(clinic_a):
    """32 clients with a PHQ-9 at sessions 1 and 2: enough for the clinic's band (30)."""
    therapist = make_therapist("tess", clinic_a)
    rng = np.random.default_rng(5)
    for k in range(32):
        episode = episode_of(make_client(clinic_a, therapist, f"B{k:02d}"))
        first, second = add_sessions(episode, 2)
        intake = int(rng.integers(8, 24))
        later = int(np.clip(round(0.7 * intake + rng.normal(0, 2.5)), 0, 27))
        response(first, "phq9", phq9(intake))
        response(second, "phq9", phq9(later))
    return clinic_a


def test_default_coverage_is_the_core_default() -> None:
    assert band_coverage() == DEFAULT_COVERAGE == AlertConfig().expected_band_coverage == 0.9


def test_a_wider_coverage_setting_widens_the_clients_band(cohort_clinic) -> None:
    half = {}
    for coverage in (0.5, 0.9):
        with override_settings(ALLIANCE_EXPECTED_BAND_COVERAGE=coverage):
            low, high = client_band(cohort_clinic.pk, "phq9", 16.0)[2]
        half[coverage] = (high - low) / 2
    z = {c: NormalDist().inv_cdf(0.5 + c / 2) for c in (0.5, 0.9)}
    assert half[0.9] / half[0.5] == pytest.approx(z[0.9] / z[0.5], rel=1e-9)


def test_the_rules_use_the_setting_and_say_what_it_flags(cohort_clinic) -> None:
    with override_settings(ALLIANCE_EXPECTED_BAND_COVERAGE=0.5):
        config = alert_config(cohort_clinic.pk)
    assert config.expected_band_coverage == 0.5
    source = config.source("expected_band_coverage")
    assert "ALLIANCE_EXPECTED_BAND_COVERAGE = 0.5" in source
    assert "25.0% of sessions" in source
    assert "5% at 0.9" in AlertConfig().source("expected_band_coverage")


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1", "half"])
def test_a_bad_coverage_setting_stops_start_up_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from alliance.web.env import envfraction

    monkeypatch.setenv("ALLIANCE_EXPECTED_BAND_COVERAGE", value)
    with pytest.raises(ImproperlyConfigured, match="ALLIANCE_EXPECTED_BAND_COVERAGE"):
        envfraction("ALLIANCE_EXPECTED_BAND_COVERAGE", 0.5)
    monkeypatch.setenv("ALLIANCE_EXPECTED_BAND_COVERAGE", "0.9")
    assert envfraction("ALLIANCE_EXPECTED_BAND_COVERAGE", 0.5) == 0.9
