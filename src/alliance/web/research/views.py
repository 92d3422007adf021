"""The research export page: a de-identified ZIP (data + codebook) of the clinic's responses.

Open to clinic administrators and researchers. The data are every stored
questionnaire response of the user's own organisation, de-identified by the
core (:mod:`alliance.export`): pseudonyms with a fresh key per download, days
since the episode's start instead of dates, and no free text unless an
administrator asks for it. Each download is an ``export`` audit event.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from alliance.export import deidentify, write_export
from alliance.web.accounts.access import role_required
from alliance.web.accounts.models import Role
from alliance.web.audit.log import record
from alliance.web.research.dataset import IDS, LABELS, research_table
from alliance.web.research.forms import ExportForm

research_required = role_required(
    lambda u: u.role in (Role.ADMIN, Role.RESEARCHER),
    "The research export is for clinic administrators and researchers.",
)


def may_include_text(user: Any) -> bool:
    """Only a clinic administrator may export the clients' own words."""
    return bool(user.role == Role.ADMIN)


def build_zip(organisation_id: int, fmt: str, *, with_text: bool) -> tuple[bytes, str, int, int]:
    """The ZIP (data file + codebook .csv and .md), its file name, rows and columns."""
    table = research_table(organisation_id)
    out = deidentify(
        table.frame,
        ids=IDS,
        intake="episode_start",
        include_text=table.text_columns if with_text else (),
        allow_text=with_text,
        labels=LABELS,
        names={"session_date": "days_since_intake"},
    )
    stem = f"alliance-research-{timezone.localdate():%Y-%m-%d}"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        files = write_export(out, Path(folder) / f"{stem}.{fmt}")
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files.paths:
                archive.write(path, arcname=path.name)
    return buffer.getvalue(), f"{stem}.zip", out.frame.height, out.frame.width


@research_required
@require_http_methods(["GET", "POST"])
@never_cache
def export(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    allowed_text = may_include_text(user)
    form = ExportForm(request.POST or None, may_include_text=allowed_text)
    if request.method == "POST" and form.is_valid():
        fmt = form.cleaned_data["format"]
        with_text = allowed_text and bool(form.cleaned_data.get("include_text"))
        body, name, rows, columns = build_zip(user.organisation_id, fmt, with_text=with_text)
        record(
            request, "export", user.organisation,
            what="research export", format=fmt, rows=rows, columns=columns, with_text=with_text,
        )  # fmt: skip
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "research/export.html", {"form": form, "may_include_text": allowed_text})
