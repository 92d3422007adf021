"""The `alliance export` command (filled in below)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the command to the `alliance` app."""
