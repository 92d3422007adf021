"""Web pages to create and revoke API tokens (the key is shown once, never stored)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.api.models import ApiToken, Scope, hash_key, new_key
from alliance.web.audit.log import record

LIFETIMES = [("30", "30 days"), ("90", "90 days"), ("365", "One year")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text=gettext_lazy("What it is for, e.g. 'record system'."))
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )
    lifetime = forms.ChoiceField(choices=LIFETIMES, initial="90", label=gettext_lazy("Valid for"))


def issue(user: Any, name: str, scopes: list[str], days: int) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the record and the key (shown once)."""
    key = new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:10],
        key_hash=hash_key(key),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, key


@never_cache
@clinician_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_key_value = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, new_key_value = issue(
            request.user,
            form.cleaned_data["name"],
            form.cleaned_data["scopes"],
            int(form.cleaned_data["lifetime"]),
        )
        record(request, "create", token, scopes=token.scopes)
        form = TokenForm()
    listed = ApiToken.objects.for_user(request.user).select_related("user")
    return render(
        request, "api/tokens.html", {"form": form, "tokens": listed, "new_key": new_key_value}
    )


@require_POST
@clinician_required
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.for_user(request.user), pk=pk)
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    ):
        record(request, "update", token, status="revoked")
        messages.success(request, gettext_lazy("Token '%(name)s' revoked: it no longer works.") % {"name": token.name})
    return redirect("api:tokens")
