"""The clinic report as a PDF: a download for supervisors, pages with the charts on them.

The pages are rendered to PNG in ``test-artifacts/reports/`` (look at them).
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from clinic_data import fill_clinic
from django.urls import reverse
from PIL import ImageStat

from alliance.reports import HEADINGS
from alliance.web.audit.models import AuditEvent

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "reports"
URL = "reports:clinic_report_pdf"


@pytest.fixture
def clinic(clinic_a, alice, bob):
    fill_clinic(clinic_a, [alice, bob], 24, sessions=8, seed=7, prefix="P")
    return clinic_a


def test_supervisor_downloads_a_pdf_with_every_section_and_the_charts(client, clinic, sue):
    client.force_login(sue)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="alliance-clinic-report-'
    )
    assert response["Content-Disposition"].endswith('.pdf"')
    pdf = pypdfium2.PdfDocument(response.content)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("clinic-report-page-*.png"):
        old.unlink()
    text = ""
    for i, page in enumerate(pdf):
        image = page.render(scale=1.5).to_pil()
        image.save(ARTIFACTS / f"clinic-report-page-{i + 1}.png")
        # a blank page is one flat colour; a page with text and charts varies
        assert max(ImageStat.Stat(image.convert("L")).stddev) > 10, f"page {i + 1} is blank"
        text += page.get_textpage().get_text_range()
    for heading in HEADINGS:
        assert heading in text
    assert "Clinic report: Northside Talking Therapies" in text
    assert "Alice Tester" in text  # the clinic's own staff, shown to its supervisor


def test_the_download_is_audited_as_an_export(client, clinic, ada):
    client.force_login(ada)
    client.get(reverse(URL))
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    assert (event.action, event.actor) == ("export", ada)
    assert event.detail == {"page": "clinic report", "format": "pdf"}
