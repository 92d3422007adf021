"""Supervisor and administrator pages: the clinic at a glance, the team, health."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.password_validation import validate_password
from django.core.validators import MaxLengthValidator
from django.db import connection
from django.db.models import Count, FloatField, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from alliance.alerts.rupture import false_alarm_rate
from alliance.web.accounts.access import admin_required, supervisor_required
from alliance.web.accounts.models import Organisation, Role, User
from alliance.web.alerts.models import Alert
from alliance.web.alerts.services import alert_config
from alliance.web.audit.log import record
from alliance.web.clinic.charts import alerts_by_therapist_chart, alliance_distribution_chart
from alliance.web.measures.models import Link, Response
from alliance.web.score_columns import SAI_TOTAL


@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for load balancers; no data is read."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _latest_sai_per_client(org_id: int) -> list[float]:
    rows = (
        Response.objects.filter(
            session__episode__client__organisation_id=org_id, instrument="sai", respondent="client"
        )
        .order_by("session__episode__client_id", "-session__number")
        .annotate(value=Cast(KeyTextTransform(SAI_TOTAL, "scores"), FloatField()))
        .values_list("session__episode__client_id", "value")
    )
    seen: set[int] = set()
    values: list[float] = []
    for client_id, value in rows.iterator(chunk_size=2000):
        if client_id in seen:
            continue
        seen.add(client_id)
        if value is not None:
            values.append(float(value))
    return values


def _rupture_settings(organisation_id: int) -> dict[str, str]:
    """What a supervisor needs to trust the rupture alerts: the expected false-alarm rate of
    the settings in use and where the noise estimate comes from (the clinic's own data once
    it has enough, a documented default before)."""
    config = alert_config(organisation_id)
    return {
        "false_alarms": false_alarm_rate(config).sentence(),
        "noise": config.source("rupture_noise_sd"),
    }


@supervisor_required
def overview(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    org_id = user.organisation_id
    open_q = ~Q(caseload__episodes__alerts__status=Alert.Status.RESOLVED)
    therapists = (
        User.objects.filter(organisation_id=org_id, role=Role.THERAPIST)
        .annotate(
            clients=Count("caseload", filter=Q(caseload__archived=False), distinct=True),
            urgent=Count(
                "caseload__episodes__alerts",
                filter=open_q & Q(caseload__episodes__alerts__severity="urgent"),
                distinct=True,
            ),
            warnings=Count(
                "caseload__episodes__alerts",
                filter=open_q & Q(caseload__episodes__alerts__severity="warning"),
                distinct=True,
            ),
        )
        .order_by("last_name", "username")
    )
    links = Link.objects.filter(session__episode__client__organisation_id=org_id)
    completion = links.aggregate(
        sent=Count("pk"), done=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    by_therapist_links = {
        row["session__episode__client__therapist"]: row
        for row in links.values("session__episode__client__therapist").annotate(
            sent=Count("pk"), done=Count("pk", filter=Q(submitted_at__isnull=False))
        )
    }
    ruptures = Alert.objects.filter(episode__client__organisation_id=org_id, rule="rupture")
    rupture_stats = ruptures.aggregate(
        total=Count("pk"),
        repaired=Count("pk", filter=Q(numbers__repaired=1)),
        judged=Count("pk", filter=~Q(numbers__repair_known=0)),
    )
    sai = _latest_sai_per_client(org_id)
    rows = []
    for t in therapists:
        link_row = by_therapist_links.get(t.pk, {"sent": 0, "done": 0})
        rows.append(
            {"therapist": t, "completion": _rate(link_row["done"], link_row["sent"]), **link_row}
        )
    context = {
        "rows": rows,
        "completion": _rate(completion["done"], completion["sent"]),
        "links": completion,
        "ruptures": rupture_stats,
        "repair_rate": _rate(rupture_stats["repaired"], rupture_stats["judged"]),
        "rupture_settings": _rupture_settings(org_id),
        "distribution": alliance_distribution_chart(sai),
        "alerts_chart": alerts_by_therapist_chart(
            {t.display(): (t.urgent, t.warnings) for t in therapists}
        ),
        "n_sai": len(sai),
    }
    record(request, "view", user.organisation, page="clinic overview")
    return render(request, "clinic/overview.html", context)


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


class StaffForm(forms.Form):
    """A new colleague. Sign-in names are ``<name>@<clinic short name>``.

    The administrator chooses the name; the clinic's short name (its unique
    slug) is added. Whether a name is free therefore depends on this clinic's
    team only, so adding staff reveals nothing about other clinics' staff,
    while sign-in stays one name and one password.
    """

    username = forms.RegexField(
        regex=r"^[\w.+-]+$",
        help_text=gettext_lazy("Letters, digits and . + - _; your clinic's short name is added after an @."),
        error_messages={"invalid": gettext_lazy("Use letters, digits and . + - _ only (no @ or spaces).")},
    )
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        widget=forms.PasswordInput, help_text=gettext_lazy("At least 10 characters; they can change it later.")
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        room = User._meta.get_field("username").max_length or 150
        name_field = cast(forms.RegexField, self.fields["username"])
        name_field.max_length = room - len(f"@{organisation.slug}")
        name_field.validators.append(MaxLengthValidator(name_field.max_length))
        name_field.widget.attrs["maxlength"] = str(name_field.max_length)

    def clean_username(self) -> str:
        """The full sign-in name; only this clinic's people can hold one ending in its name."""
        name = f"{self.cleaned_data['username']}@{self.organisation.slug}"
        if User.objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(
                gettext_lazy("Someone in your clinic already has this username.")
            )
        return name

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("password"):
            try:
                validate_password(
                    data["password"],
                    User(username=data.get("username", ""), email=data.get("email", "")),
                )
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


@admin_required
def team(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = StaffForm(request.POST or None, organisation=user.organisation)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = User.objects.create_user(
            username=d["username"],
            email=d["email"],
            password=d["password"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            role=d["role"],
            organisation_id=user.organisation_id,
        )
        record(request, "create", member, role=member.role)
        messages.success(
            request,
            gettext_lazy("%(name)s added as %(role)s; they sign in as %(username)s.")
            % {
                "name": member.display(),
                "role": str(member.get_role_display()).lower(),
                "username": member.username,
            },
        )
        return redirect("clinic:team")
    staff = (
        User.objects.filter(organisation_id=user.organisation_id)
        .annotate(clients=Count("caseload"))
        .order_by("role", "username")
    )
    return render(request, "clinic/team.html", {"staff": staff, "form": form})
