"""Statistics on scored data: reliable and clinically significant change,
goal attainment T-scores, expected recovery bands and alliance-outcome models.

Each statistic is one documented function (formula, reference, example);
frames are Polars and every computation is vectorised.

The public names of every module are here (``from alliance.stats import
find_ruptures``), each loaded when first asked for: some modules pull in
SciPy, pandas or semopy, and a caller that wants one statistic should not wait
for all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alliance.stats.agreement import (
        IccEstimate,
        IccResult,
        dyad_gaps,
        icc,
        icc_wide,
    )
    from alliance.stats.agreement_nested import (
        NestedIcc,
        first_session_pairs,
        icc_dyad_bootstrap,
    )
    from alliance.stats.cfa import (
        CfaResult,
        compare_wai_sr_models,
        fit_cfa,
        rmsea_ml,
        wai_sr_models,
    )
    from alliance.stats.change import (
        CATEGORIES,
        PAIRED_CATEGORIES,
        ChangeRule,
        Comparison,
        Cutoffs,
        SDiffMethod,
        classify_change,
        clinical_cutoffs,
        combine_recovery,
        min_reliable_change,
        reliable_change_index,
        reliable_change_se,
        s_diff,
    )
    from alliance.stats.checks import (
        require_columns,
        require_integer_sessions,
        require_no_nulls,
        require_numeric,
        require_one_row_per_session,
    )
    from alliance.stats.gas import (
        GAS_LEVELS,
        gas_t_score,
        gas_t_scores,
    )
    from alliance.stats.outcome import (
        BETWEEN,
        PRIOR,
        SESSION,
        WITHIN,
        OutcomeModelResult,
        alliance_outcome_model,
        decompose_within_between,
        detrend_within_client,
        lead_within_client,
    )
    from alliance.stats.reliability import (
        AlphaResult,
        NanPolicy,
        OmegaResult,
        cronbach_alpha,
        item_total_correlations,
        mcdonald_omega,
    )
    from alliance.stats.rupture_noise import (
        MIN_NOISE_PAIRS,
        FalseAlarmRate,
        NoiseEstimate,
        estimate_noise_sd,
        estimate_noise_sd_in_groups,
        expected_false_alarm_rate,
    )
    from alliance.stats.rupture_settings import (
        RuptureSettings,
    )
    from alliance.stats.ruptures import (
        DetectionAccuracy,
        RuptureSummary,
        detect_ruptures,
        detection_accuracy,
        find_ruptures,
        min_drop_for,
        min_drop_from_norms,
        rupture_summary,
    )
    from alliance.stats.trajectories import (
        BAND_COLUMNS,
        DEFAULT_COVERAGE,
        STATUSES,
        expected_recovery_band,
        not_on_track_rate,
        on_track,
    )

# Module -> the public names it gives (its own ``__all__``; ``RuptureSettings``, which
# rupture_noise passes on, from rupture_settings where it is defined).
_EXPORTS: dict[str, tuple[str, ...]] = {
    "agreement": ("IccEstimate", "IccResult", "dyad_gaps", "icc", "icc_wide"),
    "agreement_nested": ("NestedIcc", "first_session_pairs", "icc_dyad_bootstrap"),
    "cfa": ("CfaResult", "compare_wai_sr_models", "fit_cfa", "rmsea_ml", "wai_sr_models"),
    "change": (
        "CATEGORIES",
        "PAIRED_CATEGORIES",
        "ChangeRule",
        "Comparison",
        "Cutoffs",
        "SDiffMethod",
        "classify_change",
        "clinical_cutoffs",
        "combine_recovery",
        "min_reliable_change",
        "reliable_change_index",
        "reliable_change_se",
        "s_diff",
    ),
    "checks": (
        "require_columns",
        "require_integer_sessions",
        "require_no_nulls",
        "require_numeric",
        "require_one_row_per_session",
    ),
    "gas": ("GAS_LEVELS", "gas_t_score", "gas_t_scores"),
    "outcome": (
        "BETWEEN",
        "PRIOR",
        "SESSION",
        "WITHIN",
        "OutcomeModelResult",
        "alliance_outcome_model",
        "decompose_within_between",
        "detrend_within_client",
        "lead_within_client",
    ),
    "reliability": (
        "AlphaResult",
        "NanPolicy",
        "OmegaResult",
        "cronbach_alpha",
        "item_total_correlations",
        "mcdonald_omega",
    ),
    "rupture_settings": ("RuptureSettings",),
    "rupture_noise": (
        "MIN_NOISE_PAIRS",
        "FalseAlarmRate",
        "NoiseEstimate",
        "estimate_noise_sd",
        "estimate_noise_sd_in_groups",
        "expected_false_alarm_rate",
    ),
    "ruptures": (
        "DetectionAccuracy",
        "RuptureSummary",
        "detect_ruptures",
        "detection_accuracy",
        "find_ruptures",
        "min_drop_for",
        "min_drop_from_norms",
        "rupture_summary",
    ),
    "trajectories": (
        "BAND_COLUMNS",
        "DEFAULT_COVERAGE",
        "STATUSES",
        "expected_recovery_band",
        "not_on_track_rate",
        "on_track",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = [
    "BAND_COLUMNS",
    "BETWEEN",
    "CATEGORIES",
    "DEFAULT_COVERAGE",
    "GAS_LEVELS",
    "MIN_NOISE_PAIRS",
    "PAIRED_CATEGORIES",
    "PRIOR",
    "SESSION",
    "STATUSES",
    "WITHIN",
    "AlphaResult",
    "CfaResult",
    "ChangeRule",
    "Comparison",
    "Cutoffs",
    "DetectionAccuracy",
    "FalseAlarmRate",
    "IccEstimate",
    "IccResult",
    "NanPolicy",
    "NestedIcc",
    "NoiseEstimate",
    "OmegaResult",
    "OutcomeModelResult",
    "RuptureSettings",
    "RuptureSummary",
    "SDiffMethod",
    "alliance_outcome_model",
    "classify_change",
    "clinical_cutoffs",
    "combine_recovery",
    "compare_wai_sr_models",
    "cronbach_alpha",
    "decompose_within_between",
    "detect_ruptures",
    "detection_accuracy",
    "detrend_within_client",
    "dyad_gaps",
    "estimate_noise_sd",
    "estimate_noise_sd_in_groups",
    "expected_false_alarm_rate",
    "expected_recovery_band",
    "find_ruptures",
    "first_session_pairs",
    "fit_cfa",
    "gas_t_score",
    "gas_t_scores",
    "icc",
    "icc_dyad_bootstrap",
    "icc_wide",
    "item_total_correlations",
    "lead_within_client",
    "mcdonald_omega",
    "min_drop_for",
    "min_drop_from_norms",
    "min_reliable_change",
    "not_on_track_rate",
    "on_track",
    "reliable_change_index",
    "reliable_change_se",
    "require_columns",
    "require_integer_sessions",
    "require_no_nulls",
    "require_numeric",
    "require_one_row_per_session",
    "rmsea_ml",
    "rupture_summary",
    "s_diff",
    "wai_sr_models",
]


def __getattr__(name: str) -> Any:
    """A public name of one of the modules, imported when first asked for (PEP 562)."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'alliance.stats' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"alliance.stats.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
