"""``manage.py demo``: migrate, seed a demo clinic, print the logins and a client link, serve."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from alliance.web.caseload.demo import seed_demo
from alliance.web.measures.tasks import tick


def _worker() -> None:
    """The django-tasks database worker, in-process (the demo's background work)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=1.0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="demo-in-process",
        excluded_queue_names=[],
    ).run()


def _scheduler(interval: int) -> None:
    while True:
        time.sleep(interval)
        try:
            tick()
        except Exception as exc:
            print(f"background work failed: {exc}")


class Command(BaseCommand):
    help = "Run the demo clinic on embedded defaults (SQLite, in-process background work)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Seed and print, then stop.")
        parser.add_argument("--clients", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        port = os.environ.get("PORT", "8000")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise CommandError(f"PORT={port!r}: expected a port number 1-65535")
        call_command("migrate", verbosity=0)
        self.stdout.write("Seeding the demo clinic (simulated clients, 12 weeks of sessions)...")
        try:
            demo = seed_demo(n_clients=options["clients"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(self.style.SUCCESS(f"\n{demo.organisation.name} is ready at {base}/\n"))
        self.stdout.write("Logins (passwords are new each time the demo starts):")
        for username, password in demo.passwords.items():
            self.stdout.write(f"  {username:<11} {password}")
        self.stdout.write(
            f"\nClient {demo.client_code}'s questionnaire for today (open it on a phone-sized window):\n"
            f"  {base}{reverse('measures:start', args=[demo.client_link_token])}\n"
        )
        if demo.spanish_link_token:
            self.stdout.write(
                f"Client {demo.spanish_client_code} reads Spanish; their questionnaire:\n"
                f"  {base}{reverse('measures:start', args=[demo.spanish_link_token])}\n"
            )
        self.stdout.write(
            f"API docs: {base}/api/docs/ (tokens: sign in, then API tokens); "
            f"FHIR: {base}/fhir/metadata\n"
        )
        self.stdout.write(
            f"E-mail goes to the console ({str(settings.EMAIL_BACKEND).rsplit('.', 2)[-2]} backend).\n"
        )
        self.stdout.write(f"Text messages: the {settings.ALLIANCE_SMS_BACKEND} backend.\n")
        if options["no_serve"]:
            return
        if "DatabaseBackend" in str(settings.TASKS["default"]["BACKEND"]):
            threading.Thread(target=_worker, daemon=True, name="tasks-worker").start()
            self.stdout.write("Background work: django-tasks database backend, worker in-process.")
        threading.Thread(target=_scheduler, args=(60,), daemon=True).start()
        call_command("runserver", f"127.0.0.1:{port}", use_reloader=False)
