"""Every threshold the alert rules use, each with where its number comes from.

Most alliance thresholds have no published norm: their source says
"project default, not a validated cut-off", and a clinic may change them.
Outcome thresholds (reliable change on the PHQ-9 and GAD-7) and the risk
flag are read from the instrument files, so the clinic and the research
tools use the same numbers.

To change a threshold, build a new config (and say where your number comes
from)::

    AlertConfig(goal_revisit_sessions=6, sources={"goal_revisit_sessions": "our protocol"})

Given sources replace the defaults of the same name; the rest keep theirs.
A client's expected band is set per client with ``dataclasses.replace``.

Example:
    >>> c = AlertConfig()
    >>> c.reliable_change["phq9_total"], c.reliable_change["gad7_total"]
    (6.0, 4.0)
    >>> PROJECT_DEFAULT in c.sources["disagreement_gap"]
    True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType

from alliance.alerts.scales import ScoreInfo, describe, describe_flag
from alliance.instruments import get
from alliance.stats.rupture_noise import RuptureSettings
from alliance.stats.trajectories import DEFAULT_COVERAGE

__all__ = ["PROJECT_DEFAULT", "AlertConfig", "default_sources", "instrument_change"]

PROJECT_DEFAULT = "project default, not a validated cut-off"

#: Fields that hold metadata, not thresholds: they need no source.
_NOT_THRESHOLDS = ("sources", "scales", "flag_messages")


def instrument_change(column: str) -> tuple[float, str]:
    """Minimum reliable change of a score column, and its source, from the instrument file."""
    info = describe(column)
    norms = get(info.instrument).scale(info.topic).change
    if norms is None or norms.min_reliable_change is None:
        raise ValueError(f"{column!r}: the instrument file gives no min_reliable_change")
    return norms.min_reliable_change, f"{info.label}: {norms.source}"


def _risk_source() -> str:
    flag = next(f for f in get("phq9").flags if f.id == "risk")
    return f"PHQ-9 instrument file, flag 'risk': {flag.source}"


_ALLIANCE_NOTE = (
    "no published reliable-change norm exists for the SAI or the WAI-SR "
    "(their instrument files say published = false)"
)

_SOURCES: dict[str, str] = {
    "alliance_scores": "Project choice, not a norm: the SAI is made for session-by-session use "
    "(Falkenstroem et al. 2015); the WAI-SR item mean is used where no SAI was given.",
    "rupture_noise_sd": f"{PROJECT_DEFAULT}; documented default until the clinic has its own estimate "
    "(alliance.alerts.rupture.with_clinic_noise, at least 200 session-to-session differences): "
    "not a published norm, "
    f"{_ALLIANCE_NOTE} and no published within-client SD was retrieved. SAI composite 0.35 = the "
    "session-to-session SD of the simulated SAI used in the audit of issue #11; WAI-SR item mean "
    "0.175 = the same simulator's (alliance.simulate, estimate_noise_sd over 2,000 clients).",
    "rupture_z_k": f"{PROJECT_DEFAULT}: a score 2.2 standard errors below the client's "
    "baseline (mean of earlier sessions, pooled noise SD); with rupture_drop_k about 1 false "
    "alarm per 100 stable sessions (alliance.stats.rupture_noise.expected_false_alarm_rate; "
    "bench/README.md, Ruptures).",
    "rupture_drop_k": f"{PROJECT_DEFAULT}: the score also fell at least 1 noise SD from the "
    "previous session (a sudden fall; a rupture that stays low is flagged once).",
    "rupture_min_prior": f"{PROJECT_DEFAULT}: the baseline needs at least 3 earlier sessions "
    "(PSYCHOMETRICS.md s.5).",
    "rupture_repair_within": f"{PROJECT_DEFAULT}: repaired when the score returns within 3 "
    "sessions (PSYCHOMETRICS.md s.5).",
    "rupture_repair_z": f"{PROJECT_DEFAULT}: 'returned' = back within 0.5 standard errors of "
    "the client's pre-rupture baseline (right for 93% of simulated repairs and 83% of "
    "unrepaired ruptures; bench/README.md, Ruptures).",
    "low_alliance": f"{PROJECT_DEFAULT}: WAI-SR item mean below 3 = answered less than "
    "'Fairly often' on average; SAI mean below 2.5 = below the middle of its 0-5 scale "
    "(response points unconfirmed [check]). WAI-SR vendor bands have no validation.",
    "low_alliance_confirm": f"{PROJECT_DEFAULT}: the score is below its threshold in 2 measured "
    "sessions in a row before the rule warns (one noisy session is not a low alliance; a sudden "
    "fall is the rupture rule's). One alert per spell below the threshold, keyed on its first "
    "session; base rate on stable simulated clients in bench/README.md, 'Alert base rates'.",
    "low_alliance_at_once": f"{PROJECT_DEFAULT}: a score this low warns after one session, "
    "without waiting for a second: a WAI-SR item mean below 2 ('Sometimes'), an SAI mean below "
    "1.5 (response points unconfirmed [check]). Early alliance predicts dropout, and a session "
    "this low is rarely noise (base rate in bench/README.md, 'Alert base rates').",
    "falling_sessions": f"{PROJECT_DEFAULT}: the trend is fitted over the last 4 measured "
    "sessions.",
    "falling_z": f"{PROJECT_DEFAULT}: the fall must also be beyond noise: the OLS slope at least "
    "2.33 standard errors below 0 (one-sided 1%), its standard error from the same pooled "
    "session-to-session noise SD as the rupture rule (rupture_noise_sd, the clinic's own once it "
    "has enough data). 0 turns this test off.",
    "falling_slope": f"{PROJECT_DEFAULT}: an OLS slope of -0.25 item-mean points per session "
    "or steeper (about one response step over 4 sessions).",
    "disagreement_gap": f"{PROJECT_DEFAULT}: client and therapist item means at least 1 point "
    "(one response step) apart; the therapist form is an adapted parallel form, not a "
    "validated instrument (PSYCHOMETRICS.md s.1).",
    "disagreement_confirm": f"{PROJECT_DEFAULT}: the gap, in the same direction, in 2 sessions "
    "in a row rated by both; clients commonly rate the alliance higher than their therapists "
    "(Tryon, Blackwell & Hammel 2007), so one session's gap is common and says little.",
    "disagreement_pairs": "WAI-SR client form and its therapist parallel form (adapted): same "
    "items, response scale and subscale key, so their item means share one metric.",
    "deterioration_scores": "Outcome measures watched for reliable deterioration: a rise of at "
    "least reliable_change from the first measured session.",
    "deterioration_confirm": f"{PROJECT_DEFAULT}: reliably worse than the first session in 2 "
    "measured sessions in a row. Reliable change is a test of two measurements; applied after "
    "every session it is tested many times, so one reading past it is often noise.",
    "expected_band": "Supplied by the caller for this client (e.g. alliance.stats.trajectories, "
    "fitted on the service's own cohort); no published expected-trajectory norm is shipped. "
    "None turns the rule off.",
    "expected_band_score": "The outcome score the expected band describes.",
    "expected_band_coverage": f"{PROJECT_DEFAULT}: the central coverage of the expected band "
    "(alliance.stats.trajectories.DEFAULT_COVERAGE, 0.9, chosen for its base rate: 17% of "
    "stable simulated clients flagged at least once in 12 sessions, against 65% for the 50% "
    "band first built; Finch, Lambert & "
    "Schaalje 2001 describe such bands, their boundaries not retrieved [check]). A client on "
    "the service's typical course is 'not on track' in (1 - coverage) / 2 of sessions: 25% at "
    "0.5, 5% at 0.9 (alliance.stats.trajectories.not_on_track_rate; bench/README.md, Alert "
    "base rates).",
    "goal_revisit_sessions": f"{PROJECT_DEFAULT}: goals rated at least every 4 sessions.",
    "tasks_window": f"{PROJECT_DEFAULT}: the last 3 tasks that were due and answered.",
    "tasks_min_not_done": f"{PROJECT_DEFAULT}: 2 or more of those not done.",
    "expectations_score": "Reliable improvement on this score uses reliable_change.",
    "usual_sessions": f"{PROJECT_DEFAULT}: a typical course length; set your service's figure.",
    "short_expectation_fraction": f"{PROJECT_DEFAULT}: expecting fewer than half the usual "
    "number of sessions.",
}


def default_sources() -> dict[str, str]:
    """The source of every default threshold (reads the instrument files)."""
    sources = dict(_SOURCES)
    notes = [instrument_change(c)[1] for c in ("phq9_total", "gad7_total")]
    sources["reliable_change"] = (
        "Instrument files (the same number serves a rise, reliable deterioration, and a "
        "fall, reliable improvement): " + " ".join(notes)
    )
    sources["risk_flags"] = _risk_source()
    return sources


def _proxy(**values: float) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


def _reliable_change() -> Mapping[str, float]:
    return _proxy(**{c: instrument_change(c)[0] for c in ("phq9_total", "gad7_total")})


def _disagreement_pairs() -> Mapping[str, str]:
    return MappingProxyType(
        {f"wai_sr_{s}_mean": f"wai_sr_t_{s}_mean" for s in ("goal", "task", "bond")}
    )


@dataclass(frozen=True)
class AlertConfig:
    """Thresholds of every alert rule; ``sources`` says where each number comes from.

    Score columns are those :func:`alliance.scoring.score` writes. Mappings
    keyed by column hold one threshold per score column.
    """

    alliance_scores: tuple[str, ...] = ("sai_total", "wai_sr_total_mean")
    rupture_noise_sd: Mapping[str, float] = field(
        default_factory=lambda: _proxy(sai_total=0.35, wai_sr_total_mean=0.175)
    )
    rupture_z_k: float = 2.2
    rupture_drop_k: float = 1.0
    rupture_min_prior: int = 3
    rupture_repair_within: int = 3
    rupture_repair_z: float = 0.5
    low_alliance: Mapping[str, float] = field(
        default_factory=lambda: _proxy(
            sai_total=2.5, wai_sr_goal_mean=3.0, wai_sr_task_mean=3.0, wai_sr_bond_mean=3.0
        )
    )
    low_alliance_confirm: int = 2
    low_alliance_at_once: Mapping[str, float] = field(
        default_factory=lambda: _proxy(
            sai_total=1.5, wai_sr_goal_mean=2.0, wai_sr_task_mean=2.0, wai_sr_bond_mean=2.0
        )
    )
    falling_sessions: int = 4
    falling_slope: Mapping[str, float] = field(
        default_factory=lambda: _proxy(sai_total=-0.25, wai_sr_total_mean=-0.25)
    )
    falling_z: float = 2.33
    disagreement_gap: float = 1.0
    disagreement_confirm: int = 2
    disagreement_pairs: Mapping[str, str] = field(default_factory=_disagreement_pairs)
    reliable_change: Mapping[str, float] = field(default_factory=_reliable_change)
    deterioration_scores: tuple[str, ...] = ("phq9_total", "gad7_total")
    deterioration_confirm: int = 2
    expected_band: Mapping[int, tuple[float, float]] | None = None
    expected_band_score: str = "phq9_total"
    expected_band_coverage: float = DEFAULT_COVERAGE
    risk_flags: tuple[str, ...] = ("phq9_flag_risk",)
    goal_revisit_sessions: int = 4
    tasks_window: int = 3
    tasks_min_not_done: int = 2
    expectations_score: str = "phq9_total"
    usual_sessions: int = 12
    short_expectation_fraction: float = 0.5
    sources: Mapping[str, str] = field(default_factory=dict)
    scales: Mapping[str, ScoreInfo] = field(init=False, repr=False, compare=False)
    flag_messages: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        merged = {**default_sources(), **self.sources}
        object.__setattr__(self, "sources", MappingProxyType(merged))
        _check(self)
        info = {c: describe(c) for c in _score_columns(self)}
        object.__setattr__(self, "scales", MappingProxyType(info))
        messages = {f: describe_flag(f) for f in self.risk_flags}
        object.__setattr__(self, "flag_messages", MappingProxyType(messages))

    def rupture_settings(self) -> RuptureSettings:
        """The rupture rule's settings as the research detector takes them."""
        return RuptureSettings(
            z_k=self.rupture_z_k,
            drop_k=self.rupture_drop_k,
            min_prior=self.rupture_min_prior,
            repair_within=self.rupture_repair_within,
            repair_z=self.rupture_repair_z,
        )

    def source(self, name: str) -> str:
        """Where the threshold ``name`` comes from."""
        return self.sources[name]

    @classmethod
    def threshold_names(cls) -> tuple[str, ...]:
        """Names of the fields that need a source."""
        return tuple(f.name for f in fields(cls) if f.name not in _NOT_THRESHOLDS)


