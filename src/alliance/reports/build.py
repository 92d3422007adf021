"""Build the research report from a scored data frame (no rendering here).

:func:`build_report` checks the columns, scores any instrument whose items
are present without scores, and fills the five sections of
:class:`alliance.reports.model.Report` by calling the statistics functions
of :mod:`alliance.stats`; nothing statistical is computed here beyond
descriptive summaries (means, SDs, quartiles by Polars) and counts.

>>> from alliance.simulate import simulate_cohort
>>> data = simulate_cohort(40, 6, seed=3, instruments=("wai_sr", "phq9")).data
>>> report = build_report(data)
>>> report.summary.alliance_col, report.summary.outcome_col, report.summary.clients
('wai_sr_total', 'phq9_total', 40)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from alliance.charts.definitions import alliance_distribution_chart, therapist_chart
from alliance.errors import DataError
from alliance.reports.columns import (
    ALLIANCE_DEFAULTS,
    OUTCOME_DEFAULTS,
    Found,
    ScaleInfo,
    default_column,
    find_instruments,
    require_column,
    scale_info,
    score_missing,
)
from alliance.reports.model import (
    Coefficient,
    DataSummary,
    DistributionSection,
    OutcomeSection,
    ReliabilityRow,
    ReliabilitySection,
    Report,
    RuptureRow,
    RuptureSection,
    TherapistRow,
    Wording,
)
from alliance.scoring.validate import check_duplicates
from alliance.stats.checks import require_no_nulls
from alliance.stats.outcome import BETWEEN, PRIOR, SESSION, WITHIN, alliance_outcome_model
from alliance.stats.reliability import cronbach_alpha, mcdonald_omega
from alliance.stats.rupture_noise import (
    NoiseEstimate,
    RuptureSettings,
    estimate_noise_sd,
    expected_false_alarm_rate,
)
from alliance.stats.ruptures import (
    RuptureSummary,
    detect_ruptures,
    rupture_summary,
)

__all__ = ["build_report"]


def build_report(
    frame: pl.DataFrame,
    *,
    id_col: str = "id",
    session_col: str = "session",
    therapist_col: str | None = None,
    alliance_col: str | None = None,
    outcome_col: str | None = None,
    noise_sd: float | None = None,
    wording: Wording | None = None,
    source: str = "",
    extra: Sequence[tuple[str, str]] = (),
) -> Report:
    """The report of one scored data frame (one row per client and session).

    ``therapist_col`` defaults to ``therapist`` when that column exists;
    ``alliance_col`` to the first of :data:`ALLIANCE_DEFAULTS` with the most
    scores, ``outcome_col`` likewise from :data:`OUTCOME_DEFAULTS` (no
    outcome: section 4 says so). ``noise_sd`` gives the alliance score's
    session-to-session SD for the rupture rule (default: estimated from the
    data, :func:`alliance.stats.rupture_noise.estimate_noise_sd`). Missing columns raise :class:`DataError` naming them.
    """
    if not isinstance(frame, pl.DataFrame):
        raise TypeError(f"frame must be a polars DataFrame, got {type(frame).__name__}")
    wording = wording or Wording()
    require_column(frame, id_col, "id")
    require_column(frame, session_col, "session")
    if therapist_col is not None:
        require_column(frame, therapist_col, "therapist")
    elif "therapist" in frame.columns and "therapist" not in (id_col, session_col):
        therapist_col = "therapist"
    frame = _clean_keys(frame, id_col, session_col, therapist_col)
    found, frame = _instruments(frame, id_col, session_col)
    a_col = _pick(frame, alliance_col, ALLIANCE_DEFAULTS, "alliance", required=True) or ""
    outcome_col = _pick(frame, outcome_col, OUTCOME_DEFAULTS, "outcome", required=False)
    if outcome_col == a_col:
        raise DataError(f"the alliance and outcome columns are both {outcome_col!r}")
    for col in (a_col, outcome_col):
        if col is not None and not frame.schema[col].is_numeric():
            raise DataError(
                f"column {col!r} must hold numbers, got {frame.schema[col]}", column=col
            )
    a_info = scale_info(frame, a_col)
    o_info = scale_info(frame, outcome_col) if outcome_col else None
    summary = _summary(frame, found, (id_col, session_col, therapist_col), source, extra)
    summary = replace(
        summary,
        alliance_col=a_col,
        alliance_label=a_info.label,
        outcome_col=outcome_col,
        outcome_label=o_info.label if o_info else None,
    )
    return Report(
        wording=wording,
        summary=summary,
        distribution=_distribution(frame, id_col, therapist_col, a_col, a_info, wording),
        ruptures=_ruptures(
            frame, id_col, session_col, therapist_col, a_col, a_info, noise_sd, wording
        ),
        outcome=_outcome(frame, id_col, session_col, a_col, a_info, outcome_col, o_info),
        reliability=_reliability(frame, found, id_col, session_col),
    )


# --- columns -----------------------------------------------------------------


def _clean_keys(
    frame: pl.DataFrame, id_col: str, session_col: str, therapist_col: str | None
) -> pl.DataFrame:
    """Ids and therapists as text, sessions as integers; no blank keys, no repeats."""
    for col in (id_col, session_col):
        require_no_nulls(frame, col)
    session = frame.get_column(session_col)
    if not session.dtype.is_integer():
        as_int = session.cast(pl.Int64, strict=False)
        bad = as_int.is_null() | (as_int.cast(pl.Float64) != session.cast(pl.Float64, strict=False))
        if bad.fill_null(True).any():
            row = int(bad.fill_null(True).arg_true()[0]) + 1
            raise DataError(
                f"column {session_col!r} must hold whole session numbers; row {row} has "
                f"{session[row - 1]!r}",
                row=row,
                column=session_col,
                value=session[row - 1],
            )
        frame = frame.with_columns(as_int.alias(session_col))
    casts = [pl.col(id_col).cast(pl.String)]
    if therapist_col is not None:
        casts.append(pl.col(therapist_col).cast(pl.String))
    frame = frame.with_columns(casts)
    check_duplicates(frame, (id_col, session_col))
    return frame


def _instruments(
    frame: pl.DataFrame, id_col: str, session_col: str
) -> tuple[list[Found], pl.DataFrame]:
    found = find_instruments(frame)
    frame, found = score_missing(frame, found, (id_col, session_col))
    return found, frame


def _pick(
    frame: pl.DataFrame,
    given: str | None,
    defaults: Sequence[str],
    what: str,
    *,
    required: bool,
) -> str | None:
    if given is not None:
        require_column(frame, given, what)
        return given
    chosen = default_column(frame, defaults, what)
    if chosen is None and required:
        raise DataError(
            f"no {what} score column found (looked for {', '.join(defaults)}); name one with "
            f"--{what}, or include the item columns (e.g. wai_sr_1 ... wai_sr_12) to be scored"
        )
    return chosen


def _num(value: object) -> float | None:
    """A Polars scalar as a finite float, or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


