"""``alliance export``: a de-identified research copy of a data file, with its codebook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alliance.cli.common import (
    EXIT_USAGE,
    MEMORY_HELP,
    STREAM_HELP,
    err,
    memory_setting,
    note,
    row_progress,
    say,
    use_streaming,
)

if TYPE_CHECKING:
    from alliance.export import Deidentified
    from alliance.export.streamed import StreamedExport

EXAMPLE = (
    "Example: alliance export scored.csv -o research.sav --id id\n\n"
    "Identifier columns become keyed-hash pseudonyms that differ in every export; dates "
    "become days since intake; text columns are left out unless named with --include-text "
    "and --allow-text. The codebook is written beside the data (research.codebook.csv and "
    ".md). Bad data: exit 3, naming row and column."
)


def report(out: Deidentified | StreamedExport) -> None:
    """What happened to every column: kept, pseudonymised, converted or left out (with why)."""
    for d in out.decisions:
        target = f" -> {d.output}" if d.output and d.output != d.column else ""
        say(f"{d.action:<18} {d.column}{target}: {d.reason}")
    left = len(out.left_out)
    from alliance.export import Deidentified

    width = out.frame.width if isinstance(out, Deidentified) else out.columns
    note(
        f"{width} columns exported, {left} left out"
        + (" (listed above and in the codebook)" if left else "")
    )


def register(app: typer.Typer) -> None:
    @app.command(epilog=EXAMPLE)
    def export(
        data: Annotated[Path, typer.Argument(help="Input file: .csv .tsv .xlsx .sav .parquet")],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="Output file: .csv, .parquet or .sav.")
        ],
        ids: Annotated[
            list[str],
            typer.Option(
                "--id",
                help="Identifier column to replace by pseudonyms; repeat for several "
                "(the first is the person whose intake is day 0).",
            ),
        ],
        intake_date: Annotated[
            str | None,
            typer.Option(
                "--intake-date",
                help="Column with each row's intake date (day 0). Default: the person's "
                "earliest date.",
            ),
        ] = None,
        include_text: Annotated[
            list[str] | None,
            typer.Option("--include-text", help="Text column to keep (needs --allow-text)."),
        ] = None,
        allow_text: Annotated[
            bool, typer.Option("--allow-text", help="Allow the --include-text columns.")
        ] = False,
        memory: Annotated[str, typer.Option(help=MEMORY_HELP)] = "2GB",
        stream: Annotated[
            bool | None, typer.Option("--stream/--in-memory", help=STREAM_HELP)
        ] = None,
    ) -> int:
        """Write a de-identified copy of DATA for research, with a codebook."""
        from alliance import io
        from alliance.export import deidentify, export_format, write_export

        try:
            fmt = export_format(output)
        except ValueError as exc:
            err(str(exc))
            return EXIT_USAGE
        text = tuple(include_text or ())
        budget = memory_setting(memory)
        if stream and fmt == "spss":
            err("a streamed export is written as .csv or .parquet (SPSS files are written whole)")
            return EXIT_USAGE
        if fmt != "spss" and use_streaming(data, stream, budget):
            return _export_streamed(data, output, ids, intake_date, text, allow_text, budget)
        read = io.read_table_checked(data, text_columns=tuple(ids))
        for line in read.notes:
            note(f"{data.name}: {line}")
        frame = read.frame
        try:
            out = deidentify(
                frame, ids=ids, intake=intake_date, include_text=text, allow_text=allow_text
            )
        except ValueError as exc:
            if type(exc) is not ValueError:
                raise  # DataError: exit 3 from alliance.cli.run
            err(str(exc))
            return EXIT_USAGE
        report(out)
        files = write_export(out, output)
        note(
            f"wrote {out.frame.height:,} rows to {files.data}; codebook: "
            f"{files.codebook_csv}, {files.codebook_md}"
        )
        return 0


def _export_streamed(
    data: Path,
    output: Path,
    ids: list[str],
    intake: str | None,
    text: tuple[str, ...],
    allow_text: bool,
    memory: int,
) -> int:
    """``alliance export`` in batches within ``memory`` (alliance.export.streamed)."""
    from alliance.export.streamed import export_file

    try:
        with row_progress(f"reading {data.name}") as advance:
            done = export_file(
                data, output, ids=ids, intake=intake, include_text=text, allow_text=allow_text,
                memory=memory, progress=advance, stage=advance.stage,
            )  # fmt: skip
    except ValueError as exc:
        if type(exc) is not ValueError:
            raise  # DataError: exit 3 from alliance.cli.run
        err(str(exc))
        return EXIT_USAGE
    report(done)
    note(
        f"wrote {done.rows:,} rows to {done.files.data} (streamed); codebook: "
        f"{done.files.codebook_csv}, {done.files.codebook_md}"
    )
    return 0
