"""Nothing in the app's stylesheet assumes left-to-right: logical properties only."""

from __future__ import annotations

import re
from pathlib import Path

import alliance.web

CSS = Path(alliance.web.__file__).parent / "static" / "alliance" / "app.css"
PHYSICAL = re.compile(r"(?<![-\w])(left|right)(?![-\w])|(margin|padding|border)-(left|right)")


def test_app_stylesheet_uses_logical_properties_not_left_or_right() -> None:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(encoding="utf-8"), flags=re.S)
    assert [m.group(0) for m in PHYSICAL.finditer(text)] == []


def test_pages_carry_their_text_direction(db) -> None:
    from django.test import Client

    html = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'dir="ltr"' in html
