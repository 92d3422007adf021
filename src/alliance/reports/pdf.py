"""HTML to PDF with WeasyPrint: one function every report uses.

The HTML must be self-contained (inline CSS and SVG, no links to fetch): the
renderer is given a URL fetcher that allows only ``data:`` URLs, so a report
can never reach the network or read files while it is printed.

>>> pdf = html_to_pdf("<html><body><h1>Report</h1></body></html>")  # doctest: +SKIP
>>> pdf[:5]  # doctest: +SKIP
b'%PDF-'
"""

from __future__ import annotations

from alliance.errors import DataError

__all__ = ["html_to_pdf"]


def html_to_pdf(html: str) -> bytes:
    """Render one self-contained HTML document to PDF bytes.

    Raises DataError when the system libraries WeasyPrint needs (Pango) are missing,
    with the package names to install.
    """
    if not isinstance(html, str):
        raise TypeError("html must be a str")
    try:
        from weasyprint import HTML  # heavy import: only when printing
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango/HarfBuzz missing on this machine
        raise DataError(
            "PDF output needs the Pango library: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0 ({exc})"
        ) from None
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, url_fetcher=fetcher)
    result = document.write_pdf()
    if not isinstance(result, bytes):  # write_pdf() without a target returns bytes
        raise DataError("the PDF renderer returned no document")
    return result
