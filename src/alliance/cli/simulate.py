"""``alliance simulate``: synthetic cohorts with known truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alliance.cli.common import QUIET_HELP, progress, save, step


def register(app: typer.Typer) -> None:
    app.command(
        epilog=(
            "Example: alliance simulate -o cohort.csv --truth truth.csv --clients 300 --sessions 12 --seed 7\n\n"
            "The truth file lists each client's injected rupture session, whether it was repaired "
            "and when, and when the client dropped out."
        )
    )(simulate)


def simulate(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Data file (format from extension).")
    ],
    clients: Annotated[int, typer.Option(min=1, help="Number of clients.")] = 200,
    sessions: Annotated[
        int, typer.Option(min=2, help="Sessions per client (before dropout).")
    ] = 12,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same cohort.")
    ] = 1,
    instrument: Annotated[
        list[str] | None,
        typer.Option(
            "-i",
            "--instrument",
            help="Instruments to simulate (repeat). Default: wai_sr, wai_sr_t, sai, phq9, gad7.",
        ),
    ] = None,
    truth: Annotated[
        Path | None, typer.Option(help="Write the known truth per client here.")
    ] = None,
    alliance_outcome_r: Annotated[
        float, typer.Option(help="Correlation of latent alliance level with symptom improvement.")
    ] = 0.28,
    rupture_rate: Annotated[
        float, typer.Option(help="Per-session chance of a rupture (at most one per client).")
    ] = 0.08,
    repair_prob: Annotated[float, typer.Option(help="Chance that a rupture is repaired.")] = 0.6,
    dropout_rate: Annotated[float, typer.Option(help="Chance that a client leaves early.")] = 0.2,
    missing_rate: Annotated[float, typer.Option(help="Share of item answers left blank.")] = 0.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
) -> None:
    """Write a synthetic cohort (items per client and session) with known ruptures and outcomes."""
    instruments = tuple(instrument) if instrument else ("wai_sr", "wai_sr_t", "sai", "phq9", "gad7")
    for name, value in (("alliance-outcome-r", alliance_outcome_r),):
        if not -1 < value < 1:
            raise typer.BadParameter("must be between -1 and 1", param_hint=f"--{name}")
    with progress(3, quiet) as bar:
        step(bar, f"simulating {clients:,} clients x {sessions} sessions")
        from alliance.simulate import simulate_cohort

        try:
            cohort = simulate_cohort(
                clients,
                sessions,
                seed=seed,
                instruments=instruments,
                alliance_outcome_r=alliance_outcome_r,
                rupture_rate=rupture_rate,
                repair_prob=repair_prob,
                dropout_rate=dropout_rate,
                missing_rate=missing_rate,
            )
        except (ValueError, KeyError) as exc:
            raise typer.BadParameter(str(exc.args[0] if exc.args else exc)) from None
        step(bar, f"writing {output.name}")
        save(cohort.data, output)
        if truth is not None:
            save(cohort.truth, truth)
        step(bar, "done")
