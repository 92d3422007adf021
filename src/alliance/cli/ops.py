"""Operations that need the clinic app, found through the ``alliance.operations`` entry points.

The CLI never imports the web app (an import-linter contract). Installed
packages add commands by declaring, in their metadata,
``[project.entry-points."alliance.operations"]`` a ``name = "module:register"``
whose ``register(app: typer.Typer)`` adds them; Alliance's own clinic app adds
``alliance audit verify``, ``alliance backup`` and ``alliance restore`` this
way (:mod:`alliance.web.operations`). Loading one imports no Django: the
commands import it when they run.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

GROUP = "alliance.operations"


def register(app: typer.Typer) -> None:
    """Let every installed ``alliance.operations`` entry point add its commands."""
    for entry in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        entry.load()(app)
