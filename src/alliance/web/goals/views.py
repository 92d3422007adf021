"""Goals agreed together and tasks between sessions (therapist side)."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alliance.web.accounts.access import clinician_required
from alliance.web.audit.log import record
from alliance.web.care.lookup import episode_for
from alliance.web.care.signals import episode_changed
from alliance.web.goals.forms import GoalForm, GoalRatingForm, TaskForm
from alliance.web.goals.models import Goal, GoalRating, Task


def _back(episode_client_id: int, anchor: str) -> HttpResponse:
    from django.urls import reverse

    return redirect(f"{reverse('care:client', args=[episode_client_id])}#{anchor}")


def _errors(request: HttpRequest, form: object) -> None:
    for field, errs in getattr(form, "errors", {}).items():
        label = gettext_lazy("Goal") if field == "text" else field.replace("_", " ")
        messages.error(request, f"{label}: {' '.join(errs)}")


@require_POST
@clinician_required
def goal_new(request: HttpRequest, pk: int) -> HttpResponse:
    episode = episode_for(request, pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        goal = form.save(commit=False)
        goal.episode = episode
        goal.created_session = max(1, episode.latest_session_number())
        goal.therapist_confirmed_at = timezone.now()
        goal.save()
        record(request, "create", goal, client=episode.client)
        messages.success(request, gettext_lazy("Goal added. The client can confirm it on their page."))
    else:
        _errors(request, form)
    return _back(episode.client_id, "goals")


@require_POST
@clinician_required
def goal_rate(request: HttpRequest, pk: int) -> HttpResponse:
    goal = get_object_or_404(
        Goal.objects.for_user(request.user).select_related("episode__client"), pk=pk
    )
    episode = goal.episode
    session = episode.sessions.order_by("-number").first()
    form = GoalRatingForm(request.POST)
    if session is None:
        messages.error(request, gettext_lazy("Start a session before rating goals."))
    elif form.is_valid():
        try:
            with transaction.atomic():
                rating = GoalRating.objects.create(
                    goal=goal, session=session, level=form.cleaned_data["level"]
                )
        except IntegrityError:
            messages.info(
                request,
                gettext_lazy("This goal already has a rating for session %(n)s; it was kept.")
                % {"n": session.number},
            )
        else:
            record(request, "create", rating, client=episode.client)
            episode_changed.send(sender=type(rating), episode=episode)
            messages.success(request, gettext_lazy("Goal rated for session %(n)s.") % {"n": session.number})
    else:
        _errors(request, form)
    return _back(episode.client_id, "goals")


@require_POST
@clinician_required
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    episode = episode_for(request, pk)
    form = TaskForm(request.POST)
    if form.is_valid():
        task = form.save(commit=False)
        task.episode = episode
        task.set_by = Task.SetBy.THERAPIST
        task.set_session = max(1, episode.latest_session_number())
        if task.due_session is not None and task.due_session < task.set_session:
            messages.error(request, gettext_lazy("Due session must be %(n)s or later.") % {"n": task.set_session})
            return _back(episode.client_id, "tasks")
        task.save()
        record(request, "create", task, client=episode.client)
        messages.success(request, gettext_lazy("Task added."))
    else:
        _errors(request, form)
    return _back(episode.client_id, "tasks")