# --- section 1 ---------------------------------------------------------------


def _summary(
    frame: pl.DataFrame,
    found: Sequence[Found],
    keys: tuple[str, str, str | None],
    source: str,
    extra: Sequence[tuple[str, str]],
) -> DataSummary:
    id_col, session_col, therapist_col = keys
    per_client = frame.group_by(id_col).len().get_column("len")
    return DataSummary(
        source=source,
        rows=frame.height,
        clients=frame.get_column(id_col).n_unique(),
        sessions_per_client_median=_num(per_client.median()) or 0.0,
        sessions_per_client_max=int(per_client.max() or 0),  # type: ignore[arg-type]
        therapists=(
            frame.get_column(therapist_col).drop_nulls().n_unique()
            if therapist_col is not None
            else None
        ),
        instruments=tuple((f.instrument.id, f.instrument.short_name, f.what) for f in found),
        id_col=id_col,
        session_col=session_col,
        therapist_col=therapist_col,
        alliance_col="",
        alliance_label="",
        outcome_col=None,
        outcome_label=None,
        extra=tuple(extra),
    )


# --- section 2 ---------------------------------------------------------------


def _client_means(frame: pl.DataFrame, id_col: str, col: str, by: str | None) -> pl.DataFrame:
    """One row per client: the mean of the client's scored sessions (and the therapist)."""
    keys = [id_col] if by is None else [id_col, by]
    scored = frame.filter(pl.col(col).is_not_null())
    if by is not None:
        # a client seen by two therapists counts once for each
        scored = scored.filter(pl.col(by).is_not_null())
    return scored.group_by(keys, maintain_order=True).agg(
        pl.col(col).cast(pl.Float64).mean().alias("mean"), pl.len().alias("sessions")
    )


