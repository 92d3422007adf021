"""De-identified research exports: pseudonyms, days since intake, no free text by default.

>>> import datetime as dt, polars as pl
>>> f = pl.DataFrame({"client_id": ["a"], "visit": [dt.date(2024, 1, 1)], "phq9_total": [12]})
>>> deidentify(f, ids=["client_id"]).frame.columns
['client_id', 'visit_days', 'phq9_total']
"""

from alliance.export.codebook import CodebookRow, build_codebook
from alliance.export.deidentify import Decision, Deidentified, deidentify
from alliance.export.writers import ExportFiles, codebook_paths, export_format, write_export

__all__ = [
    "CodebookRow",
    "Decision",
    "Deidentified",
    "ExportFiles",
    "build_codebook",
    "codebook_paths",
    "deidentify",
    "export_format",
    "write_export",
]
