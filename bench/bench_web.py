"""Benchmark: page latency of the clinic web app on a large seeded clinic.

Run: ``make bench-web`` (or ``python bench/bench_web.py``).

Seeds (once, into bench/data/web.sqlite3) a clinic of 100 therapists, 5,000
clients and 100,000 sessions (20 per client; SAI and PHQ-9 answered at every
session, scored by the core engine in one call per instrument), then times,
in the same run and process, with Django's test client (no network):

* ``trivial``: a trivial Django view through the same middleware, logged in,
  rendering the site's base template with no client data (the framework's
  own cost per page: session, user, template), the baseline;
* ``health``: the health endpoint (one ``SELECT 1``, no session), for scale;
* ``dashboard``: a therapist's caseload (50 clients);
* ``client page``: one client's page (20 sessions, charts, alerts);
* ``submission``: a client sending a questionnaire (the last page of a link).

It prints p50 and p95 per page and the ratio of each p95 to the trivial
view's p95 (target: within 5x). The number of queries per page is bounded
and independent of caseload size: tests/web/test_query_counts.py asserts it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DB = HERE / "data" / "web.sqlite3"
THERAPISTS, CLIENTS, SESSIONS = 100, 5000, 20


def trivial_view(request: Any) -> Any:
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import render

    return login_required(lambda r: render(r, "base.html", {}))(request)


def bench_urls() -> list[Any]:
    from django.urls import include, path

    return [path("bench/trivial/", trivial_view, name="bench_trivial"), path("", include("alliance.web.urls"))]


urlpatterns: list[Any] = []


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.web.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
    os.environ.setdefault("ALLIANCE_TESTING", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()


def seed() -> None:
    import datetime as dt

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from alliance.instruments import get
    from alliance.scoring import output_columns, score
    from alliance.simulate import simulate_cohort
    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.care.models import Client, Episode, Session
    from alliance.web.measures.models import PlanEntry, Response
    from alliance.web.measures.plans import DEFAULT_PLAN

    call_command("migrate", verbosity=0)
    cohort = simulate_cohort(CLIENTS, SESSIONS, seed=5, instruments=("sai", "phq9"), dropout_rate=0.0,
                             rupture_dropout=0.0)
    scored = {}
    for instrument in ("sai", "phq9"):
        inst = get(instrument)
        items = [inst.item_column(n) for n in inst.scored_items()]
        frame = score(cohort.data.select("id", "session", *items), inst).scores
        scored[instrument] = (inst, items, frame.select("id", "session", *items, *output_columns(inst)))
    today = timezone.localdate()
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench clinic", slug="bench")
        therapists = [User(username=f"t{i}", role=Role.THERAPIST, organisation=org) for i in range(THERAPISTS)]
        for t in therapists:
            t.set_unusable_password()
        therapists = User.objects.bulk_create(therapists)
        clients = Client.objects.bulk_create(
            Client(organisation=org, code=f"C{i:05d}", therapist=therapists[i % THERAPISTS]) for i in range(CLIENTS)
        )
        episodes = Episode.objects.bulk_create(
            Episode(client=c, started=today - dt.timedelta(weeks=SESSIONS), consent_at=timezone.now()) for c in clients
        )
        PlanEntry.objects.bulk_create(
            PlanEntry(episode=e, instrument=i, respondent=r, every=every, first_session=first)
            for e in episodes for i, r, every, first in DEFAULT_PLAN
        )
        sessions = Session.objects.bulk_create(
            (Session(episode=e, number=n, date=today - dt.timedelta(weeks=SESSIONS - n))
             for e in episodes for n in range(1, SESSIONS + 1)), batch_size=5000
        )
        by_key = {(s.episode_id, s.number): s for s in sessions}
        ids = sorted(int(i) for i in cohort.data["id"].unique())
        episode_of = {client_id: episodes[i].pk for i, client_id in enumerate(ids)}
        for instrument, (inst, items, frame) in scored.items():
            cols = output_columns(inst)
            rows = []
            for row in frame.iter_rows(named=True):
                session = by_key[(episode_of[int(row["id"])], int(row["session"]))]
                answers = {c.rsplit("_", 1)[1]: row[c] for c in items if row[c] is not None}
                rows.append(Response(session=session, instrument=instrument, respondent="client",
                                     answers=answers, scores={c: row[c] for c in cols}))
            Response.objects.bulk_create(rows, batch_size=5000)
    print(f"seeded {THERAPISTS} therapists, {CLIENTS:,} clients, {len(sessions):,} sessions", flush=True)


def timed(fn: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()
    DB.parent.mkdir(exist_ok=True)
    setup_django()
    from django.core.management import call_command

    from alliance.web.accounts.models import Organisation

    call_command("migrate", verbosity=0)
    if not Organisation.objects.filter(slug="bench").exists():
        print("seeding the benchmark clinic (once) ...", flush=True)
        seed()
    from django.conf import settings
    from django.test import Client as HttpClient
    from django.urls import clear_url_caches, reverse

    global urlpatterns
    urlpatterns = bench_urls()
    settings.ROOT_URLCONF = __name__
    clear_url_caches()

    from alliance.web.accounts.models import User
    from alliance.web.alerts.services import refresh_alerts
    from alliance.web.care.models import Client, Session
    from alliance.web.measures.models import Link
    from alliance.web.measures.services import create_link, start_session

    therapist = User.objects.get(username="t7")
    client = Client.objects.filter(therapist=therapist).order_by("pk").first()
    assert client is not None
    episode = client.current_episode()
    assert episode is not None
    refresh_alerts(episode, notify=False)
    http = HttpClient()
    http.force_login(therapist)

    def trivial() -> None:
        assert http.get("/bench/trivial/").status_code == 200

    def health() -> None:
        assert http.get(reverse("health")).status_code == 200

    def dashboard() -> None:
        assert http.get(reverse("care:dashboard")).status_code == 200

    def client_page() -> None:
        assert http.get(reverse("care:client", args=[client.pk])).status_code == 200

    # Submissions: each repetition sends a fresh one-page link (SAI only), end to end.
    def submission() -> None:
        session = start_session(episode, time_date())
        link, token = create_link(session, therapist)
        Link.objects.filter(pk=link.pk).update(instruments=["sai"])
        anonymous = HttpClient()
        data = {f"item_{n}": "3" for n in range(1, 7)}
        response = anonymous.post(reverse("measures:step", args=[token, 1]), data)
        assert response.status_code == 200, response.status_code

    def time_date() -> Any:
        import datetime as dt

        return dt.date.today()

    results = {}
    for name, fn in (("trivial", trivial), ("health", health), ("dashboard", dashboard), ("client page", client_page),
                     ("submission", submission)):
        timed(fn, 3)  # warm up
        results[name] = timed(fn, args.repeat)
    Session.objects.filter(episode=episode, number__gt=20).delete()
    base = statistics.quantiles(results["trivial"], n=20)[18]
    print(f"\n{THERAPISTS} therapists, {CLIENTS:,} clients, {CLIENTS * SESSIONS:,} sessions; "
          f"{args.repeat} requests each; SQLite; Django test client, one process\n")
    print(f"{'page':<12} {'p50 ms':>8} {'p95 ms':>8} {'p95 / trivial':>14}  [target <= 5x]")
    for name, times in results.items():
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        ratio = p95 / base
        mark = "" if name in ("trivial", "health") else ("ok" if ratio <= 5 else "MISSED")
        print(f"{name:<12} {p50:>8.1f} {p95:>8.1f} {ratio:>14.1f}  {mark}")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent / "src"))
    main()
