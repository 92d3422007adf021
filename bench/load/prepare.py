"""Seed a load-test clinic and make its client questionnaire links in bulk.

    DATABASE_URL=postgres://... ALLIANCE_DATA_KEYS=... python bench/load/prepare.py \
        --links 5000 --out tokens.json

Run against a freshly migrated, empty database (bench/load/run.py makes one).
One clinic, 20 therapists, and clients with four sessions each (numbers 2-5:
session 1 was before the load test, so no C-NIP is added). Every episode's
plan asks the client one instrument, the SAI, so each link is a one-page
questionnaire. Links are made by the app's own ``create_link`` (one audit
event each), in transactions of 500. Writes the raw tokens, in link order, as
a JSON list. No management command: plain Django ORM.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

SESSIONS_PER_CLIENT = 4
THERAPISTS = 20
BATCH = 500


def seed(links: int) -> list[str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.web.settings")
    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from alliance.web.accounts.models import Organisation, Role, User
    from alliance.web.care.models import Client, Episode, Session
    from alliance.web.consent.texts import CONSENT_VERSION
    from alliance.web.measures.models import PlanEntry, Respondent
    from alliance.web.measures.services import create_link

    if Organisation.objects.filter(slug="loadtest").exists():
        raise SystemExit(
            "prepare.py: this database already has the load-test clinic; use a fresh one"
        )
    now = timezone.now()
    today = timezone.localdate()
    org = Organisation.objects.create(name="Load-test clinic", slug="loadtest", link_expiry_days=7)
    therapists = []
    for i in range(THERAPISTS):
        user = User(
            username=f"load-therapist-{i:02d}",
            first_name=f"T{i:02d}",
            last_name="Load",
            role=Role.THERAPIST,
            organisation=org,
        )
        user.set_unusable_password()
        therapists.append(user)
    User.objects.bulk_create(therapists)
    therapists = list(User.objects.filter(organisation=org).order_by("username"))

    n_clients = -(-links // SESSIONS_PER_CLIENT)
    clients = Client.objects.bulk_create(
        Client(organisation=org, therapist=therapists[i % THERAPISTS], code=f"LOAD-{i:06d}")
        for i in range(n_clients)
    )
    episodes = Episode.objects.bulk_create(
        Episode(
            client=c,
            started=today - dt.timedelta(weeks=6),
            consent_at=now,
            consent_version=CONSENT_VERSION,
            expected_sessions=12,
        )
        for c in clients
    )
    PlanEntry.objects.bulk_create(
        PlanEntry(
            episode=e, instrument="sai", respondent=Respondent.CLIENT, every=1, first_session=1
        )
        for e in episodes
    )
    sessions = Session.objects.bulk_create(
        Session(episode=e, number=n, date=e.started + dt.timedelta(weeks=n - 1))
        for e in episodes
        for n in range(2, 2 + SESSIONS_PER_CLIENT)
    )[:links]
    by_id = {e.pk: e for e in episodes}
    for s in sessions:  # the episode objects above already carry client and therapist
        s.episode = by_id[s.episode_id]
    tokens: list[str] = []
    for start in range(0, len(sessions), BATCH):
        with transaction.atomic():
            for s in sessions[start : start + BATCH]:
                link, token = create_link(s, s.episode.client.therapist)
                if link.instruments != ["sai"]:
                    raise SystemExit(
                        f"prepare.py: expected a one-instrument link, got {link.instruments}"
                    )
                tokens.append(token)
    return tokens


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, required=True, help="how many links (1-100000)")
    parser.add_argument("--out", type=Path, required=True, help="JSON file for the raw tokens")
    args = parser.parse_args(argv)
    if not 1 <= args.links <= 100_000:
        parser.error("--links must be between 1 and 100000")
    t0 = time.perf_counter()
    tokens = seed(args.links)
    args.out.write_text(json.dumps(tokens))
    print(f"prepare: {len(tokens)} links in {time.perf_counter() - t0:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
