"""Sign-in, the authenticator step, set-up, clinic sign-in settings and password reset."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.web.accounts import throttle
from alliance.web.accounts.access import admin_required
from alliance.web.accounts.forms import ClinicSecurityForm, CodeForm, ThrottledAuthenticationForm
from alliance.web.accounts.middleware import (
    CODE_PENDING,
    IDLE_NOTICE,
    LOCKED_NOTICE,
    code_step_url,
)
from alliance.web.accounts.models import User
from alliance.web.accounts.otp import (
    TOTPDevice,
    check_code,
    confirm_enrolment,
    confirmed_device,
    is_verified,
    mark_verified,
    pending_device,
    qr_svg,
    secret_for_typing,
)
from alliance.web.accounts.tasks import send_password_reset
from alliance.web.audit.log import client_ip, record

WRONG_CODE = (
    "That code did not work. Codes change every 30 seconds: type the newest one. If it keeps "
    "failing, check that your phone sets its clock automatically."
)


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """The password step. Staff with an authenticator (or who must have one) go on to the code."""

    form_class = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        session = self.request.session
        if session.pop(IDLE_NOTICE, False):
            context["idle_minutes"] = settings.ALLIANCE_IDLE_MINUTES
        if session.pop(LOCKED_NOTICE, False):
            context["locked_notice"] = throttle.locked_message()
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user: Any = form.get_user()
        has_device = confirmed_device(user) is not None
        response = super().form_valid(form)
        if not (has_device or user.requires_two_factor):
            return response
        if has_device:
            self.request.session[CODE_PENDING] = True
        return HttpResponseRedirect(code_step_url(user, self.get_success_url()))


def _sign_out_locked(request: HttpRequest) -> HttpResponse:
    logout(request)
    request.session[LOCKED_NOTICE] = True
    return redirect("login")


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step: the 6-digit code from the person's authenticator app."""
    user: Any = request.user
    next_url = _next_url(request)
    if is_verified(user):
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:
        if user.requires_two_factor:
            return redirect(code_step_url(user, next_url))
        request.session.pop(CODE_PENDING, None)
        return redirect(next_url)
    if throttle.is_locked(user.get_username(), client_ip(request)):
        return _sign_out_locked(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(device, form.cleaned_data["code"]):
            mark_verified(request, device)
            request.session.pop(CODE_PENDING, None)
            throttle.clear_username(user.get_username())
            return redirect(next_url)
        if throttle.record_failure(request, user.get_username()):
            return _sign_out_locked(request)
        form.add_error("code", WRONG_CODE)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), then confirm with a code.

    Someone who already has an authenticator must give its code first: a
    password alone never replaces a second factor (an administrator can reset
    a lost one).
    """
    user: Any = request.user
    next_url = _next_url(request)
    current = confirmed_device(user)
    if current is not None and not is_verified(user):
        return redirect(code_step_url(user, next_url))
    device = pending_device(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if check_code(device, form.cleaned_data["code"]):
            confirm_enrolment(device)
            mark_verified(request, device)
            request.session.pop(CODE_PENDING, None)
            record(request, "create", device, change="authenticator app set up")
            messages.success(
                request,
                gettext_lazy("Your authenticator app is set up. Each time you sign in, you will be asked "
                "for the code it shows."),
            )
            return redirect(next_url)
        form.add_error("code", WRONG_CODE)
    context = {
        "form": form,
        "next": next_url,
        "qr": qr_svg(device),
        "secret": secret_for_typing(device),
        "required": user.requires_two_factor,
        "replacing": current is not None,
    }
    return render(request, "accounts/enrol.html", context)


@admin_required
def clinic_security(request: HttpRequest) -> HttpResponse:
    """Administrators: whether therapists must use an authenticator, and who has set one up."""
    admin: Any = request.user
    organisation = admin.organisation
    form = ClinicSecurityForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        if form.has_changed():
            form.save()
            required = organisation.require_2fa_for_therapists
            record(request, "update", organisation, require_2fa_for_therapists=required)
            messages.success(
                request,
                gettext_lazy(
                    "Therapists must now use an authenticator app; each will be asked to set one "
                    "up at their next page."
                )
                if required
                else gettext_lazy("Therapists may now sign in with their password alone."),
            )
        return redirect("accounts:clinic_security")
    staff = (
        User.objects.filter(organisation_id=admin.organisation_id, is_active=True)
        .annotate(
            has_authenticator=Exists(
                TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True)
            )
        )
        .order_by("role", "username")
    )
    return render(
        request,
        "accounts/clinic_security.html",
        {"form": form, "staff": staff, "enforced": settings.ALLIANCE_REQUIRE_2FA},
    )


@require_POST
@admin_required
def reset_authenticator(request: HttpRequest) -> HttpResponse:
    """Administrators: remove a colleague's authenticator (a lost phone); they set up a new one."""
    admin: Any = request.user
    pk = request.POST.get("user", "")
    if not (pk.isascii() and pk.isdigit() and len(pk) < 19):
        raise Http404
    member = get_object_or_404(User, pk=int(pk), organisation_id=admin.organisation_id)
    removed, _ = TOTPDevice.objects.filter(user=member).delete()
    if removed:
        record(request, "delete", member, change="authenticator app removed by an administrator")
        messages.success(
            request, gettext_lazy("%(name)s will set up a new authenticator app at next sign-in.") % {"name": member.display()}
        )
    return redirect("accounts:clinic_security")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset page; the e-mail is built and sent in the background.

    The request only enqueues :func:`~alliance.web.accounts.tasks.send_password_reset`
    with the address given, so the page that follows says the same, after the
    same work, whether or not the address belongs to anyone: it cannot be used
    to find out who has an account.
    """

    def form_valid(self, form: Any) -> HttpResponse:
        send_password_reset.enqueue(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password also lifts a sign-in lockout for that username."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        throttle.clear_username(form.user.get_username())
        return response
