"""``alliance report``: the research report (HTML or PDF) of a scored data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alliance.cli.common import QUIET_HELP, MissingExtra, missing_extra, note, progress, step

EPILOG = (
    "Example: alliance report scored.csv -o report.html --json numbers.json\n\n"
    "Sections: the data; alliance across clients and therapists; ruptures and repair; "
    "the lagged within/between alliance-outcome mixed model; reliability (alpha, omega) of "
    "each instrument whose items are present. Write .pdf for a printable A4 report."
)


def register(app: typer.Typer) -> None:
    """Add the command to the `alliance` app."""
    app.command(epilog=EPILOG)(report)


def report(
    data: Annotated[
        Path,
        typer.Argument(
            help="Scored file, one row per client and session (.csv .xlsx .sav .parquet)."
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Report file: .html or .pdf.")
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Also (or only) write every number of the report as JSON to this file.",
        ),
    ] = None,
    id_col: Annotated[str, typer.Option("--id", help="Client id column.")] = "id",
    session_col: Annotated[
        str, typer.Option("--session", help="Session number column.")
    ] = "session",
    therapist_col: Annotated[
        str | None,
        typer.Option("--therapist", help="Therapist column (default: 'therapist' when present)."),
    ] = None,
    alliance_col: Annotated[
        str | None,
        typer.Option(
            "--alliance",
            help="Alliance score column (default: wai_sr_total, sai_total or wai_sr_t_total, whichever has most scores).",
        ),
    ] = None,
    outcome_col: Annotated[
        str | None,
        typer.Option("--outcome", help="Outcome score column (default: phq9_total or gad7_total)."),
    ] = None,
    noise_sd: Annotated[
        float | None,
        typer.Option(
            help="Session-to-session SD of the alliance score for the rupture rule "
            "(default: estimated from the data)."
        ),
    ] = None,
    title: Annotated[str, typer.Option(help="Title of the report.")] = "Alliance research report",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
) -> None:
    """Research report on a scored data file: distributions, ruptures, alliance-outcome model, reliability."""
    if output is None and json_out is None:
        raise typer.BadParameter("give -o REPORT.html/.pdf, --json NUMBERS.json, or both")
    # statsmodels, scipy and the report builder load only when a report is written.
    try:
        _report(data, output, json_out, id_col, session_col, therapist_col, alliance_col,
                outcome_col, noise_sd, title, quiet)  # fmt: skip
    except ModuleNotFoundError as exc:
        if missing_extra(exc) is None:
            raise
        raise MissingExtra(str(exc.name), "reports") from None


def _report(
    data: Path,
    output: Path | None,
    json_out: Path | None,
    id_col: str,
    session_col: str,
    therapist_col: str | None,
    alliance_col: str | None,
    outcome_col: str | None,
    noise_sd: float | None,
    title: str,
    quiet: bool,
) -> None:
    from alliance.io import read_table
    from alliance.reports import OUTPUT_SUFFIXES, Wording, build_report, render
    from alliance.reports.numbers import report_json

    suffix = output.suffix.lower() if output is not None else ".html"
    if output is not None and suffix not in OUTPUT_SUFFIXES:
        raise typer.BadParameter(
            f"the report is written as .html or .pdf, not {suffix or 'a file without suffix'!r}",
            param_hint="--output",
        )
    text_columns = tuple(c for c in (id_col, therapist_col or "therapist") if c)
    with progress(4, quiet) as bar:
        step(bar, f"reading {data.name}")
        frame = read_table(data, text_columns=text_columns)
        step(bar, f"computing the report on {frame.height:,} rows")
        built = build_report(
            frame,
            id_col=id_col,
            session_col=session_col,
            therapist_col=therapist_col,
            alliance_col=alliance_col,
            outcome_col=outcome_col,
            noise_sd=noise_sd,
            wording=Wording(title=title, data_source=data.name),
            source=data.name,
        )
        step(bar, "writing")
        if output is not None:
            output.write_bytes(render(built, suffix))
        if json_out is not None:
            json_out.write_text(report_json(built) + "\n", encoding="utf-8")
        step(bar, "done")
    fit = built.outcome
    written = " and ".join(str(p) for p in (output, json_out) if p is not None)
    note(
        f"wrote {written}: {built.summary.clients:,} clients, alliance {built.summary.alliance_col}, "
        f"outcome {built.summary.outcome_col or 'none'}"
        + ("" if fit.fitted else "; alliance-outcome model not fitted (see section 4)")
    )
