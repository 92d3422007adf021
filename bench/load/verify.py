"""Check the database after a load run: one stored response set per acknowledged submission.

    DATABASE_URL=... ALLIANCE_DATA_KEYS=... python bench/load/verify.py --outcomes outcomes.json

Reads the driver's outcomes (token, answers sent, status) and the database
through the app's models (answers are encrypted at rest, so the same data
keys are needed). Checks, for the load-test clinic:

- every acknowledged submission (``thanks``, or ``already`` after a retry)
  has its link marked submitted and exactly one client response, holding
  exactly the answers that were sent;
- no link has more than one response, and no link the driver never
  acknowledged was stored, except for submissions reported ``failed`` (their
  fate is counted, not judged);
- exactly one ``submit`` audit event per submitted link, and the audit hash
  chain verifies intact.

Prints a JSON report; exit 1 when any check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any


def check(outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance.web.settings")
    django.setup()
    from django_tasks_db.models import DBTaskResult

    from alliance.web.audit.chain import verify
    from alliance.web.audit.models import AuditEvent
    from alliance.web.measures.models import Link, Response, hash_token

    links = {
        link.token_hash: link
        for link in Link.objects.filter(
            session__episode__client__organisation__slug="loadtest"
        ).only("id", "token_hash", "submitted_at", "session_id")
    }
    responses: dict[int, list[Response]] = {}
    for r in Response.objects.filter(
        session__episode__client__organisation__slug="loadtest", respondent="client"
    ):
        responses.setdefault(r.link_id or 0, []).append(r)
    submit_events = Counter(
        AuditEvent.objects.filter(action="submit", object_type="measures.link").values_list(
            "object_id", flat=True
        )
    )
    problems: list[str] = []
    acknowledged = stored_ok = failed_stored = failed_not_stored = 0
    seen: set[int] = set()
    for o in outcomes:
        link = links.get(hash_token(o["token"]))
        if link is None:
            problems.append(f"token #{len(seen)}: no link in the database")
            continue
        seen.add(link.pk)
        rows = responses.get(link.pk, [])
        if o["status"] in ("thanks", "already"):
            acknowledged += 1
            if link.submitted_at is None:
                problems.append(f"link {link.pk}: acknowledged but not marked submitted")
            if len(rows) != 1:
                problems.append(f"link {link.pk}: acknowledged with {len(rows)} stored responses")
                continue
            sent = {k: float(v) for k, v in o["answers"].items()}
            if rows[0].answers != sent or rows[0].session_id != link.session_id:
                problems.append(f"link {link.pk}: stored answers differ from those sent")
                continue
            stored_ok += 1
        elif o["status"] == "failed":
            if rows:
                failed_stored += 1
            else:
                failed_not_stored += 1
            if len(rows) > 1:
                problems.append(f"link {link.pk}: {len(rows)} stored responses")
        else:  # phantom: "already in" before this driver ever posted
            problems.append(f"link {link.pk}: status {o['status']}")
    for pk, rows in responses.items():
        if pk not in seen:
            problems.append(f"{len(rows)} response(s) for link {pk}, which the driver never used")
    submitted = [x for x in links.values() if x.submitted_at is not None]
    for x in submitted:
        if submit_events.get(str(x.pk), 0) != 1:
            problems.append(f"link {x.pk}: {submit_events.get(str(x.pk), 0)} submit audit events")
    for x in links.values():
        if x.submitted_at is None and responses.get(x.pk):
            problems.append(f"link {x.pk}: responses stored but the link is not marked submitted")
    # The outbox: every submitted link's episode has its alert evaluation enqueued with the
    # answers (one task per submission), so no stored response is left without it.
    enqueued = Counter(
        int(args[0])
        for args in DBTaskResult.objects.filter(
            task_path="alliance.web.alerts.tasks.evaluate_alerts"
        ).values_list("args_kwargs__args", flat=True)
    )
    episodes = dict(
        Link.objects.filter(pk__in=[x.pk for x in submitted]).values_list(
            "pk", "session__episode_id"
        )
    )
    expected = Counter(episodes.values())
    without = sum(max(0, n - enqueued.get(e, 0)) for e, n in expected.items())
    if without:
        problems.append(f"{without} submitted link(s) without an enqueued alert evaluation")
    verdict = verify()
    if not verdict.ok:
        problems.append(f"audit chain: {verdict.message()}")
    total_rows = sum(len(v) for v in responses.values())
    return {
        "ok": not problems,
        "links": len(links),
        "acknowledged": acknowledged,
        "acknowledged_stored_once_with_same_answers": stored_ok,
        "stored_responses": total_rows,
        "submitted_links": len(submitted),
        "duplicates": sum(len(v) - 1 for v in responses.values() if len(v) > 1),
        "failed_but_stored": failed_stored,
        "failed_not_stored": failed_not_stored,
        "alert_evaluations_enqueued": sum(enqueued.values()),
        "submitted_without_alert_evaluation": without,
        "audit_chain": verdict.message(),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outcomes", type=Path, required=True, help="the driver's outcomes (JSON)")
    args = parser.parse_args(argv)
    report = check(json.loads(args.outcomes.read_text()))
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
