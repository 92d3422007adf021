"""The upload form: a FHIR Questionnaire (JSON) or an instrument file (TOML), and a scoring file."""

from __future__ import annotations

import tomllib
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_UPLOAD_BYTES = 256 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Instrument file",
        help_text="A FHIR Questionnaire (.json) or an Alliance instrument file (.toml), at most 256 KB.",
    )
    scoring = forms.FileField(
        label="Scoring file",
        required=False,
        help_text=(
            "Only for a Questionnaire made elsewhere: a .toml file with [[scales]], [licence] "
            "and [citation]. Nothing about scoring is ever guessed."
        ),
    )
    licence_confirmed = forms.BooleanField(
        label="Our clinic holds a licence for this instrument",
        error_messages={"required": "Confirm that your clinic holds a licence to use it."},
    )

    def clean_file(self) -> tuple[str, str]:
        """(kind, text): kind is ``"fhir"`` or ``"toml"``; the text is checked UTF-8."""
        upload = self.cleaned_data["file"]
        kind = _kind(upload.name or "")
        if kind is None:
            raise forms.ValidationError(
                "Upload a FHIR Questionnaire (.json) or an instrument file (.toml)."
            )
        return kind, read_text(upload)

    def clean_scoring(self) -> dict[str, Any] | None:
        upload = self.cleaned_data.get("scoring")
        if not upload:
            return None
        if _kind(upload.name or "") != "toml":
            raise forms.ValidationError("The scoring file must be a .toml file.")
        try:
            return tomllib.loads(read_text(upload))
        except tomllib.TOMLDecodeError as exc:
            raise forms.ValidationError(f"Not valid TOML: {exc}") from None
        except RecursionError:
            raise forms.ValidationError("Not valid TOML: nested too deeply.") from None


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
            f"{upload.name}: {upload.size:,} bytes; the limit is {MAX_UPLOAD_BYTES // 1024} KB."
        )
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(f"{upload.name}: larger than {MAX_UPLOAD_BYTES // 1024} KB.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(
            f"{upload.name}: not UTF-8 text (byte {exc.start + 1}); save it as UTF-8 JSON or TOML."
        ) from None
