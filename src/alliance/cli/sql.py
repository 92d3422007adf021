"""``alliance sql``: the instruments as one SQL SELECT for a warehouse table."""

from __future__ import annotations

from typing import Annotated

import typer

EPILOG = (
    "Example: alliance sql phq9 gad7 --dialect postgres --table clinic.answers > score.sql\n\n"
    "The SELECT keeps every column of the table and adds the columns `alliance score` adds "
    "(totals, subscales, item means, bands, flags, missing-data notes), with the same "
    "numbers. It does not check the answers: run the query of --check first (it lists every "
    "answer outside an item's allowed values and should return no row). With --ruptures SCORE "
    "--noise-sd X it also flags ruptures by the calibrated rule of 'alliance ruptures' "
    "(X from 'alliance ruptures FILE --score SCORE --print-noise'). Dialects: duckdb, "
    "postgres, sqlite, spark, databricks, bigquery, snowflake."
)


def register(app: typer.Typer) -> None:
    app.command(epilog=EPILOG)(sql)


def sql(
    instruments: Annotated[
        list[str], typer.Argument(help="Instrument ids (e.g. wai_sr phq9) or .toml files.")
    ],
    dialect: Annotated[
        str, typer.Option("--dialect", "-d", help="SQL dialect of the engine.")
    ] = "duckdb",
    table: Annotated[
        str, typer.Option("--table", "-t", help="Table (or schema.table) holding the answers.")
    ] = "answers",
    check: Annotated[
        bool,
        typer.Option("--check", help="Print the query listing invalid answers instead."),
    ] = False,
    ruptures: Annotated[
        str | None,
        typer.Option(
            "--ruptures",
            help="Also flag ruptures and repairs on this score column (e.g. wai_sr_total), "
            "with window functions over each client's sessions.",
        ),
    ] = None,
    noise_sd: Annotated[
        float | None,
        typer.Option(
            help="With --ruptures (needed): the pooled session-to-session SD of the score, "
            "as 'alliance ruptures FILE --score SCORE --print-noise' prints it."
        ),
    ] = None,
    min_drop: Annotated[
        float | None,
        typer.Option(
            help="With --ruptures: least fall from the previous session, in raw points "
            "(default: 1 noise SD)."
        ),
    ] = None,
) -> None:
    """Print one SELECT that scores a wide table exactly as `alliance score` does."""
    from alliance.instruments import resolve
    from alliance.sqlgen import DIALECTS, check_query, score_query, to_sql

    if dialect not in DIALECTS:
        raise typer.BadParameter(f"use one of {', '.join(DIALECTS)}", param_hint="--dialect")
    chosen = [resolve(i) for i in instruments]
    if check:
        typer.echo(to_sql(check_query(chosen, table), dialect) + ";")
        return
    query = score_query(chosen, table)
    if ruptures is not None:
        from alliance.cli.stats import split_score_column
        from alliance.sqlgen.ruptures import rupture_query
        from alliance.stats import RuptureSettings

        inst, scale_id = split_score_column(ruptures)
        if ruptures not in {f"{i.id}_{s.id}" for i in chosen for s in i.scales}:
            raise typer.BadParameter(
                f"{ruptures} is not scored by {', '.join(i.id for i in chosen)}",
                param_hint="--ruptures",
            )
        if noise_sd is None or not noise_sd > 0:
            raise typer.BadParameter(
                f"give the pooled session-to-session SD of {ruptures} (above 0); "
                f"'alliance ruptures FILE --score {ruptures} --print-noise' prints it",
                param_hint="--noise-sd",
            )
        if min_drop is not None and not min_drop > 0:
            raise typer.BadParameter(f"must be above 0, got {min_drop}", param_hint="--min-drop")
        settings = RuptureSettings(
            drop_k=RuptureSettings.drop_k if min_drop is None else min_drop / noise_sd
        )
        query = rupture_query(
            query,
            score=ruptures,
            noise_sd=noise_sd,
            settings=settings,
            higher_is_better=inst.scale(scale_id).higher_is_better is not False,
        )
    typer.echo(to_sql(query, dialect) + ";")
