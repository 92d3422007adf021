"""Load driver: many clients answering their one-page questionnaire at once (stdlib only).

Each of ``concurrency`` threads holds its own HTTP connection and takes tokens
from a shared queue. For one token it GETs ``/q/<token>/1/`` (the step page:
CSRF cookie and form token), then POSTs six SAI answers. Outcomes:

- ``thanks``: the POST answered 200 "Thank you": an acknowledged submission;
- ``already``: after an earlier attempt failed (connection error, 5xx, ...),
  the retry was told "Your answers are already in": the earlier attempt
  landed, and the client got a clear answer;
- ``phantom``: "already in" for a token this driver had never POSTed (a bug);
- ``failed``: no clear answer within the retry budget.

After a connection error, a 5xx, a 429 or a CSRF 403 the client waits
(0.1 s doubling to 2 s) and starts again from the GET, at most
``max_attempts`` times and ``per_submission_s`` seconds. Every loop is
bounded in count and time; the whole run stops taking tokens at
``deadline_s``.

Usable as a library (``run_load``; bench/load/run.py and tests/load/ use it)
or alone::

    python bench/load/driver.py --base http://127.0.0.1:8000 --tokens tokens.json \
        --concurrency 20 --out outcomes.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")
THANKS = b"<h1>Thank you</h1>"
ALREADY = b"Your answers are already in"
SAI_ITEMS = 6
CONNECTION_ERRORS = (
    ConnectionError,  # refused, reset, aborted
    http.client.HTTPException,  # RemoteDisconnected, BadStatusLine, IncompleteRead
    socket.timeout,
    TimeoutError,
    OSError,
)


@dataclass
class Outcome:
    token: str
    answers: dict[str, int]
    status: str = "failed"  # thanks | already | phantom | failed
    attempts: int = 0
    posted: bool = False  # at least one POST was sent (so "already" is explained)
    connection_errors: int = 0
    http_5xx: int = 0
    http_429: int = 0
    other: list[str] = field(default_factory=list)  # unexpected answers, e.g. "POST 400"
    trail: list[str] = field(default_factory=list)  # each failed step: "POST 500", "GET conn"
    post_ms: float | None = None  # the POST that got the final answer
    total_ms: float | None = None  # first GET to final answer, retries included
    finished_at: float | None = None


@dataclass
class LoadReport:
    outcomes: list[Outcome]
    wall_s: float
    concurrency: int

    def counts(self) -> dict[str, int]:
        c = Counter(o.status for o in self.outcomes)
        return {
            "tokens": len(self.outcomes),
            "thanks": c["thanks"],
            "already_after_retry": c["already"],
            "phantom_already": c["phantom"],
            "failed": c["failed"],
            "acknowledged": c["thanks"] + c["already"],
            "connection_errors": sum(o.connection_errors for o in self.outcomes),
            "http_5xx": sum(o.http_5xx for o in self.outcomes),
            "http_429": sum(o.http_429 for o in self.outcomes),
            "retried_submissions": sum(1 for o in self.outcomes if o.attempts > 1),
            "unexpected_answers": sum(len(o.other) for o in self.outcomes),
            "submissions_with_5xx_then_acknowledged": sum(
                1 for o in self.outcomes if o.http_5xx and o.status in ("thanks", "already")
            ),
            # the answers were stored, yet the client was first shown an error page
            "stored_but_5xx_shown": sum(
                1 for o in self.outcomes if o.status == "already" and _posts(o) == {"5xx"}
            ),
            "stored_but_connection_lost": sum(
                1 for o in self.outcomes if o.status == "already" and _posts(o) == {"conn"}
            ),
        }

    def summary(self) -> dict[str, Any]:
        done = [o for o in self.outcomes if o.status in ("thanks", "already")]
        post = sorted(o.post_ms for o in done if o.post_ms is not None)
        total = sorted(o.total_ms for o in done if o.total_ms is not None)
        return {
            **self.counts(),
            "concurrency": self.concurrency,
            "wall_s": round(self.wall_s, 2),
            "submissions_per_s": round(len(done) / self.wall_s, 1) if self.wall_s else 0.0,
            "post_ms_p50": _pct(post, 50),
            "post_ms_p95": _pct(post, 95),
            "post_ms_max": round(post[-1], 1) if post else None,
            "submission_ms_p50": _pct(total, 50),
            "submission_ms_p95": _pct(total, 95),
            "unexpected_examples": sorted({x for o in self.outcomes for x in o.other})[:10],
        }


def _posts(o: Outcome) -> set[str]:
    """How this submission's failed POSTs failed: {"5xx"}, {"conn"}, both, or other answers."""
    return {"5xx" if t[5:6] == "5" else t[5:] for t in o.trail if t.startswith("POST ")}


def _pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    k = min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))  # nearest rank
    return round(values[k], 1)


