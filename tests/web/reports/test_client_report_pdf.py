"""The client report as a PDF: a real document, rendered to PNG pages for people to look at.

Pages go to ``test-artifacts/reports/client-*.png``. The checks read the PDF
back with pdfium: its text (headings, client code), and its pixels (pages are
not blank; the charts' blue lines are drawn).
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2
import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from test_client_report import ALERT_TEXTS, APPROACH_NOTE, history

from alliance.charts.definitions import outcome_chart
from alliance.web.audit.models import AuditEvent
from alliance.web.care.models import Client

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "reports"
HEADINGS = (
    "Progress report: C1-ALPHA",
    "In short",
    "Working together",
    "Mood and worry",
    "Your goals",
    "Things to try between sessions",
    "About this report",
)
CHART_BLUE = (0x00, 0x72, 0xB2)  # the outcome lines and the Goal subscale (Okabe-Ito blue)


def pdf_of(http: HttpClient, client: Client) -> bytes:
    page = http.get(reverse("reports:client_report_pdf", args=[client.pk]))
    assert page.status_code == 200
    return page.content


def pages(pdf: bytes, name: str) -> tuple[list[Image.Image], str]:
    """Each page as a PNG in test-artifacts (kept for people to look at) and all the text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"client-{name}-*.png"):
        old.unlink()
    document = pypdfium2.PdfDocument(pdf)
    images, texts = [], []
    for i, page in enumerate(document, start=1):
        image = page.render(scale=1.5).to_pil().convert("RGB")
        image.save(ARTIFACTS / f"client-{name}-{i}.png")
        images.append(image)
        texts.append(page.get_textpage().get_text_range())
    return images, "\n".join(texts)


def ink(image: Image.Image) -> float:
    """Share of pixels that are not near-white."""
    grey = image.convert("L")
    dark = sum(grey.histogram()[:235])
    return dark / (image.width * image.height)


def blue_pixels(image: Image.Image) -> int:
    """Pixels within 40 of the chart blue on each channel."""
    data = image.tobytes()
    return sum(
        1
        for i in range(0, len(data), 3)
        if all(abs(data[i + c] - CHART_BLUE[c]) < 40 for c in range(3))
    )


@pytest.fixture
def rich(c1: Client) -> Client:
    history(c1)
    return c1


def test_the_pdf_is_a_download_that_is_not_cached(client: HttpClient, alice, rich: Client) -> None:
    client.force_login(alice)
    page = client.get(reverse("reports:client_report_pdf", args=[rich.pk]))
    assert page["Content-Type"] == "application/pdf"
    today = timezone.localdate().isoformat()
    assert page["Content-Disposition"] == f'attachment; filename="report-C1-ALPHA-{today}.pdf"'
    assert page["Cache-Control"] == "no-store"
    assert page.content.startswith(b"%PDF")


def test_the_pdf_download_is_written_to_the_audit_log(
    client: HttpClient, sue, rich: Client
) -> None:
    client.force_login(sue)
    pdf_of(client, rich)
    event = AuditEvent.objects.filter(client=rich).latest("seq")
    assert (event.action, event.actor, event.detail) == (
        "export",
        sue,
        {"view": "report", "format": "pdf"},
    )


@pytest.mark.parametrize(("persona", "status"), [("bob", 404), ("charlie", 404), ("rita", 403)])
def test_the_pdf_is_refused_to_whoever_may_not_open_the_client(
    client: HttpClient, request: pytest.FixtureRequest, c1: Client, persona: str, status: int
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("reports:client_report_pdf", args=[c1.pk])).status_code == status


def test_the_pdf_pages_carry_the_headings_the_code_and_the_charts(
    client: HttpClient, alice, rich: Client
) -> None:
    client.force_login(alice)
    images, text = pages(pdf_of(client, rich), "full")
    assert 2 <= len(images) <= 6
    for heading in HEADINGS:
        assert heading in text, heading
    assert "18 (moderately severe)" in text
    assert all(ink(im) > 0.01 for im in images), [round(ink(im), 4) for im in images]
    assert sum(blue_pixels(im) for im in images) > 2000
    for secret in (*ALERT_TEXTS, APPROACH_NOTE, "c1@client.example"):
        assert secret not in text


def test_the_pdf_of_a_new_client_says_there_is_not_enough_yet(
    client: HttpClient, alice, c1: Client
) -> None:
    client.force_login(alice)
    images, text = pages(pdf_of(client, c1), "new")
    assert len(images) == 1
    assert "not enough information yet" in text
    assert ink(images[0]) > 0.005


def test_labels_with_a_white_halo_are_a_stroked_copy_under_the_label() -> None:
    """PDF renderers ignore paint-order, so the halo is drawn as its own element first."""
    chart = outcome_chart([1, 2], {"PHQ-9": [18, 12]}, bands={"PHQ-9": [(0, 9, "mild")]})
    svg = chart.svg()
    assert "paint-order" not in svg
    halo, label = re.findall(r"<text [^>]*>Mild</text>", svg)
    assert 'stroke="#ffffff"' in halo and 'aria-hidden="true"' in halo
    assert "stroke=" not in label
