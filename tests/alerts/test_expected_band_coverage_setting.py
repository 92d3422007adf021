"""AlertConfig.expected_band_coverage: a sourced project default, validated."""

from __future__ import annotations

import pytest

from alliance.alerts import PROJECT_DEFAULT, AlertConfig


def test_coverage_default_is_a_project_default_that_states_its_base_rate() -> None:
    config = AlertConfig()
    assert config.expected_band_coverage == 0.9
    source = config.source("expected_band_coverage")
    assert PROJECT_DEFAULT in source
    assert "(1 - coverage) / 2" in source and "25% at 0.5" in source
    assert "expected_band_coverage" in AlertConfig.threshold_names()


@pytest.mark.parametrize("coverage", [0.0, 1.0, -0.2, 1.5])
def test_coverage_outside_zero_one_is_refused(coverage: float) -> None:
    with pytest.raises(ValueError, match="expected_band_coverage"):
        AlertConfig(expected_band_coverage=coverage)
