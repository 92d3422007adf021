"""Each staff member's own settings: the interface language (and the in-room PIN)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
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


@never_cache
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = LanguageForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        record(request, "update", user, setting="language", value=user.language or "browser")
        if user.language:
            translation.activate(user.language)
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:preferences")
    return render(request, "accounts/preferences.html", {"form": form})
