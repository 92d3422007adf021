"""The client's mobile number and their consent to texts, recorded by staff."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from alliance.web.texting.services import e164


class TextConsentForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=32,
        help_text=gettext_lazy("With the country code, or as dialled in this clinic's country."),
    )
    consent = forms.BooleanField(
        label=gettext_lazy(
            "The client agreed to get text messages with their questionnaire links and reminders"
        ),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm the client agreed to texts.")
        },
    )

    def clean_phone(self) -> str:
        return e164(self.cleaned_data["phone"])
