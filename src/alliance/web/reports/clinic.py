"""The clinic report: the research report on the clinic's own questionnaires.

For supervisors and clinic administrators. The clinic's stored responses
(scale scores from ``Response.scores``, numeric item answers from
``Response.answers``; never free text) are laid out as one row per episode
of care and session and handed to the same core builder as
``alliance report`` (:func:`alliance.reports.build_report`), so the clinic
and a research analysis of the same data cannot disagree. The data are read
in one query, whatever the number of clients, and only from the user's own
organisation. Every view is audited.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe

from alliance.errors import DataError
from alliance.instruments import Instrument, registry
from alliance.reports import Report, Wording, build_report, report_body, report_html
from alliance.reports.pdf import html_to_pdf
from alliance.web.accounts.access import supervisor_required
from alliance.web.audit.log import record
from alliance.web.measures.models import Response

ID, SESSION, THERAPIST = "id", "session", "therapist"


@dataclass(frozen=True)
class ClinicData:
    """The clinic's scored data as one frame, and what it was built from."""

    frame: pl.DataFrame
    clients: int
    episodes: int
    responses: int


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _therapist_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _columns(inst: Instrument, scores: dict[str, Any], answers: dict[str, Any]) -> dict[str, float]:
    """Scale scores and numeric item answers of one response, as report columns."""
    out: dict[str, float] = {}
    for scale in inst.scales:
        name = f"{inst.id}_{scale.id}"
        value = _number(scores.get(name))
        if value is not None:
            out[name] = value
    for n in inst.scored_items():
        value = _number(answers.get(str(n)))
        if value is not None:
            out[inst.item_column(n)] = value
    return out


def clinic_data(organisation_id: int) -> ClinicData:
    """One row per episode of care and session with the clinic's scores and item answers.

    One query. Responses to instruments this installation does not know, and
    answers given by the other side than the form is for (a therapist filling
    in a client form), are left out.
    """
    known = registry()
    rows = (
        Response.objects.filter(session__episode__client__organisation_id=organisation_id)
        .order_by("session__episode_id", "session__number")
        .values_list(
            "session__episode_id",
            "session__episode__client_id",
            "session__number",
            "session__episode__client__therapist__first_name",
            "session__episode__client__therapist__last_name",
            "session__episode__client__therapist__username",
            "instrument",
            "respondent",
            "scores",
            "answers",
        )
    )
    cells: dict[tuple[int, int], dict[str, float]] = defaultdict(dict)
    therapist: dict[int, str] = {}
    clients: dict[int, int] = {}
    responses = 0
    for (
        episode,
        client,
        number,
        first,
        last,
        username,
        inst_id,
        side,
        scores,
        answers,
    ) in rows.iterator(chunk_size=2000):
        inst = known.get(inst_id)
        if inst is None or side != inst.respondent:
            continue
        responses += 1
        therapist[episode] = _therapist_name(first, last, username)
        clients[episode] = client
        cells[(episode, number)].update(_columns(inst, scores or {}, answers or {}))
    return ClinicData(
        frame=_frame(cells, therapist),
        clients=len(set(clients.values())),
        episodes=len(clients),
        responses=responses,
    )


def _frame(
    cells: dict[tuple[int, int], dict[str, float]], therapist: dict[int, str]
) -> pl.DataFrame:
    keys = sorted(cells)
    names = sorted({c for row in cells.values() for c in row})
    data: dict[str, Iterable[Any]] = {
        ID: [str(e) for e, _ in keys],
        SESSION: [n for _, n in keys],
        THERAPIST: [therapist[e] for e, _ in keys],
    }
    for name in names:
        data[name] = [cells[k].get(name) for k in keys]
    schema = {ID: pl.String, SESSION: pl.Int64, THERAPIST: pl.String}
    schema.update({name: pl.Float64 for name in names})
    return pl.DataFrame(data, schema=schema)


def clinic_report_for(user: Any) -> tuple[Report | None, str]:
    """The report of ``user``'s clinic, or None and the reason there is none yet."""
    org = user.organisation
    data = clinic_data(org.pk)
    if data.frame.height == 0:
        return None, "No questionnaires have been answered in this clinic yet."
    several = data.episodes > data.clients
    unit = "episodes of care" if several else "clients"
    wording = Wording(
        title=f"Clinic report: {org.name}",
        subtitle="The working alliance in this clinic's own data, for supervision.",
        unit=unit,
        unit_one="episode of care" if several else "client",
        therapists="therapists",
        data_source=f"the questionnaires answered at {org.name}",
    )
    extra = [("Clients", f"{data.clients:,}")] if several else []
    extra.append(("Questionnaires answered", f"{data.responses:,}"))
    try:
        report = build_report(
            data.frame,
            id_col=ID,
            session_col=SESSION,
            therapist_col=THERAPIST,
            wording=wording,
            source=f"{org.name}, {timezone.localdate():%d %b %Y}",
            extra=extra,
        )
    except DataError as exc:
        return None, f"The report cannot be made from the answers so far: {exc}"
    return report, ""


@supervisor_required
def clinic_report(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """The clinic report as a page inside the app, with a link to the PDF."""
    user: Any = request.user
    report, reason = clinic_report_for(user)
    record(request, "view", user.organisation, page="clinic report")
    body = mark_safe(report_body(report)) if report is not None else None  # noqa: S308 - escaped by alliance.reports
    return render(
        request,
        "reports/clinic.html",
        {"report": report, "body": body, "reason": reason},
    )


@supervisor_required
def clinic_report_pdf(request: HttpRequest, **kwargs: object) -> HttpResponse:
    """The same report as an A4 PDF download."""
    user: Any = request.user
    report, reason = clinic_report_for(user)
    if report is None:
        raise Http404(reason)
    pdf = html_to_pdf(report_html(report))
    record(request, "export", user.organisation, page="clinic report", format="pdf")
    response = HttpResponse(pdf, content_type="application/pdf")
    slug = user.organisation.slug or "clinic"
    response["Content-Disposition"] = (
        f'attachment; filename="alliance-clinic-report-{slug}-{timezone.localdate():%Y-%m-%d}.pdf"'
    )
    return response
