"""Shared pieces of the property-based fuzzing of the web app's forms and token pages.

- ``nasty_text``: oversized, unicode, HTML and script, SQL-like and
  template-like strings, control characters, numbers that do not fit;
- ``parse_forms``: the forms a page really shows (method, action, field names
  and the options of selects, radios and checkboxes), so the fuzzing covers
  whatever forms the templates render, including ones added later;
- ``fuzz_fields``: POST data for a form: each field fuzzed, left out, given a
  valid option, or repeated; now and then a field the form does not have;
- ``Marker``: a payload that carries a unique tag, attribute and script, so
  "rendered unescaped" can be checked without false alarms from the page's
  own markup.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from alliance.web.accounts.models import User
from alliance.web.accounts.otp import DEVICE_ID_SESSION_KEY, TOTPDevice

# Fuzzing tests: no deadline (database latency varies), fixtures reused across
# examples on purpose (each example adds to the same clinic), reproducible in CI.
FUZZ_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
    "derandomize": os.environ.get("CI") == "true",
    "database": None if os.environ.get("CI") == "true" else settings.default.database,
}

NASTY = (
    "",
    " ",
    "\t\r\n",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    "' OR '1'='1",
    "'; DROP TABLE measures_response; --",
    "1; SELECT pg_sleep(5)--",
    "%' OR 1=1 --",
    "\\",
    "%s%s%s%n",
    "%(password)s",
    "{{ request.user.password }}",
    "{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202eevil",
    "\ufeff",
    "\u200b",
    "𝕏😀👩‍👩‍👧",
    "Zoë Ångström ŉ ǅ ß ﬃ",
    "مرحبا שלום 你好",
    "١٢٣",
    "²",
    "-1",
    "0",
    "99999999999999999999999999",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "inf",
    "4.0000000001",
    "null",
    "true",
    "[]",
    "{}",
    "2026-02-30",
    "0000-00-00",
    "99999-01-01",
)

_unicode = st.characters(exclude_categories=("Cs",))  # no lone surrogates: not encodable


def nasty_text(max_size: int = 60) -> st.SearchStrategy[str]:
    """Strings a hostile or unlucky client might send (oversized ones included)."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.text(_unicode, max_size=max_size),
        st.lists(st.sampled_from(NASTY), min_size=2, max_size=4).map("".join),
        st.tuples(st.sampled_from(("x", "𝕏", "<", "'", "é")), st.integers(1_000, 20_000)).map(
            lambda t: t[0] * t[1]
        ),
    )


@dataclass
class Form:
    page: str
    persona: str
    method: str
    action: str
    multipart: bool
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> options ([] = free)
    files: set[str] = field(default_factory=set)  # names of <input type="file">

    def label(self) -> str:
        return f"{self.method} {self.action} ({self.persona}, from {self.page})"


