"""The upload form: a FHIR Questionnaire (JSON) or an instrument file (TOML), and a scoring file."""

from __future__ import annotations

import tomllib
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 256 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Instrument file"),
        help_text=gettext_lazy("A FHIR Questionnaire (.json) or an Alliance instrument file (.toml), at most 256 KB."),
    )
    scoring = forms.FileField(
        label=gettext_lazy("Scoring file"),
        required=False,
        help_text=(
            gettext_lazy("Only for a Questionnaire made elsewhere: a .toml file with [[scales]], [licence] "
            "and [citation]. Nothing about scoring is ever guessed.")
        ),
    )
    licence_confirmed = forms.BooleanField(
        label=gettext_lazy("Our clinic holds a licence for this instrument"),
        error_messages={"required": gettext_lazy("Confirm that your clinic holds a licence to use it.")},
    )

    def clean_file(self) -> tuple[str, str]:
        """(kind, text): kind is ``"fhir"`` or ``"toml"``; the text is checked UTF-8."""
        upload = self.cleaned_data["file"]
        kind = _kind(upload.name or "")
        if kind is None:
            raise forms.ValidationError(
                gettext_lazy("Upload a FHIR Questionnaire (.json) or an instrument file (.toml).")
            )
        return kind, read_text(upload)

    def clean_scoring(self) -> dict[str, Any] | None:
        upload = self.cleaned_data.get("scoring")
        if not upload:
            return None
        if _kind(upload.name or "") != "toml":
            raise forms.ValidationError(gettext_lazy("The scoring file must be a .toml file."))
        try:
            return tomllib.loads(read_text(upload))
        except tomllib.TOMLDecodeError as exc:
            raise forms.ValidationError(gettext_lazy("Not valid TOML: %(error)s") % {"error": exc}) from None
        except RecursionError:
            raise forms.ValidationError(gettext_lazy("Not valid TOML: nested too deeply.")) from None


def _kind(name: str) -> str | None:
    lowered = name.lower()
    if lowered.endswith(".json"):
        return "fhir"
    if lowered.endswith(".toml"):
        return "toml"
    return None


def read_text(upload: UploadedFile) -> str:
    """The upload as text: refused when larger than 256 KB or not UTF-8."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            gettext_lazy("%(name)s: %(size)s bytes; the limit is %(limit)s KB.")
            % {"name": upload.name, "size": f"{upload.size:,}", "limit": MAX_UPLOAD_BYTES // 1024}
        )
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(gettext_lazy("%(name)s: larger than %(limit)s KB.")
            % {"name": upload.name, "limit": MAX_UPLOAD_BYTES // 1024})
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(
            gettext_lazy("%(name)s: not UTF-8 text (byte %(byte)s); save it as UTF-8 JSON or TOML.")
            % {"name": upload.name, "byte": exc.start + 1}
        ) from None
