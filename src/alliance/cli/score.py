"""``alliance score``: responses -> scale scores, bands and flags."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alliance.cli.common import (
    LAYOUT_HELP,
    MAP_HELP,
    MEMORY_HELP,
    QUIET_HELP,
    STREAM_HELP,
    load,
    memory_setting,
    note,
    progress,
    row_progress,
    save,
    step,
    use_streaming,
)

if TYPE_CHECKING:
    import polars as pl

    from alliance.instruments import Instrument


def detect_instruments(frame: pl.DataFrame) -> list[Instrument]:
    """Instruments whose required item columns are all present in the frame."""
    from alliance.instruments import registry

    found = []
    for inst in registry().values():
        needed = [inst.item_column(n) for n in inst.scored_items() if inst.item(n).required]
        if needed and all(c in frame.columns for c in needed):
            found.append(inst)
    return sorted(found, key=lambda i: i.id)


def register(app: typer.Typer) -> None:
    @app.command(
        epilog=(
            "Example: alliance score answers.csv -i wai_sr -i phq9 -o scored.parquet\n\n"
            "Bad cells stop the run with row, column and value (exit 3); with "
            "--on-invalid skip they are listed in the skipped-rows report instead."
        )
    )
    def score(
        data: Annotated[Path, typer.Argument(help="Input file: .csv .tsv .xlsx .sav .parquet")],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="Output file (format from extension).")
        ],
        instrument: Annotated[
            list[str] | None,
            typer.Option(
                "-i",
                "--instrument",
                help="Instrument id or .toml file; repeat for several. Default: every instrument whose item columns are present.",
            ),
        ] = None,
        layout: Annotated[str, typer.Option(help=LAYOUT_HELP)] = "wide",
        mapping: Annotated[Path | None, typer.Option("--map", help=MAP_HELP)] = None,
        on_invalid: Annotated[
            str,
            typer.Option(
                help="'raise' (stop at the first bad cell) or 'skip' (leave bad rows out and report them)."
            ),
        ] = "raise",
        skipped_report: Annotated[
            Path | None,
            typer.Option(help="Where to write skipped rows (default: OUTPUT with '.skipped.csv')."),
        ] = None,
        keep_items: Annotated[
            bool, typer.Option(help="Keep the item columns in the output.")
        ] = True,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help=QUIET_HELP)] = False,
        engine: Annotated[
            str,
            typer.Option(
                help="'polars' (default) or 'duckdb': run the instruments' generated SQL "
                "(alliance sql) on the file in DuckDB; needs the 'sql' extra."
            ),
        ] = "polars",
        memory: Annotated[str, typer.Option(help=MEMORY_HELP)] = "2GB",
        stream: Annotated[
            bool | None, typer.Option("--stream/--in-memory", help=STREAM_HELP)
        ] = None,
    ) -> None:
        """Score questionnaires: totals, subscales, item means, bands, flags, missing-data notes."""
        from alliance.instruments import resolve
        from alliance.scoring import output_columns
        from alliance.scoring import score as score_frame

        if on_invalid not in ("raise", "skip"):
            raise typer.BadParameter("must be 'raise' or 'skip'", param_hint="--on-invalid")
        if engine not in ("polars", "duckdb"):
            raise typer.BadParameter("must be 'polars' or 'duckdb'", param_hint="--engine")
        if engine == "duckdb":
            _score_with_duckdb(data, output, instrument, layout, mapping, on_invalid, keep_items)
            return
        budget = memory_setting(memory)
        if use_streaming(data, stream, budget):
            _score_streamed(data, output, instrument, layout, mapping, on_invalid, skipped_report,
                            keep_items, budget, quiet)  # fmt: skip
            return
        with progress(4, quiet) as bar:
            step(bar, f"reading {data.name}")
            frame = load(data, layout=layout, mapping=mapping)
            chosen = [resolve(i) for i in instrument] if instrument else detect_instruments(frame)
            if not chosen:
                raise typer.BadParameter(
                    "no instrument's item columns found; name one with -i (see 'alliance instruments list')"
                )
            step(bar, f"scoring {frame.height:,} rows: {', '.join(i.id for i in chosen)}")
            result = score_frame(frame, chosen, on_invalid=on_invalid)  # type: ignore[arg-type]
            scores = result.scores
            if not keep_items:
                items = {i.item_column(n) for i in chosen for n in range(1, len(i.items) + 1)}
                scores = scores.drop([c for c in scores.columns if c in items])
            step(bar, f"writing {output.name}")
            _write(scores, output)
            step(bar, "done")
        if result.skipped.height:
            report = skipped_report or output.with_name(output.stem + ".skipped.csv")
            result.skipped.write_csv(report)
            note(
                f"skipped {result.n_skipped_rows:,} row(s) with {result.skipped.height:,} bad cell(s); "
                f"each is listed in {report}"
            )
        added = [c for i in chosen for c in output_columns(i)]
        note(f"scored {', '.join(i.id for i in chosen)}; added columns: {', '.join(added)}")


def _write(scores: pl.DataFrame, output: Path) -> None:
    """The scored frame to ``output``: Parquet as the streamed path writes it, else any format."""
    if output.suffix.lower() in (".parquet", ".pq"):
        from alliance.streaming import TableSink

        sink = TableSink(output)
        try:
            sink.write(scores)
            sink.commit()
        except BaseException:
            sink.discard()
            raise
        return
    save(scores, output)


def _score_with_duckdb(
    data: Path,
    output: Path,
    instrument: list[str] | None,
    layout: str,
    mapping: Path | None,
    on_invalid: str,
    keep_items: bool,
) -> None:
    """``alliance score --engine duckdb``: the generated SQL, run by DuckDB on the file."""
    from alliance.instruments import resolve
    from alliance.scoring import output_columns
    from alliance.sqlgen.duckdb_engine import score_file

    if layout != "wide" or mapping is not None or on_invalid != "raise":
        raise typer.BadParameter(
            "--engine duckdb reads wide files with our column names and stops at the first "
            "bad cell: drop --layout long, --map and --on-invalid skip (or use --engine polars)",
            param_hint="--engine",
        )
    if not instrument:
        raise typer.BadParameter("name the instruments with -i", param_hint="--engine duckdb")
    chosen = [resolve(i) for i in instrument]
    items = [i.item_column(n) for i in chosen for n in range(1, len(i.items) + 1)]
    rows = score_file(data, output, chosen, drop=() if keep_items else items)
    note(f"wrote {rows:,} rows to {output} (DuckDB)")
    added = [c for i in chosen for c in output_columns(i)]
    note(f"scored {', '.join(i.id for i in chosen)}; added columns: {', '.join(added)}")


def _score_streamed(
    data: Path,
    output: Path,
    instrument: list[str] | None,
    layout: str,
    mapping: Path | None,
    on_invalid: str,
    skipped_report: Path | None,
    keep_items: bool,
    memory: int,
    quiet: bool,
) -> None:
    """``alliance score`` in batches within ``memory`` (alliance.streaming.score_file)."""
    import polars as pl

    from alliance.instruments import resolve
    from alliance.scoring import output_columns
    from alliance.streaming import scan, score_file

    if layout != "wide" or mapping is not None:
        raise typer.BadParameter(
            "streamed input must be wide with our column names: drop --layout long and --map, "
            "or use --in-memory",
            param_hint="--stream",
        )
    columns = pl.DataFrame(schema=scan(data).collect_schema())
    chosen = [resolve(i) for i in instrument] if instrument else detect_instruments(columns)
    if not chosen:
        raise typer.BadParameter(
            "no instrument's item columns found; name one with -i (see 'alliance instruments list')"
        )
    items = [i.item_column(n) for i in chosen for n in range(1, len(i.items) + 1)]
    with row_progress(f"scoring {', '.join(i.id for i in chosen)}", quiet) as advance:
        rows, skipped = score_file(
            data, output, chosen, on_invalid=on_invalid, memory=memory, progress=advance,
            drop=() if keep_items else items,
        )  # fmt: skip
    note(f"wrote {rows:,} rows to {output} (streamed)")
    if skipped.height:
        report = skipped_report or output.with_name(output.stem + ".skipped.csv")
        skipped.write_csv(report)
        bad_rows = skipped["row"].n_unique()
        note(
            f"skipped {bad_rows:,} row(s) with {skipped.height:,} bad cell(s); "
            f"each is listed in {report}"
        )
    added = [c for i in chosen for c in output_columns(i)]
    note(f"scored {', '.join(i.id for i in chosen)}; added columns: {', '.join(added)}")
