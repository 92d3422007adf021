"""A local stand-in for Twilio's Messages API, answering as the documentation says.

POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth
(account SID, auth token) and form fields To, From or MessagingServiceSid,
Body. 201 with the message resource on success; JSON errors with ``code``,
``message``, ``more_info`` and ``status`` otherwise. Each request takes the next
scripted answer: "ok", "invalid" (21211, HTTP 400), "stopped" (21610, HTTP 400),
"rate" (20429, HTTP 429), "down" (HTTP 500), "slow" (no answer within the
client's timeout); "ok" once the script runs out.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "test-auth-token"
SENDER = "+15005550006"


@dataclass
class FakeTwilio:
    url: str
    script: deque[str] = field(default_factory=deque)
    received: list[dict[str, Any]] = field(default_factory=list)
    slow_seconds: float = 2.0


ERRORS = {
    "invalid": (400, 21211, "The 'To' number +440000 is not a valid phone number."),
    "stopped": (400, 21610, "Attempt to send to unsubscribed recipient"),
    "rate": (429, 20429, "Too Many Requests"),
    "down": (500, 20500, "Internal Server Error"),
}


def start() -> tuple[FakeTwilio, ThreadingHTTPServer]:
    state = FakeTwilio(url="")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            auth = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
            state.received.append({"path": self.path, "form": form, "auth_ok": auth == expected})
            if self.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
                self._answer(404, {"code": 20404, "message": "The requested resource was not found", "status": 404})
                return
            if auth != expected:
                self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if not form.get("To") or not form.get("Body") or not (form.get("From") or form.get("MessagingServiceSid")):
                self._answer(400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400})
                return
            step = state.script.popleft() if state.script else "ok"
            if step == "slow":
                time.sleep(state.slow_seconds)
                step = "ok"
            if step in ERRORS:
                status, code, message = ERRORS[step]
                self._answer(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})
                return
            self._answer(
                201,
                {"sid": "SM" + secrets.token_hex(16), "status": "queued", "to": form["To"], "from": form.get("From"), "body": form["Body"], "account_sid": SID},
            )

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
