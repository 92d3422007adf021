"""Questionnaire forms built from instrument definitions: no per-instrument code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alliance.instruments import MAX_TEXT_ANSWER, Instrument
from alliance.instruments.schema import ResponseScale

TEXT_LIMIT = MAX_TEXT_ANSWER  # one limit for every way in (alliance.instruments.answers)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _choices(response: ResponseScale) -> list[tuple[str, str]]:
    if response.kind == "choice":
        return [(_number(o.value), o.label) for o in response.options]
    return [(_number(x), _number(x)) for x in response.choice_values()]


def _pole_label(text: str, left: str, right: str) -> str:
    """'Prefer the left' -> 'Prefer: focus on specific goals', so a stacked list reads on a phone."""
    for side, pole in (("the left", left), ("the right", right)):
        if text.endswith(side):
            return f"{text[: -len(side)].rstrip()}: {pole[0].lower()}{pole[1:]}"
    return text


def item_field_name(n: int) -> str:
    return f"item_{n}"


def item_text(instrument: Instrument, n: int, therapist_name: str) -> str:
    text = instrument.item(n).text
    if instrument.name_placeholder:
        text = text.replace(instrument.name_placeholder, therapist_name)
        text = text[0].upper() + text[1:]
    return text


class InstrumentForm(forms.Form):
    """Answers to one instrument; cleaned_data maps item number -> value (float or text)."""

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        therapist_name: str = "",
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        therapist_name = therapist_name or _("my therapist")
        for item in instrument.items:
            response = instrument.response_for(item.n)
            label = item_text(instrument, item.n, therapist_name)
            name = item_field_name(item.n)
            if response.kind == "text":
                self.fields[name] = forms.CharField(
                    label=label,
                    required=item.required,
                    max_length=TEXT_LIMIT,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
            else:
                choices = _choices(response)
                if item.left_label and item.right_label:
                    choices = [
                        (v, _pole_label(text, item.left_label, item.right_label))
                        for v, text in choices
                    ]
                self.fields[name] = forms.ChoiceField(
                    label=label,
                    required=item.required,
                    choices=choices,
                    widget=forms.RadioSelect,
                    error_messages={
                        "required": gettext_lazy("Please choose one answer."),
                        "invalid_choice": gettext_lazy("Please choose one of the answers shown."),
                    },
                )

    def answers(self) -> dict[str, Any]:
        """Item number (as text) -> number or text; unanswered optional items are left out."""
        result: dict[str, Any] = {}
        for item in self.instrument.items:
            value = self.cleaned_data.get(item_field_name(item.n))
            if value in (None, ""):
                continue
            if self.instrument.response_for(item.n).kind == "text":
                result[str(item.n)] = str(value)
            else:
                result[str(item.n)] = float(value)
        return result


def initial_from_answers(answers: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n, value in answers.items():
        out[item_field_name(int(n))] = _number(value) if isinstance(value, (int, float)) else value
    return out
