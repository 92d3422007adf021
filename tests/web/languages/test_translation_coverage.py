"""Every string a person sees goes through translation, and Spanish translates every one.

Three checks: no template shows literal text outside translation tags (a
template linter over Django's own lexer); ``makemessages`` run over a copy of
the web app finds no message the shipped Spanish catalogue leaves untranslated;
and the compiled catalogue (.mo) is the .po compiled (so the committed binary
is not stale).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import override_settings

import alliance.web

WEB = Path(alliance.web.__file__).parent
CATALOGUE = WEB / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Attributes whose values a person reads (or hears from a screen reader).
VISIBLE_ATTRIBUTES = re.compile(r"\b(aria-label|placeholder|title|alt)\s*=\s*\"([^\"]*)\"")
TAG = re.compile(r"<[^>]*>", re.S)
ENTITY = re.compile(r"&[a-z]+;|&#\d+;")
# Templates that are not pages people read in a language: the API's Swagger shell.
NOT_TEXT = {"api/docs.html"}


def _templates() -> list[Path]:
    return sorted(
        p
        for p in WEB.rglob("templates/**/*")
        if p.suffix in (".html", ".txt") and p.is_file()
    )


def literal_text(source: str) -> list[str]:
    """Visible text in a template that no translation tag covers."""
    found: list[str] = []
    inside_block = 0
    pieces: list[str] = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0]
            if name in ("blocktranslate", "blocktrans"):
                inside_block += 1
            elif name in ("endblocktranslate", "endblocktrans"):
                inside_block -= 1
            pieces.append("\x00")
        elif token.token_type == TokenType.TEXT and not inside_block:
            pieces.append(token.contents)
        else:
            pieces.append("\x00")
    text = "".join(pieces)
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    for match in VISIBLE_ATTRIBUTES.finditer(text):
        if re.search(r"[A-Za-z]", match.group(2).replace("\x00", "")):
            found.append(f'{match.group(1)}="{match.group(2)}"')
    for chunk in TAG.sub("\x00", text).split("\x00"):
        chunk = ENTITY.sub(" ", chunk)
        if re.search(r"[A-Za-z]", chunk):
            found.append(chunk.strip())
    return found


def test_linter_finds_literal_text_and_accepts_translated_text() -> None:
    assert literal_text("<p>Hello {{ name }}</p>") == ["Hello"]
    assert literal_text('<input aria-label="Search">') == ['aria-label="Search"']
    assert literal_text('{% load i18n %}<p>{% translate "Hello" %}</p>') == []
    assert (
        literal_text("<p>{% blocktranslate with n=name %}Hello {{ n }}{% endblocktranslate %}</p>")
        == []
    )
    assert literal_text('<a href="{% url "x" %}">&larr; {{ code }}</a>') == []


@pytest.mark.parametrize(
    "template", [p for p in _templates() if p.name not in {n.split("/")[-1] for n in NOT_TEXT}],
    ids=lambda p: str(p.relative_to(WEB)),
)
def test_template_shows_no_untranslated_text(template: Path) -> None:
    assert literal_text(template.read_text(encoding="utf-8")) == []


def _shipped() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def test_spanish_catalogue_translates_every_message_it_holds() -> None:
    catalogue = _shipped()
    untranslated = [e.msgid for e in catalogue if not e.obsolete and not e.translated()]
    assert untranslated == []


def test_compiled_catalogue_is_the_po_compiled() -> None:
    po = {(e.msgctxt, e.msgid): e.msgstr for e in _shipped() if e.translated() and not e.obsolete}
    mo = {
        (e.msgctxt, e.msgid): e.msgstr
        for e in polib.mofile(str(CATALOGUE.with_suffix(".mo")))
        if e.msgid
    }
    assert mo == po


def test_makemessages_finds_no_message_missing_from_the_spanish_catalogue(
    tmp_path: Path,
) -> None:
    """Run Django's makemessages over a copy of the web app and compare with what ships."""
    if shutil.which("xgettext") is None and os.environ.get("CI") != "true":
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "web"
    shutil.copytree(WEB, copy, ignore=shutil.ignore_patterns("locale", "static", "__pycache__"))
    (copy / "locale").mkdir()
    cwd = Path.cwd()
    os.chdir(copy)
    try:
        with override_settings(LOCALE_PATHS=[copy / "locale"]):
            call_command("makemessages", locale=["es"], verbosity=0, no_location=True)
    finally:
        os.chdir(cwd)
    extracted = polib.pofile(str(copy / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    shipped = {(e.msgctxt, e.msgid) for e in _shipped() if e.translated() and not e.obsolete}
    missing = [e.msgid for e in extracted if e.msgid and (e.msgctxt, e.msgid) not in shipped]
    assert len(extracted) > 700, "makemessages found too few messages: did it scan the app?"
    assert missing == []


# --- Python: messages, form labels, help texts, validation errors, choice labels ---------

VISIBLE_KEYWORDS = {"label", "help_text", "verbose_name", "empty_label"}


def _has_words(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_has_words(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.IfExp):
        return _has_words(node.body) or _has_words(node.orelse)
    return False


def untranslated_python_strings(source: str) -> list[int]:
    """Line numbers of literal text shown to people that no gettext call wraps."""
    found: list[int] = []
    for node in ast.walk(ast.parse(source)):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (
                isinstance(func, ast.Attribute)
                and getattr(func.value, "id", "") == "messages"
                and name in ("success", "error", "info", "warning")
            ):
                candidates += node.args[1:2]
            if name == "ValidationError" and node.args:
                candidates.append(node.args[0])
            for kw in node.keywords:
                if kw.arg in VISIBLE_KEYWORDS:
                    candidates.append(kw.value)
                if kw.arg == "error_messages" and isinstance(kw.value, ast.Dict):
                    candidates += [v for v in kw.value.values if v is not None]
        if isinstance(node, ast.ClassDef) and any(
            getattr(b, "attr", getattr(b, "id", "")) in ("TextChoices", "IntegerChoices")
            for b in node.bases
        ):
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple):
                    candidates += statement.value.elts[1:2]
        found += [c.lineno for c in candidates if _has_words(c)]
    return sorted(found)


def test_python_linter_finds_literal_messages_and_labels() -> None:
    source = (
        'messages.success(request, "Saved.")\n'
        'forms.CharField(label=gettext_lazy("Name"), help_text=f"Up to {n} characters")\n'
        'messages.error(request, gettext_lazy("No."))\n'
    )
    assert untranslated_python_strings(source) == [1, 2]


@pytest.mark.parametrize(
    "module",
    [p for p in sorted(WEB.rglob("*.py")) if "migrations" not in p.parts],
    ids=lambda p: str(p.relative_to(WEB)),
)
def test_python_module_shows_no_untranslated_text(module: Path) -> None:
    assert untranslated_python_strings(module.read_text(encoding="utf-8")) == []