def _describe(values: pl.Series) -> dict[str, float | None]:
    return {
        "mean": _num(values.mean()),
        "sd": _num(values.std()) if values.len() > 1 else None,
        "median": _num(values.median()),
        "q1": _num(values.quantile(0.25, "linear")),
        "q3": _num(values.quantile(0.75, "linear")),
        "low": _num(values.min()),
        "high": _num(values.max()),
    }


def _distribution(
    frame: pl.DataFrame,
    id_col: str,
    therapist_col: str | None,
    col: str,
    info: ScaleInfo,
    wording: Wording,
) -> DistributionSection:
    means = _client_means(frame, id_col, col, None).get_column("mean")
    stats_ = _describe(means)
    lo, hi = info.low, info.high
    known = [float(v) for v in means.to_list() if v is not None]
    if known:  # a custom column's range is the data's; never cut a value off the chart
        lo, hi = min(lo, min(known)), max(hi, max(known))
    chart = alliance_distribution_chart(
        known,
        bins=nice_edges(lo, hi),
        value_range=(lo, hi),
        title=f"{info.label}: one mean per {wording.unit_one}",
        x_label=f"{info.label}, mean over each {wording.unit_one}'s sessions",
        y_label=f"Number of {wording.unit}",
    )
    rows: list[TherapistRow] = []
    t_chart = None
    if therapist_col is not None:
        per = _client_means(frame, id_col, col, therapist_col)
        for name, part in sorted(per.group_by(therapist_col), key=lambda g: str(g[0][0])):
            d = _describe(part.get_column("mean"))
            rows.append(
                TherapistRow(
                    therapist=str(name[0]),
                    clients=part.height,
                    sessions=int(part.get_column("sessions").sum()),
                    mean=d["mean"],
                    sd=d["sd"],
                    median=d["median"],
                    low=d["low"],
                    high=d["high"],
                )
            )
        if rows:
            t_chart = therapist_chart(
                {r.therapist: r.mean for r in rows},
                x_min=lo,
                x_max=hi,
                clinic_mean=stats_["mean"],
                title=f"Mean {info.label} of each therapist's clients",
                x_label=f"{info.label} (mean of client means)",
                notes={r.therapist: f"n = {r.clients} {wording.unit}" for r in rows},
            )
    return DistributionSection(
        alliance_col=col,
        alliance_label=info.label,
        scale_range=(info.low, info.high),
        clients=len(known),
        chart=chart,
        by_therapist=tuple(rows),
        therapist_chart=t_chart,
        **stats_,
    )


