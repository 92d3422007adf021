"""Each staff member's own settings: the interface language (and the in-room PIN)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from alliance.web.accounts.models import User
from alliance.web.audit.log import record
from alliance.web.languages import language_choices


class LanguageForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["language"]
        labels = {"language": gettext_lazy("Interface language")}
        help_texts = {
            "language": gettext_lazy("The language of the pages you see. Empty: follow the browser.")
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - a model field with choices
        field.choices = [("", _("Follow my browser")), *language_choices()]


class PinForm(forms.Form):
    """A short PIN to unlock the device after a client answered in the room (stored hashed)."""

    pin = forms.RegexField(
        label=gettext_lazy("New in-room PIN"),
        regex=r"^[0-9]{6,8}$",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=gettext_lazy("6 to 8 digits. Your password always works too."),
        error_messages={"invalid": gettext_lazy("Use 6 to 8 digits.")},
    )
    again = forms.CharField(
        label=gettext_lazy("The same PIN again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("pin") != data.get("again"):
            self.add_error("again", gettext_lazy("The two PINs differ."))
        return data


@never_cache
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    which = request.POST.get("form") if request.method == "POST" else None
    form = LanguageForm(request.POST if which == "language" else None, instance=user)
    pin_form = PinForm(request.POST if which == "pin" else None)
    if which == "language" and form.is_valid():
        form.save()
        record(request, "update", user, setting="language", value=user.language or "browser")
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:preferences")
    if which == "pin" and pin_form.is_valid():
        user.in_room_pin = make_password(pin_form.cleaned_data["pin"])
        user.save(update_fields=["in_room_pin"])
        record(request, "update", user, setting="in-room PIN")
        messages.success(request, _("Your in-room PIN is set."))
        return redirect("accounts:preferences")
    return render(
        request,
        "accounts/preferences.html",
        {"form": form, "pin_form": pin_form, "has_pin": bool(user.in_room_pin)},
    )
