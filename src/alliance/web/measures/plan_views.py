"""Edit an episode's measurement plan: which instruments, how often, which side."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from alliance.instruments import Instrument
from alliance.instruments.translations import translate
from alliance.web.accounts.access import clinician_required
from alliance.web.audit.log import record
from alliance.web.care.lookup import episode_for
from alliance.web.custominstruments.registry import instrument_for, instruments_for
from alliance.web.measures.models import PlanEntry, Respondent

PLANNABLE = (
    ("sai", Respondent.CLIENT),
    ("wai_sr", Respondent.CLIENT),
    ("session_feedback", Respondent.CLIENT),
    ("phq9", Respondent.CLIENT),
    ("gad7", Respondent.CLIENT),
    ("gas", Respondent.CLIENT),
    ("wai_sr_t", Respondent.THERAPIST),
)


SIDES = {"client": Respondent.CLIENT, "therapist": Respondent.THERAPIST}


def plannable(known: dict[str, Instrument]) -> list[tuple[str, str]]:
    """The built-in choices, then the clinic's own instruments (those a client or therapist answers)."""
    builtin = {i for i, _side in PLANNABLE}
    extra = [
        (i.id, SIDES[i.respondent])
        for i in sorted(known.values(), key=lambda i: i.id)
        if i.id not in builtin and i.respondent in SIDES and i.id != "cnip"
    ]
    return [*PLANNABLE, *extra]


def _key(instrument: str, side: str) -> str:
    return f"{side}__{instrument}"


class PlanForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        current: dict[tuple[str, str], PlanEntry],
        known: dict[str, Instrument],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choices = plannable(known)
        for instrument, side in self.choices:
            entry = current.get((instrument, side))
            name = known[instrument].short_name
            who = gettext_lazy("client") if side == Respondent.CLIENT else gettext_lazy("therapist")
            self.fields[_key(instrument, side) + "__every"] = forms.IntegerField(
                label=gettext_lazy("%(name)s (%(who)s): every n-th session, 0 = not used")
                % {"name": name, "who": who},
                min_value=0,
                max_value=52,
                initial=entry.every if entry else 0,
            )
            self.fields[_key(instrument, side) + "__first"] = forms.IntegerField(
                label=gettext_lazy("%(name)s (%(who)s): first at session") % {"name": name, "who": who},
                min_value=1,
                max_value=500,
                initial=entry.first_session if entry else 1,
            )

    def plan(self) -> dict[tuple[str, str], tuple[int, int]]:
        chosen: dict[tuple[str, str], tuple[int, int]] = {}
        for instrument, side in self.choices:
            every = self.cleaned_data[_key(instrument, side) + "__every"]
            if every:
                chosen[(instrument, side)] = (
                    every,
                    self.cleaned_data[_key(instrument, side) + "__first"],
                )
        return chosen

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not self.errors and not any(
            data.get(_key(i, s) + "__every") for i, s in self.choices if s == Respondent.CLIENT
        ):
            raise forms.ValidationError(gettext_lazy("Keep at least one client questionnaire in the plan."))
        return data


def untranslated(instrument_ids: list[str], language: str, organisation_id: int | None) -> list[str]:
    """Short names of the instruments with no validated translation into ``language``."""
    missing = []
    for instrument_id in instrument_ids:
        instrument = instrument_for(organisation_id, instrument_id)
        if translate(instrument, language) is None:
            missing.append(instrument.short_name)
    return missing


@clinician_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    episode = episode_for(request, pk)
    current = {(e.instrument, e.respondent): e for e in episode.plan.all()}
    known = instruments_for(episode.client.organisation_id)
    form = PlanForm(request.POST or None, current=current, known=known)
    if request.method == "POST" and form.is_valid():
        chosen = form.plan()
        with transaction.atomic():
            for key, entry in current.items():
                if key not in chosen:
                    entry.delete()
            for (instrument, side), (every, first) in chosen.items():
                PlanEntry.objects.update_or_create(
                    episode=episode,
                    instrument=instrument,
                    respondent=side,
                    defaults={"every": every, "first_session": first},
                )
            record(
                request,
                "update",
                episode,
                client=episode.client,
                plan=sorted(f"{s}:{i}" for i, s in chosen),
            )
        messages.success(request, gettext_lazy("Measurement plan saved. It applies from the next session."))
        return redirect("care:client", pk=episode.client_id)
    record(request, "view", episode, client=episode.client, page="plan")
    client_side = sorted(i for (i, side) in current if side == "client")
    return render(
        request,
        "care/plan.html",
        {
            "form": form,
            "episode": episode,
            "client": episode.client,
            "client_language": episode.client.get_language_display(),
            "untranslated": untranslated(
                client_side, episode.client.language, episode.client.organisation_id
            ),
        },
    )
