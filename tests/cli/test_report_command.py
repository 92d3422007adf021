"""``alliance report``: the research report of a scored file, as HTML or PDF, with the usual exit codes."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from alliance.reports import HEADINGS


def test_writes_a_self_contained_html_report_with_every_section(alliance, cohort) -> None:
    result = alliance("report", "scored.csv", "-o", "report.html", "-q")
    assert result.code == 0, result.err
    page = Path("report.html").read_text(encoding="utf-8")
    for heading in HEADINGS:
        assert heading in page
    assert page.count("<svg") >= 1
    assert (
        "wrote report.html: 60 clients, alliance wai_sr_total, outcome phq9_total"
        in result.err_flat
    )


def test_writes_a_pdf_when_the_name_ends_in_pdf(alliance, cohort) -> None:
    result = alliance("report", "scored.csv", "-o", "report.pdf", "-q")
    assert result.code == 0, result.err
    assert Path("report.pdf").read_bytes().startswith(b"%PDF-")


def test_an_unscored_file_is_scored_first(alliance, cohort) -> None:
    result = alliance("report", "cohort.csv", "-o", "report.html", "-q")
    assert result.code == 0, result.err
    assert "WAI-SR Total" in Path("report.html").read_text(encoding="utf-8")


def test_named_columns_and_measures_are_used(alliance, cohort) -> None:
    frame = pl.read_csv("scored.csv").rename({"id": "client", "session": "visit"})
    frame = frame.with_columns(counsellor=pl.col("client").mod(2).cast(pl.String))
    frame.write_csv("renamed.csv")
    result = alliance(
        "report", "renamed.csv", "-o", "r.html", "--id", "client", "--session", "visit",
        "--therapist", "counsellor", "--alliance", "sai_total", "--outcome", "gad7_total", "-q",
    )  # fmt: skip
    assert result.code == 0, result.err
    page = Path("r.html").read_text(encoding="utf-8")
    assert "<code>sai_total</code>" in page and "<code>gad7_total</code>" in page
    assert page.count("<svg") == 3  # distribution, therapists, ruptures by therapist


def test_a_missing_column_is_bad_data_and_named(alliance, cohort) -> None:
    result = alliance("report", "scored.csv", "-o", "r.html", "--alliance", "srs_total", "-q")
    assert result.code == 3
    assert "alliance column 'srs_total' is not in the data" in result.err_flat
    assert not Path("r.html").exists()


def test_an_unknown_output_format_is_a_usage_error(alliance, cohort) -> None:
    result = alliance("report", "scored.csv", "-o", "report.docx", "-q")
    assert result.code == 2
    assert ".html or .pdf" in result.err_flat


def test_a_missing_input_file_is_bad_data(alliance) -> None:
    result = alliance("report", "nowhere.csv", "-o", "r.html", "-q")
    assert result.code == 3
    assert "no such file" in result.err_flat


def test_help_shows_a_worked_example(alliance) -> None:
    result = alliance("report", "--help")
    assert result.code == 0
    assert "alliance report scored.csv -o report.html" in result.out_flat


def test_json_holds_every_number_with_within_and_between_effects(alliance, cohort) -> None:
    import json

    result = alliance("report", "scored.csv", "--json", "numbers.json", "-q")
    assert result.code == 0, result.err
    assert not Path("report.html").exists()
    numbers = json.loads(Path("numbers.json").read_text(encoding="utf-8"))
    assert set(numbers) >= {"summary", "distribution", "ruptures", "outcome", "reliability"}
    outcome = numbers["outcome"]
    assert outcome["fitted"] is True
    for effect in ("within", "between"):
        assert set(outcome[effect]) == {"estimate", "se", "ci_low", "ci_high", "p"}
        assert outcome[effect]["ci_low"] < outcome[effect]["estimate"] < outcome[effect]["ci_high"]
    terms = {c["term"]: c for c in outcome["coefficients"]}
    assert terms["alliance_within"]["estimate"] == outcome["within"]["estimate"]
    assert "outcome_prior" in terms
    assert numbers["ruptures"]["false_alarms_per_100"] < 1.5
    assert numbers["summary"]["clients"] == 60


def test_report_needs_an_output_or_json(alliance, cohort) -> None:
    result = alliance("report", "scored.csv", "-q")
    assert result.code == 2 and "--json" in result.err_flat
