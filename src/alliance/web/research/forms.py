"""The research export form: which file format, and (administrators only) the free text."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

FORMATS = (("csv", "CSV"), ("parquet", "Parquet"), ("sav", "SPSS (.sav)"))


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("File format"), choices=FORMATS, initial="csv", widget=forms.RadioSelect
    )
    include_text = forms.BooleanField(
        label=gettext_lazy("Include the clients' free-text answers"),
        required=False,
        help_text=gettext_lazy("Administrators only. The answers are exported as the clients wrote them: "
        "read them for names and other identifying details before sharing the file."),
    )

    def __init__(self, *args: Any, may_include_text: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_include_text:
            del self.fields["include_text"]
