"""Reports: research reports on scored data files, and the PDF rendering they share.

``build_report(frame)`` computes the report (:mod:`alliance.reports.build`),
``report_html(report)`` renders it as one self-contained HTML page
(:mod:`alliance.reports.html`) and ``html_to_pdf(html)`` prints that page
(:mod:`alliance.reports.pdf`); :func:`write_report` picks HTML or PDF from
the file name.

>>> from alliance.simulate import simulate_cohort
>>> report = build_report(simulate_cohort(30, 5, seed=2, instruments=("sai",)).data)
>>> report.summary.clients
30
"""

from __future__ import annotations

from pathlib import Path

from alliance.reports.build import build_report
from alliance.reports.html import HEADINGS, report_body, report_html
from alliance.reports.model import Report, Wording

__all__ = [
    "HEADINGS",
    "OUTPUT_SUFFIXES",
    "Report",
    "Wording",
    "build_report",
    "render",
    "report_body",
    "report_html",
    "write_report",
]

#: File name endings :func:`write_report` can write.
OUTPUT_SUFFIXES: tuple[str, ...] = (".html", ".htm", ".pdf")


def render(report: Report, suffix: str) -> bytes:
    """The report as HTML (UTF-8) or PDF bytes, by file suffix (``.html``, ``.htm``, ``.pdf``)."""
    suffix = suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise ValueError(
            f"a report is written as {', '.join(OUTPUT_SUFFIXES)}, not {suffix or 'no suffix'!r}"
        )
    html = report_html(report)
    if suffix == ".pdf":
        from alliance.reports.pdf import html_to_pdf

        return html_to_pdf(html)
    return html.encode("utf-8")


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report to ``path``; the suffix chooses HTML or PDF."""
    p = Path(path)
    p.write_bytes(render(report, p.suffix))
    return p