class _Client:
    """One client connection (optionally from its own loopback address)."""

    def __init__(self, host: str, port: int, source_ip: str | None, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.source = (source_ip, 0) if source_ip else None
        self.conn: http.client.HTTPConnection | None = None
        self.cookie: str | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(
                self.host, self.port, timeout=self.timeout, source_address=self.source
            )
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "alliance-load/1"}
        if self.cookie:
            headers["Cookie"] = f"csrftoken={self.cookie}"
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except BaseException:
            self.close()
            raise
        for value in resp.headers.get_all("Set-Cookie") or []:
            m = CSRF_COOKIE.search(value)
            if m:
                self.cookie = m.group(1)
        if resp.will_close:
            self.close()
        return resp.status, data, resp

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _submit(
    client: _Client,
    outcome: Outcome,
    *,
    max_attempts: int,
    per_submission_s: float,
    stop: threading.Event,
) -> None:
    path = f"/q/{outcome.token}/1/"
    body = urllib.parse.urlencode(
        {f"item_{n}": str(v) for n, v in sorted(outcome.answers.items(), key=lambda kv: int(kv[0]))}
    )
    client.cookie = None  # each token is a different client's phone: a fresh CSRF cookie
    t0 = time.perf_counter()
    deadline = t0 + per_submission_s
    delay = 0.1
    while outcome.attempts < max_attempts and time.perf_counter() < deadline and not stop.is_set():
        outcome.attempts += 1
        if outcome.attempts > 1:
            time.sleep(min(delay, max(0.0, deadline - time.perf_counter())))
            delay = min(delay * 2, 2.0)
        step = "GET"
        try:
            status, page, _ = client.request("GET", path)
            if status == 200 and ALREADY in page:
                outcome.status = "already" if outcome.posted else "phantom"
                break
            if status >= 500:
                outcome.http_5xx += 1
                outcome.trail.append(f"GET {status}")
                continue
            if status == 429:
                outcome.http_429 += 1
                outcome.trail.append("GET 429")
                continue
            m = CSRF_FIELD.search(page)
            if status != 200 or m is None:
                outcome.other.append(f"GET {status}")
                if status in (404, 410):
                    break  # the link is gone: no retry can help; reported as failed
                continue
            form = body + "&csrfmiddlewaretoken=" + urllib.parse.quote(m.group(1).decode())
            t_post = time.perf_counter()
            outcome.posted = True
            step = "POST"
            status, page, _ = client.request("POST", path, form.encode())
            post_ms = (time.perf_counter() - t_post) * 1000
            if status == 200 and THANKS in page:
                outcome.status, outcome.post_ms = "thanks", post_ms
                break
            if status == 200 and ALREADY in page:
                outcome.status, outcome.post_ms = "already", post_ms
                break
            if status >= 500:
                outcome.http_5xx += 1
            elif status == 429:
                outcome.http_429 += 1
            else:
                outcome.other.append(f"POST {status}")
            outcome.trail.append(f"POST {status}")
        except CONNECTION_ERRORS:
            outcome.connection_errors += 1
            outcome.trail.append(f"{step} conn")
    if outcome.status != "failed":
        outcome.total_ms = (time.perf_counter() - t0) * 1000
        outcome.finished_at = time.time()


def answers_for(i: int, rng: random.Random) -> dict[str, int]:
    """Six SAI answers (0-5) for token number i; varied so a mix-up between links shows."""
    del i
    return {str(n): rng.randint(0, 5) for n in range(1, SAI_ITEMS + 1)}


def run_load(
    base_url: str,
    tokens: list[str],
    *,
    concurrency: int = 20,
    spread_ips: bool = False,
    max_attempts: int = 40,
    per_submission_s: float = 120.0,
    deadline_s: float = 1800.0,
    timeout_s: float = 30.0,
    seed: int = 4,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Submit every token once (with retries); returns each token's outcome.

    ``spread_ips`` gives thread k the source address 127.0.0.(10+k), so a
    per-address rate limit sees ``concurrency`` clients rather than one.
    ``on_progress(finished)`` is called after each token (from the worker
    threads; keep it quick): the fault injector in run.py watches it.
    """
    if not 1 <= concurrency <= 200:
        raise ValueError("concurrency must be between 1 and 200")
    url = urllib.parse.urlsplit(base_url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    rng = random.Random(seed)
    outcomes = [Outcome(token=t, answers=answers_for(i, rng)) for i, t in enumerate(tokens)]
    lock = threading.Lock()
    state = {"next": 0, "finished": 0}
    stop = threading.Event()

    def worker(k: int) -> None:
        client = _Client(host, port, f"127.0.0.{10 + k}" if spread_ips else None, timeout_s)
        try:
            while not stop.is_set():
                with lock:
                    i = state["next"]
                    if i >= len(outcomes):
                        return
                    state["next"] = i + 1
                _submit(
                    client,
                    outcomes[i],
                    max_attempts=max_attempts,
                    per_submission_s=per_submission_s,
                    stop=stop,
                )
                with lock:
                    state["finished"] += 1
                    finished = state["finished"]
                if on_progress is not None:
                    on_progress(finished)
        finally:
            client.close()

    threads = [
        threading.Thread(target=worker, args=(k,), name=f"load-{k}", daemon=True)
        for k in range(concurrency)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(max(0.0, deadline_s - (time.perf_counter() - t0)))
    stop.set()
    for t in threads:  # in-flight submissions end within timeout_s after stop
        t.join(timeout_s + 5)
    return LoadReport(outcomes, time.perf_counter() - t0, concurrency)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--tokens", type=Path, required=True, help="JSON list of raw tokens")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--spread-ips", action="store_true", help="one loopback address per connection"
    )
    parser.add_argument("--deadline", type=float, default=1800.0, help="seconds for the whole run")
    parser.add_argument("--out", type=Path, help="write every outcome here (JSON)")
    args = parser.parse_args(argv)
    tokens = json.loads(args.tokens.read_text())
    report = run_load(
        args.base,
        tokens,
        concurrency=args.concurrency,
        spread_ips=args.spread_ips,
        deadline_s=args.deadline,
    )
    print(json.dumps(report.summary(), indent=2))
    if args.out:
        args.out.write_text(json.dumps([asdict(o) for o in report.outcomes]))
    return 0 if report.counts()["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
