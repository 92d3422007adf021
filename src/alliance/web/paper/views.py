"""Paper forms: print one for any instrument in any shipped language; enter a filled one.

Answers typed from paper go through the one way in (``record_answers`` with
``source="paper"``), marked with who entered them and the date written on the
form, so they are checked, scored, stored, audited and evaluated for alerts
exactly like answers from a link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy

from alliance.reports.pdf import html_to_pdf
from alliance.web.accounts.access import clinician_required
from alliance.web.care.lookup import session_for
from alliance.web.custominstruments.registry import instrument_for
from alliance.web.languages import instrument_in, supported
from alliance.web.measures.answers import AnswersConflict, AnswersRefused, record_answers
from alliance.web.measures.forms import InstrumentForm, item_text
from alliance.web.measures.models import Respondent, Source


class PaperDateForm(forms.Form):
    answered_on = forms.DateField(
        label=gettext_lazy("Date written on the paper form"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, session_date: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_date = session_date

    def clean_answered_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["answered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(gettext_lazy("That date is in the future."))
        if day < self.session_date:
            raise forms.ValidationError(
                gettext_lazy("That is before this session (%(date)s): check the session.")
                % {"date": self.session_date.isoformat()}
            )
        return day


def _noon(day: dt.date) -> dt.datetime:
    """The date on the form as a time: midday, local time (the hour is not on paper)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0)))


def _client_plan(session: Any) -> list[str]:
    return sorted(
        {e.instrument for e in session.episode.plan.all() if e.respondent == Respondent.CLIENT}
    )


@clinician_required
def enter(request: HttpRequest, pk: int, instrument: str) -> HttpResponse:
    """Type in a client's answers from a paper form, for any instrument in their plan."""
    session = session_for(request, pk)
    client = session.episode.client
    if instrument not in _client_plan(session):
        return render(
            request, "care/not_found.html", {"what": gettext_lazy("paper form")}, status=404
        )
    inst = instrument_for(client.organisation_id, instrument)
    posted = request.POST if request.method == "POST" else None
    form = InstrumentForm(posted, instrument=inst, therapist_name=client.therapist.first_name)
    date_form = PaperDateForm(
        posted, session_date=session.date, initial={"answered_on": session.date}
    )
    if posted is not None and form.is_valid() and date_form.is_valid():
        try:
            recorded = record_answers(
                session,
                inst,
                Respondent.CLIENT,
                form.answers(),
                source=Source.PAPER,
                by=request.user,
                request=request,
                answered_at=_noon(date_form.cleaned_data["answered_on"]),
            )
        except (AnswersConflict, AnswersRefused) as exc:
            messages.error(request, str(exc))
            return redirect("care:session", pk=session.pk)
        if recorded.created:
            messages.success(
                request,
                gettext_lazy("%(name)s answers from the paper form saved and scored.")
                % {"name": inst.short_name},
            )
        else:
            messages.info(request, gettext_lazy("These answers were already saved."))
        return redirect("care:session", pk=session.pk)
    return render(
        request,
        "paper/enter.html",
        {
            "session": session,
            "client": client,
            "form": form,
            "date_form": date_form,
            "instrument": inst,
        },
        status=400 if posted is not None else 200,
    )


def paper_items(instrument: Any) -> list[dict[str, Any]]:
    """The items and answers as printed: the instrument file's numbers, texts and order."""
    rows = []
    for item in instrument.items:
        scale = instrument.response_for(item.n)
        options = [o.label for o in scale.options] if scale.kind == "choice" else []
        rows.append(
            {
                "n": item.n,
                "text": item_text(instrument, item.n, gettext("my therapist")),
                "kind": scale.kind,
                "options": options,
                "low": scale.min,
                "high": scale.max,
                "min_label": scale.min_label,
                "max_label": scale.max_label,
                "left": item.left_label,
                "right": item.right_label,
            }
        )
    return rows


def paper_form_html(organisation_id: int | None, instrument_id: str, language: str) -> str:
    """The printable form's HTML, in ``language`` (the questionnaire in English when no
    validated translation exists, with a note saying so)."""
    code = supported(language)
    inst, only_in = instrument_in(instrument_for(organisation_id, instrument_id), code)
    with translation.override(code):
        return render_to_string(
            "paper/form_pdf.html",
            {
                "instrument": inst,
                "items": paper_items(inst),
                "only_in": only_in,
                "LANGUAGE_CODE": code,
            },
        )


@clinician_required
def form_pdf(request: HttpRequest, instrument: str, language: str) -> HttpResponse:
    """A blank paper form (PDF) for one instrument in one shipped language."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    user: Any = request.user
    try:
        html = paper_form_html(user.organisation_id, instrument, language)
    except KeyError:
        raise Http404 from None
    response = HttpResponse(html_to_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{instrument}-{language}.pdf"'
    return response