def nice_edges(low: float, high: float, most: int = 12) -> list[float]:
    """Histogram bin edges on a round step (1, 2, 2.5 or 5 times a power of ten)
    covering ``low`` to ``high`` with at most ``most`` bins.

    >>> nice_edges(12, 60)
    [10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0]
    >>> nice_edges(0, 5)[:3]
    [0.0, 0.5, 1.0]
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        raise ValueError(f"need a finite range with high > low, got {low} to {high}")
    span = high - low
    base = 10.0 ** math.floor(math.log10(span / most))
    step = next(m * base for m in (1.0, 2.0, 2.5, 5.0, 10.0) if span / (m * base) <= most)
    start = math.floor(low / step + 1e-9) * step
    stop = math.ceil(high / step - 1e-9) * step
    count = round((stop - start) / step)
    return [round(start + i * step, 10) for i in range(count + 1)]


# --- section 3 ---------------------------------------------------------------


def _first_administrations(
    frame: pl.DataFrame, id_col: str, session_col: str, columns: Sequence[str]
) -> pl.DataFrame:
    """Each client's first session with any of ``columns`` answered."""
    answered = pl.any_horizontal([pl.col(c).is_not_null() for c in columns])
    return (
        frame.filter(answered)
        .sort(id_col, session_col)
        .group_by(id_col, maintain_order=True)
        .first()
    )


def _noise(
    frame: pl.DataFrame, id_col: str, session_col: str, col: str, given: float | None
) -> NoiseEstimate | None:
    """The pooled session-to-session SD: given, else estimated from the data (None: too few)."""
    if given is not None:
        if not (math.isfinite(given) and given > 0):
            raise ValueError(f"noise_sd must be a positive number, got {given}")
        return NoiseEstimate(given, 0, 0, "given", "given by the caller")
    try:
        return estimate_noise_sd(frame, score=col, id_col=id_col, session_col=session_col)
    except DataError:
        return None


def _rupture_row(group: str, s: RuptureSummary) -> RuptureRow:
    return RuptureRow(
        group=group,
        clients=s.clients,
        sessions=s.sessions,
        ruptures=s.ruptures,
        clients_with_rupture=s.clients_with_rupture,
        repaired=s.repaired,
        not_repaired=s.not_repaired,
        censored=s.censored,
        unassessed=s.unassessed,
        per_client=s.ruptures / s.clients if s.clients else None,
        per_100_sessions=100 * s.rupture_rate if s.sessions else None,
        share_repaired=None if math.isnan(s.repair_rate) else s.repair_rate,
    )


def _ruptures(
    frame: pl.DataFrame,
    id_col: str,
    session_col: str,
    therapist_col: str | None,
    col: str,
    info: ScaleInfo,
    given: float | None,
    wording: Wording,
) -> RuptureSection:
    noise = _noise(frame, id_col, session_col, col, given)
    settings = RuptureSettings()
    flags = detect_ruptures(
        frame.select(id_col, session_col, col),
        score=col,
        id_col=id_col,
        session_col=session_col,
        min_drop=None,
        sd_k=None,
        min_prior=settings.min_prior,
        repair_within=settings.repair_within,
        higher_is_better=info.higher_is_better is not False,
        noise_sd=None if noise is None else noise.sd,
        z_k=settings.z_k,
        drop_k=settings.drop_k,
        repair_z=settings.repair_z,
    )
    overall = _rupture_row("All", rupture_summary(flags, id_col=id_col))
    rows: list[RuptureRow] = []
    chart = None
    if therapist_col is not None:
        joined = flags.join(
            frame.select(id_col, session_col, therapist_col), on=[id_col, session_col], how="left"
        ).filter(pl.col(therapist_col).is_not_null())
        for name, part in sorted(joined.group_by(therapist_col), key=lambda g: str(g[0][0])):
            rows.append(_rupture_row(str(name[0]), rupture_summary(part, id_col=id_col)))
        rates = {r.group: r.per_100_sessions for r in rows}
        top = max([v for v in rates.values() if v is not None] + [1.0])
        if rows:
            chart = therapist_chart(
                rates,
                x_min=0.0,
                x_max=float(math.ceil(top * 1.1)),
                clinic_mean=overall.per_100_sessions,
                title="Ruptures per 100 sessions by therapist",
                x_label="Ruptures per 100 scored sessions",
                notes={r.group: f"{r.ruptures} ruptures in {r.sessions} sessions" for r in rows},
            )
    if noise is None:
        rules = (
            f"Ruptures not assessed: fewer than 30 session-to-session differences in {col}, too "
            "few to estimate how much a client's score moves from session to session."
        )
        rate = None
    else:
        rate = expected_false_alarm_rate(settings).per_100_sessions
        rules = (
            f"A session counts as a rupture when its {info.label} score lies at least "
            f"{settings.z_k:g} standard errors below the mean of the {wording.unit_one}'s earlier "
            f"sessions (at least {settings.min_prior}) and fell at least one session-to-session "
            f"SD from the previous session. Session-to-session SD {noise.sd:.3f} ({noise.source}; "
            f"{noise.method}). Repaired: back within {settings.repair_z:g} standard errors of that "
            f"mean within {settings.repair_within} sessions; 'too soon to tell' when the "
            f"{wording.unit}' data end earlier. Expected false alarms on stable series: "
            f"{rate:.1f} per 100 sessions."
        )
    return RuptureSection(
        score_col=col,
        noise_sd=None if noise is None else noise.sd,
        noise_source="not estimated" if noise is None else noise.source,
        false_alarms_per_100=rate,
        rules=rules,
        overall=overall,
        by_therapist=tuple(rows),
        chart=chart,
    )


