from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from alliance.web.rights.models import RetentionPolicy


class EraseForm(forms.Form):
    """The second step of an erasure: the administrator types the client's code."""

    code = forms.CharField(
        label=gettext_lazy("Type the client's code to confirm"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, expected: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.expected = expected

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"]).strip()
        if code != self.expected:
            raise forms.ValidationError(
                gettext_lazy("That is not this client's code (it must match exactly): nothing was erased.")
            )
        return code


class RetentionForm(forms.ModelForm):
    class Meta:
        model = RetentionPolicy
        fields = ["months"]
        labels = {"months": gettext_lazy("Months after an episode ends")}