class _FormParser(HTMLParser):
    def __init__(self, page: str, persona: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page, self.persona = page, persona
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            action = urljoin(self.page, a.get("action") or self.page)
            self._current = Form(
                page=self.page,
                persona=self.persona,
                method=(a.get("method") or "get").lower(),
                action=urlsplit(action).path,
                multipart="multipart" in a.get("enctype", ""),
            )
            self.forms.append(self._current)
            return
        form = self._current
        if form is None:
            return
        name = a.get("name")
        if tag in ("input", "textarea", "select", "button") and name:
            if name == "csrfmiddlewaretoken":
                return
            options = form.fields.setdefault(name, [])
            kind = a.get("type", "text").lower()
            if tag == "input" and kind in ("radio", "checkbox", "hidden", "submit"):
                options.append(a.get("value", "on"))
            if tag == "input" and kind == "file":
                form.files.add(name)
            if tag == "select":
                self._select = name
        elif tag == "option" and self._select:
            form.fields[self._select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def parse_forms(page: str, persona: str, body: str) -> list[Form]:
    parser = _FormParser(page, persona)
    parser.feed(body)
    return parser.forms


@st.composite
def fuzz_fields(draw: st.DrawFn, form: Form) -> dict[str, Any]:
    """POST/GET data for ``form``: fuzzed, missing, valid-option or repeated fields."""
    data: dict[str, Any] = {}
    for name, options in form.fields.items():
        choice = draw(st.sampled_from(("fuzz", "fuzz", "valid", "missing", "repeated")))
        if choice == "missing":
            continue
        if name in form.files:
            text = draw(nasty_text(400))
            data[name] = SimpleUploadedFile(
                draw(st.sampled_from(("t.vtt", "t.srt", "t.txt", "t.csv", "t.exe", "<b>.txt"))),
                text.encode("utf-8"),
            )
        elif choice == "valid" and options:
            data[name] = draw(st.sampled_from(options))
        elif choice == "repeated":
            data[name] = [draw(nasty_text(30)), draw(nasty_text(30))]
        else:
            data[name] = draw(nasty_text())
    if draw(st.integers(0, 4)) == 0:
        data[draw(st.sampled_from(("extra", "id", "pk", "organisation", "is_superuser")))] = draw(
            nasty_text(20)
        )
    return data


@dataclass(frozen=True)
class Marker:
    """A stored payload: fuzzed text around a tag, an attribute break-out and a script.

    Rendered safely, the page shows ``&lt;x-fzN`` and never ``<x-fzN``, never
    ``" fzNattr="`` as markup, and never a ``<script`` (the app has none).
    """

    n: int
    around: str

    @property
    def text(self) -> str:
        return (
            f'{self.around}<x-fz{self.n} id=fz{self.n}>"\' fz{self.n}attr="1" '
            f"<script>alert({self.n})</script></x-fz{self.n}>{self.around[:8]}"
        )

    @property
    def escaped_tag(self) -> str:
        return f"&lt;x-fz{self.n}"

    def raw_problems(self, body: str) -> list[str]:
        """What of this payload appears unescaped in ``body``."""
        found = []
        if f"<x-fz{self.n}" in body:
            found.append(f"raw tag <x-fz{self.n}")
        if f'" fz{self.n}attr="1"' in body:
            found.append(f"attribute break-out fz{self.n}attr")
        return found


def unsafe_markup(body: str) -> list[str]:
    """Markup from the NASTY payloads that no page of the app has of its own (it has no JavaScript)."""
    lower = body.lower()
    return [m for m in ("<script", "<img src=x onerror", "<svg/onload") if m in lower]


def sign_in(http: HttpClient, user: User | None) -> HttpClient:
    """``http`` signed in as ``user`` completely (password and, where needed, code); None: anonymous."""
    http.logout()
    if user is None:
        return http
    http.force_login(user)
    if user.requires_two_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="fuzz authenticator", confirmed=True)
        session = http.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return http


def body_of(response: Any) -> str:
    content = getattr(response, "content", b"")
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else ""


def escaped(text: str) -> str:
    return html.escape(text, quote=True)


# --- bugs already found -----------------------------------------------------------
# Inputs that hit a server error this fuzzing found before. Each has a strict-xfail
# regression test in test_known_bugs.py; here such inputs are made harmless, so the
# fuzzing keeps looking for new failures instead of finding these again. When a bug
# is fixed its xfail test starts passing (and fails as strict): then delete its rule.
_CONTROL = str.maketrans("", "", "\r\n\t\x00")


def _no_unicode_digits(value: str) -> str:
    return "0" if value.isdigit() and not value.isascii() else value


# Bugs the fuzzing found are fixed; steer around none (add a rule here only while a
# newly found bug is being fixed, with a guard test in test_known_bugs.py).
KNOWN_BUGS: dict[str, tuple[str, str, Any]] = {}


def avoid_known_bugs(action: str, data: dict[str, Any]) -> dict[str, Any]:
    import re

    out = dict(data)
    for pattern, name, repair in KNOWN_BUGS.values():
        if re.match(pattern, action) and name in out:
            value = out[name]
            out[name] = [repair(v) for v in value] if isinstance(value, list) else repair(value)
    return out