# --- section 4 ---------------------------------------------------------------

_TERM_LABELS = {
    "Intercept": "Intercept",
    WITHIN: "Alliance, within client (session minus the client's own trend)",
    BETWEEN: "Alliance, between clients (client's mean)",
    SESSION: "Session number (of the outcome)",
    PRIOR: "Outcome at the alliance's session (prior outcome)",
}


def _outcome(
    frame: pl.DataFrame,
    id_col: str,
    session_col: str,
    a_col: str,
    a_info: ScaleInfo,
    o_col: str | None,
    o_info: ScaleInfo | None,
) -> OutcomeSection:
    if o_col is None or o_info is None:
        return OutcomeSection(
            fitted=False,
            alliance_col=a_col,
            outcome_col=None,
            reason=(
                "No outcome score column found (looked for "
                f"{', '.join(OUTCOME_DEFAULTS)}); name one with --outcome."
            ),
        )
    try:
        fit = alliance_outcome_model(
            frame.select(id_col, session_col, a_col, o_col),
            id_col=id_col,
            session_col=session_col,
            alliance_col=a_col,
            outcome_col=o_col,
        )
    except ValueError as exc:
        return OutcomeSection(
            fitted=False,
            alliance_col=a_col,
            outcome_col=o_col,
            reason=f"The model could not be fitted: {exc}.",
        )
    coefs = tuple(
        Coefficient(
            term=str(r["term"]),
            label=_TERM_LABELS.get(str(r["term"]), str(r["term"])),
            estimate=float(r["estimate"]),
            se=float(r["se"]),
            ci_low=float(r["ci_low"]),
            ci_high=float(r["ci_high"]),
            p=float(r["p"]),
        )
        for r in fit.params.iter_rows(named=True)
    )
    return OutcomeSection(
        fitted=True,
        alliance_col=a_col,
        outcome_col=o_col,
        lag=fit.lag,
        n_clients=fit.n_clients,
        n_obs=fit.n_obs,
        converged=fit.converged,
        coefficients=coefs,
        reading=_reading(coefs, a_info, o_info, fit.lag),
        warnings=fit.warnings,
    )


def _direction(estimate: float, o_info: ScaleInfo) -> str:
    """'lower' / 'higher', with whether that is better on this outcome."""
    word = "lower" if estimate < 0 else "higher"
    if o_info.higher_is_better is None:
        return word
    better = (estimate > 0) == o_info.higher_is_better
    return f"{word} ({'better' if better else 'worse'} on this measure)"


def _ci_words(c: Coefficient) -> str:
    ci = f"95% CI {c.ci_low:.2f} to {c.ci_high:.2f}"
    if c.ci_low <= 0 <= c.ci_high:
        return f"{ci}; the interval includes no effect, so the data cannot tell the direction"
    return f"{ci}; the interval excludes no effect"


