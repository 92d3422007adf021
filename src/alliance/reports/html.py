"""Render a :class:`alliance.reports.model.Report` as self-contained HTML.

:func:`report_body` gives the sections as an HTML fragment (the clinic web
page puts it inside the app's layout, styled by the app's own stylesheet);
:func:`report_html` a whole document with inline CSS (screen and A4 print),
inline SVG charts, no scripts and no external URLs, which
:func:`alliance.reports.pdf.html_to_pdf` turns into a PDF. Every text that
comes from the data (therapist names, column names, messages) is escaped.

>>> from alliance.simulate import simulate_cohort
>>> from alliance.reports.build import build_report
>>> page = report_html(build_report(simulate_cohort(30, 5, seed=2, instruments=("sai",)).data))
>>> page.startswith("<!doctype html>"), page.count("<svg") >= 1
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date
from html import escape

from alliance.charts.definitions import Chart
from alliance.reports.model import (
    DataSummary,
    DistributionSection,
    OutcomeSection,
    ReliabilitySection,
    Report,
    RuptureRow,
    RuptureSection,
    Wording,
)

__all__ = ["HEADINGS", "report_body", "report_html"]

#: The section headings, in order (tests look for them in the PDF text).
HEADINGS: tuple[str, ...] = (
    "1. The data",
    "2. Alliance across clients and therapists",
    "3. Ruptures and repair",
    "4. Alliance and outcome",
    "5. Reliability of each instrument",
)

CSS = """
:root { --ink: #1f2328; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; }
html { font-family: "DejaVu Sans", Arial, Helvetica, sans-serif; color: var(--ink);
  font-size: 15px; line-height: 1.45; }
body { max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid var(--line);
  padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1.1rem 0 .4rem; }
p { margin: .4rem 0; }
.muted { color: var(--muted); }
.small { font-size: .85rem; }
.lead { font-size: 1.05rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; font-size: .88rem; }
th, td { border-bottom: 1px solid var(--line); padding: .28rem .45rem; text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
figure.chart { margin: .6rem 0 1rem; }
figure.chart svg { width: 100%; max-width: 40rem; height: auto; display: block; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; border: 0; padding: 0; margin: -1px; }
.note { background: var(--soft); border-left: 3px solid var(--line); padding: .4rem .7rem; }
@page { size: A4; margin: 16mm 15mm 18mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt;
    color: #57606a; } }
@media print {
  html { font-size: 10pt; }
  body { max-width: none; margin: 0; padding: 0; }
  h2, h3 { break-after: avoid; }
  figure.chart, tr, .note { break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  p.small { break-inside: avoid; break-before: avoid; }
  figure.chart svg { max-width: 11cm; }
  table { font-size: 8.5pt; }
  .visually-hidden { display: none; }
}
"""


# --- formatting ----------------------------------------------------------------


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _f(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _p(value: float) -> str:
    return "< .001" if value < 0.001 else f"{value:.3f}".replace("0.", ".", 1)


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A table from already-escaped cells; ``numeric`` right-aligns columns."""

    def cls(i: int) -> str:
        return ' class="num"' if numeric[i] else ""

    th = "".join(f'<th scope="col"{cls(i)}>{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{c}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f'<div class="table-wrap"><table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div>'


def _figure(chart: Chart | None) -> str:
    """The chart's SVG and its (visually hidden) data table; the chart escapes its text."""
    return (
        "" if chart is None else f'<figure class="chart">{chart.svg()}{chart.table_html()}</figure>'
    )


# --- sections ------------------------------------------------------------------


def _summary(s: DataSummary, w: Wording) -> str:
    unit, one, therapists = w.unit, w.unit_one, w.therapists
    facts = [
        ("Source", _e(s.source or "data frame")),
        ("Rows (client sessions)", f"{s.rows:,}"),
        (unit.capitalize(), f"{s.clients:,}"),
        (
            f"Sessions per {one}",
            f"median {_f(s.sessions_per_client_median, 1)}, most {s.sessions_per_client_max}",
        ),
    ]
    if s.therapists is not None:
        facts.append((therapists.capitalize(), f"{s.therapists:,}"))
    facts.extend((_e(k), _e(v)) for k, v in s.extra)
    facts.append(
        ("Alliance measure", f"{_e(s.alliance_label)} (<code>{_e(s.alliance_col)}</code>)")
    )
    outcome = (
        f"{_e(s.outcome_label)} (<code>{_e(s.outcome_col)}</code>)"
        if s.outcome_col
        else "none found"
    )
    facts.append(("Outcome measure", outcome))
    cols = f"id: <code>{_e(s.id_col)}</code>; session: <code>{_e(s.session_col)}</code>"
    if s.therapist_col:
        cols += f"; therapist: <code>{_e(s.therapist_col)}</code>"
    facts.append(("Key columns", cols))
    dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts)
    inst = (
        _table(
            ["Instrument", "Id", "Found"],
            ([_e(name), f"<code>{_e(i)}</code>", _e(what)] for i, name, what in s.instruments),
            [False, False, False],
        )
        if s.instruments
        else '<p class="muted">No known instrument\'s columns were found.</p>'
    )
    return f'<dl class="facts">{dl}</dl><h3>Instruments found</h3>{inst}'


def _distribution(d: DistributionSection, w: Wording) -> str:
    unit, one, t_one = w.unit, w.unit_one, w.therapist_one
    lo, hi = d.scale_range
    lead = (
        f"<p>One value per {_e(one)}: the mean of their scored sessions on "
        f"{_e(d.alliance_label)} (possible range {_f(lo, 0)} to {_f(hi, 0)}, higher = stronger "
        f"alliance). {d.clients:,} {_e(unit)} have at least one score.</p>"
    )
    stats = _table(
        ["Mean", "SD", "Median", "Quartiles", "Lowest", "Highest"],
        [
            [
                _f(d.mean),
                _f(d.sd),
                _f(d.median),
                f"{_f(d.q1)} to {_f(d.q3)}",
                _f(d.low),
                _f(d.high),
            ]
        ],
        [True] * 6,
    )
    out = lead + stats + _figure(d.chart)
    if d.by_therapist:
        out += f"<h3>By {_e(t_one)}</h3>" + _figure(d.therapist_chart)
        out += _table(
            [t_one.capitalize(), unit.capitalize(), "Sessions", "Mean", "SD", "Median", "Range"],
            (
                [
                    _e(r.therapist),
                    str(r.clients),
                    str(r.sessions),
                    _f(r.mean),
                    _f(r.sd),
                    _f(r.median),
                    f"{_f(r.low)} to {_f(r.high)}",
                ]
                for r in d.by_therapist
            ),
            [False, True, True, True, True, True, True],
        )
        out += (
            '<p class="muted small">Differences between therapists with few clients are '
            "mostly chance; read them as prompts for supervision, not rankings.</p>"
        )
    return out


def _rupture_cells(r: RuptureRow) -> list[str]:
    return [
        _e(r.group),
        str(r.clients),
        str(r.sessions),
        str(r.ruptures),
        _f(r.per_100_sessions, 1),
        _f(r.per_client),
        str(r.clients_with_rupture),
        f"{r.repaired} of {r.repaired + r.not_repaired} ({_pct(r.share_repaired)})",
        str(r.censored),
    ]


def _ruptures(r: RuptureSection, w: Wording) -> str:
    unit, one, t_one = w.unit, w.unit_one, w.therapist_one
    o = r.overall
    lead = (
        f'<p class="lead">{o.ruptures:,} rupture{"s" if o.ruptures != 1 else ""} in '
        f"{o.sessions:,} scored sessions: {_f(o.per_100_sessions, 1)} per 100 sessions, "
        f"{_f(o.per_client)} per {_e(one)}; {o.clients_with_rupture:,} of "
        f"{o.clients:,} {_e(unit)} had at least one. Repaired: {_pct(o.share_repaired)} of "
        f"those that could be judged ({o.repaired} of {o.repaired + o.not_repaired}).</p>"
    )
    head = ["Group", unit.capitalize(), "Sessions", "Ruptures", "Per 100 sessions",
            f"Per {one}", "With a rupture", "Repaired (of judged)",
            "Too soon to tell"]  # fmt: skip
    rows = [_rupture_cells(o)] + [_rupture_cells(t) for t in r.by_therapist]
    out = lead + _table([_e(h) for h in head], rows, [False] + [True] * 8)
    if r.chart is not None:
        out += f"<h3>By {_e(t_one)}</h3>" + _figure(r.chart)
    out += f'<p class="muted small">{_e(r.rules)}</p>'
    return out


def _outcome(o: OutcomeSection) -> str:
    if not o.fitted:
        return (
            f'<p class="note">{_e(o.reason)} The section is left out rather than guessed; '
            "the model needs at least 3 clients with the alliance at one session and the "
            "outcome at the next.</p>"
        )
    lead = (
        f"<p>Linear mixed model (REML, random intercept per client) of the outcome "
        f"<code>{_e(o.outcome_col)}</code> at session t+{o.lag} on the alliance "
        f"<code>{_e(o.alliance_col)}</code> at session t, split into the client's own mean "
        f"(between clients) and the session's deviation from it (within client), with the "
        f"session number: {o.n_obs:,} session pairs from {o.n_clients:,} clients.</p>"
    )
    table = _table(
        ["Term", "Estimate", "SE", "95% CI", "p"],
        (
            [
                _e(c.label),
                _f(c.estimate, 3),
                _f(c.se, 3),
                f"{_f(c.ci_low, 3)} to {_f(c.ci_high, 3)}",
                _p(c.p),
            ]
            for c in o.coefficients
        ),
        [False, True, True, True, True],
    )
    reading = "".join(f"<li>{_e(s)}</li>" for s in o.reading)
    out = lead + table + f"<h3>In plain words</h3><ul>{reading}</ul>"
    notes = list(o.warnings)
    if not o.converged:
        notes.insert(0, "The fit did not converge: read the estimates with caution.")
    if notes:
        out += '<p class="muted small">Fitting notes: ' + _e(" ".join(notes)) + "</p>"
    return out


def _reliability(r: ReliabilitySection) -> str:
    if not r.rows:
        return f'<p class="note">{_e(r.reason or "No instrument with several items.")}</p>'
    table = _table(
        [
            "Instrument",
            "Scale",
            "Items",
            "n",
            "Cronbach's alpha",
            "95% CI (Feldt)",
            "McDonald's omega",
            "Note",
        ],
        (
            [
                _e(x.instrument_name),
                _e(x.scale),
                str(x.items),
                str(x.n),
                _f(x.alpha, 3),
                f"{_f(x.alpha_ci_low, 3)} to {_f(x.alpha_ci_high, 3)}",
                _f(x.omega, 3),
                _e(x.note),
            ]
            for x in r.rows
        ),
        [False, False, True, True, True, True, True, False],
    )
    return (
        table + f'<p class="muted small">Rows used: {_e(r.rows_used)} Alpha: Cronbach (1951), '
        "interval by Feldt, Woodruff &amp; Salih (1987); omega total from a one-factor "
        "maximum-likelihood model (McDonald 1999).</p>"
    )


def report_body(report: Report) -> str:
    """The five sections as an HTML fragment (``<section>`` elements, no ``<style>``)."""
    w = report.wording
    parts = [
        _summary(report.summary, w),
        _distribution(report.distribution, w),
        _ruptures(report.ruptures, w),
        _outcome(report.outcome),
        _reliability(report.reliability),
    ]
    sections = "".join(
        f'<section class="report-section" id="section-{i}"><h2>{_e(h)}</h2>{body}</section>'
        for i, (h, body) in enumerate(zip(HEADINGS, parts, strict=True), start=1)
    )
    notes = "".join(f"<p>{_e(n)}</p>" for n in report.notes)
    return sections + (f'<section class="report-notes">{notes}</section>' if notes else "")


def report_html(report: Report, *, generated: date | None = None) -> str:
    """The whole report as one self-contained HTML document (inline CSS and SVG)."""
    w = report.wording
    day = (generated or date.today()).isoformat()
    sub = f'<p class="muted">{_e(w.subtitle)}</p>' if w.subtitle else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(w.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{_e(w.title)}</h1>{sub}"
        f'<p class="muted small">From {_e(w.data_source)}, produced {day} by Alliance. Every '
        "number comes from the alliance.stats function named in its section; the charts "
        "draw the same numbers.</p>"
        f"</header><main>{report_body(report)}</main></body></html>"
    )