def _score_columns(c: AlertConfig) -> list[str]:
    columns = [
        *c.alliance_scores,
        *c.rupture_noise_sd,
        *c.low_alliance,
        *c.low_alliance_at_once,
        *c.falling_slope,
        *c.disagreement_pairs,
        *c.disagreement_pairs.values(),
        *c.reliable_change,
        *c.deterioration_scores,
        c.expected_band_score,
        c.expectations_score,
    ]
    return list(dict.fromkeys(columns))


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


def _check(c: AlertConfig) -> None:
    for column in c.alliance_scores:
        _require(column in c.rupture_noise_sd, f"rupture_noise_sd has no entry for {column!r}")
        _require(column in c.falling_slope, f"falling_slope has no entry for {column!r}")
    for column, at_once in c.low_alliance_at_once.items():
        low = c.low_alliance.get(column, at_once)
        _require(
            at_once <= low,
            f"low_alliance_at_once for {column!r} is above its low_alliance",
        )
    for column in (*c.deterioration_scores, c.expectations_score):
        _require(column in c.reliable_change, f"reliable_change has no entry for {column!r}")
    for name in ("rupture_z_k", "disagreement_gap", "short_expectation_fraction"):
        _require(getattr(c, name) > 0, f"{name} must be above 0")
    _require(c.rupture_drop_k >= 0, "rupture_drop_k must be 0 or more")
    _require(c.falling_z >= 0, "falling_z must be 0 or more")
    for column, sd in c.rupture_noise_sd.items():
        _require(sd > 0, f"rupture_noise_sd for {column!r} must be above 0")
    _require(c.rupture_min_prior >= 2, "rupture_min_prior must be 2 or more")
    for name in (
        "rupture_repair_within",
        "goal_revisit_sessions",
        "usual_sessions",
        "low_alliance_confirm",
        "disagreement_confirm",
        "deterioration_confirm",
    ):
        _require(getattr(c, name) >= 1, f"{name} must be 1 or more")
    _require(c.falling_sessions >= 2, "falling_sessions must be 2 or more (a slope needs 2 points)")
    _require(
        1 <= c.tasks_min_not_done <= c.tasks_window, "need 1 <= tasks_min_not_done <= tasks_window"
    )
    _require(0 < c.expected_band_coverage < 1, "expected_band_coverage must lie between 0 and 1")
    for low, high in (c.expected_band or {}).values():
        _require(low <= high, f"expected_band has low {low} above high {high}")
    missing = [n for n in AlertConfig.threshold_names() if n not in c.sources]
    _require(not missing, f"no source for {missing}")
