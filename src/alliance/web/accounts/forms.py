"""Sign-in forms: the password step with the throttle, the authenticator code, clinic settings."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from alliance.web.accounts import throttle
from alliance.web.accounts.models import Organisation
from alliance.web.audit.log import client_ip

INVALID_LOGIN = "That username and password did not match. Both are case-sensitive."


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refused while the username or the address is locked out.

    While locked, the password is not even checked: right or wrong, the answer
    is the same lockout message, for accounts that exist and names that do not.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": INVALID_LOGIN,
        "inactive": INVALID_LOGIN,
    }

    @sensitive_variables("password")
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            if throttle.is_locked(username, client_ip(self.request)):
                raise forms.ValidationError(throttle.locked_message(), code="locked")
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None or not self.user_cache.is_active:
                self.user_cache = None
                if self.request is not None and throttle.record_failure(self.request, username):
                    raise forms.ValidationError(throttle.locked_message(), code="locked")
                raise self.get_invalid_login_error()
            throttle.clear_username(username)
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label=gettext_lazy("6-digit code from your authenticator app"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(gettext_lazy("Enter the 6 digits your app shows now."))
        return code


class ClinicSecurityForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["require_2fa_for_therapists"]
        labels = {"require_2fa_for_therapists": gettext_lazy("Therapists must use an authenticator app")}
