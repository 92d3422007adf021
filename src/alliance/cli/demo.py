"""``alliance demo``: the research toolkit end to end on a simulated cohort."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from alliance.cli.common import out, say


def register(app: typer.Typer) -> None:
    app.command(epilog="Example: alliance demo --out demo-output")(demo)


def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the demo files.")] = Path(
        "demo-output"
    ),
    clients: Annotated[int, typer.Option(min=20, help="Number of simulated clients.")] = 400,
) -> None:
    """Simulate a cohort, score it, then show ruptures, change, reliability and agreement."""
    from alliance.cli import run

    out_dir.mkdir(parents=True, exist_ok=True)
    cohort, truth, scored = out_dir / "cohort.csv", out_dir / "truth.csv", out_dir / "scored.csv"
    steps = [
        f"simulate -o {cohort} --truth {truth} --clients {clients} --sessions 12 --seed 7 -q",
        f"score {cohort} -o {scored} -q",
        f"ruptures {scored} --score wai_sr_total --estimate --truth {truth} -o {out_dir / 'ruptures.csv'} -q",
        f"change {scored} --score phq9_total -o {out_dir / 'change.csv'} -q",
        f"reliability {cohort} -i wai_sr --session 1",
        f"agreement {scored} --client wai_sr --therapist wai_sr_t -o {out_dir / 'agreement.csv'}",
    ]
    for command in steps:
        out.rule(f"[bold]$ alliance {escape(command)}")
        code = run(shlex.split(command))
        if code != 0:
            raise typer.Exit(code)
    say(f"\nAll files are in {out_dir}/. Every command has --help with a worked example.")
