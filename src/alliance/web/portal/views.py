"""The client portal: own progress, goals to confirm, tasks, guidance and feedback.

Opened from a personal link; everything shown belongs to that client only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from alliance.web.alerts.timeline import load_timeline
from alliance.web.audit.log import record
from alliance.web.care.models import Episode
from alliance.web.goals.forms import ClientTaskForm, FeedbackForm, TaskDoneForm
from alliance.web.goals.models import Goal, Task
from alliance.web.languages import language_choices, use_client_language
from alliance.web.portal.models import Feedback, PortalAccess
from alliance.web.portal.progress import progress_sentences
from alliance.web.portal.services import find_portal
from alliance.web.ratelimit import rate_limited


def _access(request: HttpRequest, token: str) -> PortalAccess | HttpResponse:
    access = find_portal(token)
    if access is None:
        return render(request, "portal/invalid.html", status=404)
    PortalAccess.objects.filter(pk=access.pk).update(last_used_at=timezone.now())
    use_client_language(request, access.client)
    return access


@rate_limited
@never_cache
@require_POST
def language(request: HttpRequest, token: str) -> HttpResponse:
    """The client chooses the language of their pages, e-mails and text messages."""
    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    chosen = request.POST.get("language", "")
    if chosen in dict(language_choices()):
        client = access.client
        type(client).objects.filter(pk=client.pk).update(language=chosen)
        record(request, "update", client, client=client, actor_label="client portal", language=chosen)
        client.language = chosen
        use_client_language(request, client)
        messages.success(request, _("Saved. Your pages and messages will use this language."))
    return _back(token, "language")


@rate_limited
@never_cache
@require_POST
def texts_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The client stops text messages from their own page (as a STOP reply would)."""
    from alliance.web.texting.services import stop_texts

    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    if access.client.may_text:
        stop_texts(access.client, via="client page", request=request)
        messages.success(request, _("Done: you will get no more text messages."))
    return _back(token, "language")


@rate_limited
@never_cache
def home(request: HttpRequest, token: str) -> HttpResponse:
    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    client = access.client
    episode = client.current_episode()
    context: dict[str, object] = {
        "token": token,
        "org": client.organisation,
        "client": client,
        "episode": episode,
        "languages": language_choices(),
    }
    if episode is not None:
        timeline = load_timeline(episode)
        context.update(
            progress=progress_sentences(timeline),
            goals=list(episode.goals.filter(active=True)),
            tasks=list(episode.tasks.all()[:20]),
            task_form=ClientTaskForm(),
            done_form=TaskDoneForm(),
            feedback_form=FeedbackForm(),
            sessions=len(timeline.numbers),
        )
    record(request, "view", client, client=client, actor_label="client portal")
    return render(request, "portal/home.html", context)


def _open_episode(request: HttpRequest, token: str) -> tuple[PortalAccess, Episode] | HttpResponse:
    """The client's access and current episode, or the page to show instead."""
    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    episode = access.client.current_episode()
    if episode is None:
        return render(request, "portal/invalid.html", status=404)
    return access, episode


def _back(token: str, anchor: str) -> HttpResponse:
    from django.urls import reverse

    return redirect(f"{reverse('portal:home', args=[token])}#{anchor}")


@rate_limited
@require_POST
def goal_confirm(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    goal = Goal.objects.filter(pk=pk, episode__client=access.client).first()
    if goal is None:
        return render(request, "portal/invalid.html", status=404)
    if goal.client_confirmed_at is None:
        Goal.objects.filter(pk=goal.pk, client_confirmed_at__isnull=True).update(
            client_confirmed_at=timezone.now()
        )
        record(
            request,
            "update",
            goal,
            client=access.client,
            actor_label="client portal",
            confirmed=True,
        )
    messages.success(request, _("Thank you: the goal is confirmed."))
    return _back(token, "goals")


@rate_limited
@require_POST
def task_done(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    access = _access(request, token)
    if isinstance(access, HttpResponse):
        return access
    task = Task.objects.filter(pk=pk, episode__client=access.client).first()
    if task is None:
        return render(request, "portal/invalid.html", status=404)
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        task.done = form.cleaned_data["done"]
        task.reflection = form.cleaned_data["reflection"]
        task.save(update_fields=["done", "reflection", "updated"])
        record(request, "update", task, client=access.client, actor_label="client portal")
        messages.success(request, _("Saved. Thank you."))
    else:
        messages.error(request, _("Please choose whether you did it."))
    return _back(token, "tasks")


@rate_limited
@require_POST
def task_new(request: HttpRequest, token: str) -> HttpResponse:
    found = _open_episode(request, token)
    if isinstance(found, HttpResponse):
        return found
    access, episode = found
    form = ClientTaskForm(request.POST)
    if form.is_valid():
        task = form.save(commit=False)
        task.episode = episode
        task.set_by = Task.SetBy.CLIENT
        task.set_session = max(1, episode.latest_session_number())
        task.save()
        record(request, "create", task, client=access.client, actor_label="client portal")
        messages.success(request, _("Added."))
    else:
        messages.error(request, _("Please write the task (up to 300 characters)."))
    return _back(token, "tasks")


@rate_limited
@require_POST
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    found = _open_episode(request, token)
    if isinstance(found, HttpResponse):
        return found
    access, episode = found
    form = FeedbackForm(request.POST)
    if form.is_valid():
        item = Feedback.objects.create(episode=episode, text=form.cleaned_data["text"])
        record(request, "create", item, client=access.client, actor_label="client portal")
        messages.success(
            request, _("Thank you. Your therapist will read this before your next session.")
        )
    else:
        messages.error(request, _("Please write something first (up to 4000 characters)."))
    return _back(token, "feedback")
