"""Forms for intake, approach and sessions. Every error shows beside its field."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alliance.web.accounts.models import Role, User
from alliance.web.care.models import Approach, Client, Episode


class IntakeForm(forms.Form):
    code = forms.RegexField(
        label=gettext_lazy("Client code"),
        max_length=40,
        regex=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        help_text=gettext_lazy("A pseudonymous code, not the client's name (letters, digits, '.', '-', '_')."),
        error_messages={
            "invalid": gettext_lazy("Use only letters, digits, '.', '-' or '_', starting with a letter or digit.")
        },
    )
    email = forms.EmailField(
        label=gettext_lazy("Client's e-mail (optional)"),
        required=False,
        help_text=gettext_lazy("Used only to send questionnaire links."),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Preferred language"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=(
            gettext_lazy("The client's questionnaires, consent text, personal page, e-mails and text messages "
            "use it. The client can change it on their personal page.")
        ),
    )
    therapist = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    started = forms.DateField(
        label=gettext_lazy("First session date"),
        initial=dt.date.today,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    hoped_change = forms.CharField(
        label=gettext_lazy("What the client hopes will change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expected_sessions = forms.IntegerField(
        label=gettext_lazy("How many sessions the client expects to need"),
        required=False,
        min_value=1,
        max_value=200,
    )
    how_know_working = forms.CharField(
        label=gettext_lazy("How the client will know it is working"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.sees_whole_clinic:
            field = cast(forms.ModelChoiceField, self.fields["therapist"])
            field.queryset = User.objects.filter(
                organisation=user.organisation, role=Role.THERAPIST, is_active=True
            ).order_by("last_name", "username")
            field.required = True
            field.label_from_instance = User.display  # type: ignore[method-assign,assignment]
        else:
            del self.fields["therapist"]

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if Client.objects.filter(organisation=self.user.organisation, code__iexact=code).exists():
            raise forms.ValidationError(gettext_lazy("This clinic already has a client with this code."))
        return code

    def clean_started(self) -> dt.date:
        started: dt.date = self.cleaned_data["started"]
        if started > timezone.localdate() + dt.timedelta(days=365):
            raise forms.ValidationError(gettext_lazy("That date is more than a year ahead."))
        return started


APPROACH_NOTE_LIMIT = 2000
"""Characters of 'why this approach', as for the episode's other texts (the model field is unbounded)."""


class ApproachForm(forms.ModelForm):
    approach_note = forms.CharField(
        label=gettext_lazy("Why this approach"),
        required=False,
        max_length=APPROACH_NOTE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Episode
        fields = ["approach", "approach_note"]
        widgets = {"approach": forms.RadioSelect}
        labels = {"approach": gettext_lazy("Approach for this episode")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["approach"].required = True
        cast(forms.ChoiceField, self.fields["approach"]).choices = Approach.choices


class SessionForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Session date"),
        initial=dt.date.today,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    send_email = forms.BooleanField(
        label=gettext_lazy("E-mail the link to the client now"), required=False, initial=True
    )
