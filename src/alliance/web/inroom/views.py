"""Start in-room mode from the session page; unlock it with the password or the in-room PIN."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import check_password
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.audit.log import record
from alliance.web.inroom.lock import lock, locked, note_failure, unlock
from alliance.web.measures.lookup import open_token, staff_link
from alliance.web.measures.models import Link


@require_POST
@clinician_required
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Lock this signed-in device to the link's questionnaire and open it for the client."""
    link = staff_link(request, pk)
    if isinstance(link, HttpResponse):
        return link
    token = open_token(request, link)
    if token is None:
        messages.error(
            request, gettext_lazy("This link can no longer be opened here. Create a new link.")
        )
        return redirect("care:session", pk=link.session_id)
    lock(request, link_pk=link.pk, token=token)
    record(request, "update", link, client=link.client, in_room="started")
    return redirect("measures:start", token=token)


class UnlockForm(forms.Form):
    secret = forms.CharField(
        label=gettext_lazy("Your password or in-room PIN"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        max_length=128,
    )


def _matches(user: Any, secret: str) -> bool:
    if user.check_password(secret):
        return True
    pin_hash = getattr(user, "in_room_pin", "")
    return bool(pin_hash) and check_password(secret, pin_hash)


@never_cache
@login_required
def unlock_view(request: HttpRequest) -> HttpResponse:
    """The neutral locked page: no client data, only the staff member's way back."""
    state = locked(request)
    if state is None:
        return redirect("care:dashboard")
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        link = Link.objects.select_related("session__episode__client").filter(pk=state["link"]).first()
        if _matches(request.user, form.cleaned_data["secret"]):
            unlock(request)
            if link is not None:
                record(request, "update", link, client=link.client, in_room="unlocked")
                return redirect("care:session", pk=link.session_id)
            return redirect("care:dashboard")
        if link is not None:
            record(request, "update", link, client=link.client, in_room="unlock refused")
        if note_failure(request):
            return redirect("login")
        form.add_error("secret", gettext_lazy("That is not right. Hand the device back to your therapist."))
    return render(request, "inroom/unlock.html", {"form": form}, status=400 if form.errors else 200)
