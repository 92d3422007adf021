"""The research report as plain data: what :func:`alliance.reports.build.build_report`
computes and :mod:`alliance.reports.html` renders.

Every number in the report lives here, so tests compare it with the
statistics functions called directly, and the HTML (and PDF) renderer only
formats. Charts are kept as :class:`alliance.charts.definitions.Chart`
definitions and rendered to inline SVG when the page is written.

>>> Wording().unit
'clients'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alliance.charts.definitions import Chart

__all__ = [
    "Coefficient",
    "DataSummary",
    "DistributionSection",
    "OutcomeSection",
    "ReliabilityRow",
    "ReliabilitySection",
    "Report",
    "RuptureRow",
    "RuptureSection",
    "TherapistRow",
    "Wording",
]


@dataclass(frozen=True)
class Wording:
    """The words that differ between the research report and a clinic's own report.

    ``unit`` / ``unit_one``: what the ids stand for, plural and singular
    (a clinic report may count episodes of care); ``therapists`` /
    ``therapist_one``: how the therapist column is named;
    ``data_source``: one phrase saying whose data these are.
    """

    title: str = "Alliance research report"
    subtitle: str = ""
    unit: str = "clients"
    unit_one: str = "client"
    therapists: str = "therapists"
    therapist_one: str = "therapist"
    data_source: str = "the data file"


@dataclass(frozen=True)
class DataSummary:
    """Section 1: what the data hold.

    ``instruments``: (instrument id, short name, what was found: "items",
    "scores" or "items and scores"). ``extra``: further (label, value) lines
    supplied by the caller (e.g. the clinic's count of clients).
    """

    source: str
    rows: int
    clients: int
    sessions_per_client_median: float
    sessions_per_client_max: int
    therapists: int | None
    instruments: tuple[tuple[str, str, str], ...]
    id_col: str
    session_col: str
    therapist_col: str | None
    alliance_col: str
    alliance_label: str
    outcome_col: str | None
    outcome_label: str | None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TherapistRow:
    """Descriptive statistics of the client means of one therapist's clients."""

    therapist: str
    clients: int
    sessions: int
    mean: float | None
    sd: float | None
    median: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class DistributionSection:
    """Section 2: one alliance value per client (the mean of the client's scored
    sessions), overall and by therapist."""

    alliance_col: str
    alliance_label: str
    scale_range: tuple[float, float]
    clients: int
    mean: float | None
    sd: float | None
    median: float | None
    q1: float | None
    q3: float | None
    low: float | None
    high: float | None
    chart: Chart
    by_therapist: tuple[TherapistRow, ...] = ()
    therapist_chart: Chart | None = None


@dataclass(frozen=True)
class RuptureRow:
    """Rupture counts and rates of one group of clients (all, or one therapist's).

    ``per_client``: ruptures / clients; ``per_100_sessions``: 100 *
    ruptures / scored sessions; ``share_repaired``: repaired / (repaired +
    not repaired), the :class:`alliance.stats.ruptures.RuptureSummary`
    ``repair_rate``. None where the denominator is 0.
    """

    group: str
    clients: int
    sessions: int
    ruptures: int
    clients_with_rupture: int
    repaired: int
    not_repaired: int
    censored: int
    unassessed: int
    per_client: float | None
    per_100_sessions: float | None
    share_repaired: float | None


@dataclass(frozen=True)
class RuptureSection:
    """Section 3: ruptures by the calibrated baseline rule (:func:`alliance.stats.ruptures.find_ruptures`).

    ``noise_sd`` and ``noise_source`` give the pooled session-to-session SD
    the rule used (None: too few data to estimate it, ruptures not
    assessed); ``false_alarms_per_100`` the expected flags per 100 stable
    sessions of the settings; ``rules`` the settings in words.
    """

    score_col: str
    noise_sd: float | None
    noise_source: str
    false_alarms_per_100: float | None
    rules: str
    overall: RuptureRow
    by_therapist: tuple[RuptureRow, ...] = ()
    chart: Chart | None = None


@dataclass(frozen=True)
class Coefficient:
    """One fixed effect of the outcome model, with its Wald interval."""

    term: str
    label: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float


@dataclass(frozen=True)
class OutcomeSection:
    """Section 4: the lagged within/between mixed model of
    :func:`alliance.stats.outcome.alliance_outcome_model`.

    ``fitted`` False means the model could not be fitted; ``reason`` says
    why (too little data, no outcome column, ...) and the coefficients are
    empty. ``reading``: sentences in plain language.
    """

    fitted: bool
    alliance_col: str
    outcome_col: str | None
    reason: str = ""
    lag: int = 1
    n_clients: int = 0
    n_obs: int = 0
    converged: bool = True
    coefficients: tuple[Coefficient, ...] = ()
    reading: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReliabilityRow:
    """Alpha (Feldt CI) and omega of one scale; ``note`` says why a value is missing."""

    instrument: str
    instrument_name: str
    scale: str
    items: int
    n: int
    alpha: float | None
    alpha_ci_low: float | None
    alpha_ci_high: float | None
    omega: float | None
    note: str = ""


@dataclass(frozen=True)
class ReliabilitySection:
    """Section 5: internal consistency of each instrument whose items are present."""

    rows_used: str
    rows: tuple[ReliabilityRow, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class Report:
    """The whole report: wording and five sections."""

    wording: Wording
    summary: DataSummary
    distribution: DistributionSection
    ruptures: RuptureSection
    outcome: OutcomeSection
    reliability: ReliabilitySection
    notes: tuple[str, ...] = field(default=())
