"""The research report printed to PDF: A4 pages with text and charts, section headings in the text.

Pages are rendered to PNG in ``test-artifacts/reports/`` (look at them).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pypdfium2
import pytest
from PIL import ImageStat

from alliance.reports import HEADINGS, build_report, render, write_report
from alliance.scoring import score
from alliance.simulate import simulate_cohort

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
A4_POINTS = (595, 842)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    data = simulate_cohort(80, 8, seed=3, instruments=("wai_sr", "sai", "phq9", "gad7")).data
    names = ["Ann Lee", "<script>alert(1)</script>", "Dr. Very Long Therapist Name Here"]
    data = score(data, ["wai_sr", "sai", "phq9", "gad7"]).scores.with_columns(
        therapist=pl.col("id").cast(pl.Int64).mod(3).replace_strict(dict(enumerate(names)))
    )
    return render(build_report(data, source="cohort.csv"), ".pdf")


def test_pages_are_a4_and_none_is_blank(pdf: bytes) -> None:
    doc = pypdfium2.PdfDocument(pdf)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("research-report-page-*.png"):
        old.unlink()
    assert 2 <= len(doc) <= 8
    for i, page in enumerate(doc):
        assert tuple(round(v) for v in page.get_size()) == A4_POINTS
        image = page.render(scale=1.5).to_pil()
        image.save(ARTIFACTS / f"research-report-page-{i + 1}.png")
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 10, f"page {i + 1} is blank"


def test_the_text_holds_every_heading_and_the_escaped_name_as_text(pdf: bytes) -> None:
    doc = pypdfium2.PdfDocument(pdf)
    text = "".join(page.get_textpage().get_text_range() for page in doc)
    for heading in HEADINGS:
        assert heading in text
    assert "<script>alert(1)</script>" in text  # shown as the text it is, not run


def test_charts_are_drawn_as_vector_paths(pdf: bytes) -> None:
    doc = pypdfium2.PdfDocument(pdf)
    paths = sum(
        1
        for page in doc
        for obj in page.get_objects(max_depth=5)
        if obj.type == pypdfium2.raw.FPDF_PAGEOBJ_PATH
    )
    assert paths > 50  # bars, axes and grid lines of the three charts


def test_write_report_picks_the_format_from_the_suffix(tmp_path: Path) -> None:
    data = simulate_cohort(20, 4, seed=1, instruments=("sai",)).data
    report = build_report(data)
    assert write_report(report, tmp_path / "r.html").read_text().startswith("<!doctype html>")
    assert write_report(report, tmp_path / "r.PDF").read_bytes().startswith(b"%PDF-")
    with pytest.raises(ValueError, match=r"\.html"):
        write_report(report, tmp_path / "r.docx")