def _reading(
    coefs: Sequence[Coefficient], a_info: ScaleInfo, o_info: ScaleInfo, lag: int
) -> tuple[str, ...]:
    by = {c.term: c for c in coefs}
    later = "the next session" if lag == 1 else f"{lag} sessions later"
    out = []
    w = by.get(WITHIN)
    if w is not None:
        out.append(
            f"Within clients: in a session where a client's {a_info.label} was 1 point above "
            f"their own trend, their {o_info.label} score at {later} was {abs(w.estimate):.2f} "
            f"points {_direction(w.estimate, o_info)}, given their {o_info.label} score in that "
            f"session ({_ci_words(w)}). The model allows each client their own trend over "
            "sessions (random slope; the alliance detrended within client), so clients whose "
            "alliance and symptoms both change over time do not make a within effect appear "
            "(Curran & Bauer 2011; Wang & Maxwell 2015; Falkenstroem et al. 2017)."
        )
    b = by.get(BETWEEN)
    if b is not None:
        out.append(
            f"Between clients: clients whose average {a_info.label} was 1 point higher had "
            f"{o_info.label} scores {abs(b.estimate):.2f} points {_direction(b.estimate, o_info)}, "
            f"at the same session number and prior score ({_ci_words(b)})."
        )
    s = by.get(SESSION)
    if s is not None:
        out.append(
            f"Session number: {s.estimate:+.2f} {o_info.label} points per session, given the prior "
            "score (with the prior score in the model this is not the average change per "
            "session)."
        )
    out.append(
        "These are associations in observational data, not proof that the alliance causes "
        "the change (Curran & Bauer 2011; Falkenstroem et al. 2017)."
    )
    return tuple(out)


# --- section 5 ---------------------------------------------------------------


def _reliability(
    frame: pl.DataFrame, found: Sequence[Found], id_col: str, session_col: str
) -> ReliabilitySection:
    with_items = [f for f in found if f.items]
    rows_used = (
        "Each client's first administration of each instrument (the first session with any "
        "of its items answered), since repeated sessions of one client are not independent; "
        "rows with a missing item are left out (listwise)."
    )
    if not with_items:
        return ReliabilitySection(
            rows_used=rows_used,
            reason=(
                "The data hold scale scores but no item columns; reliability needs the "
                "item-level answers (e.g. wai_sr_1 ... wai_sr_12)."
            ),
        )
    rows: list[ReliabilityRow] = []
    for f in with_items:
        inst = f.instrument
        first = _first_administrations(frame, id_col, session_col, f.items)
        for scale in inst.scales:
            cols = [inst.item_column(n) for n in scale.items]
            if len(cols) < 2 or scale.method == "gas_t" or not all(c in f.items for c in cols):
                continue
            rows.append(_reliability_row(inst.id, inst.short_name, scale.label, first, cols))
    return ReliabilitySection(rows_used=rows_used, rows=tuple(rows))


def _reliability_row(
    inst_id: str, name: str, scale: str, first: pl.DataFrame, cols: Sequence[str]
) -> ReliabilityRow:
    items = first.select(cols)
    n = items.drop_nulls().height
    alpha = low = high = omega = None
    notes = []
    try:
        a = cronbach_alpha(items, nan_policy="listwise")
        alpha, low, high = a.alpha, a.ci_low, a.ci_high
    except ValueError as exc:
        notes.append(f"alpha: {exc}")
    if len(cols) >= 3:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                omega = mcdonald_omega(items, nan_policy="listwise").omega
            except ValueError as exc:
                notes.append(f"omega: {exc}")
        notes.extend(f"omega: {w.message}" for w in caught)
    else:
        notes.append("omega needs at least 3 items")
    return ReliabilityRow(
        instrument=inst_id,
        instrument_name=name,
        scale=scale,
        items=len(cols),
        n=n,
        alpha=alpha,
        alpha_ci_low=low,
        alpha_ci_high=high,
        omega=omega,
        note="; ".join(dict.fromkeys(notes)),
    )
