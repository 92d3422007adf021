"""``alliance export``: a de-identified research copy of a data file, with its codebook."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from alliance.cli.common import EXIT_USAGE, err, note, say

if TYPE_CHECKING:
    from alliance.export import Deidentified

EXAMPLE = (
    "Example: alliance export scored.csv -o research.sav --id id\n\n"
    "Identifier columns become keyed-hash pseudonyms that differ in every export; dates "
    "become days since intake; text columns are left out unless named with --include-text "
    "and --allow-text. The codebook is written beside the data (research.codebook.csv and "
    ".md). Bad data: exit 3, naming row and column."
)


def report(out: Deidentified) -> None:
    """What happened to every column: kept, pseudonymised, converted or left out (with why)."""
    for d in out.decisions:
        target = f" -> {d.output}" if d.output and d.output != d.column else ""
        say(f"{d.action:<18} {d.column}{target}: {d.reason}")
    left = len(out.left_out)
    note(
        f"{out.frame.width} columns exported, {left} left out"
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
    ) -> int:
        """Write a de-identified copy of DATA for research, with a codebook."""
        from alliance import io
        from alliance.export import deidentify, export_format, write_export

        try:
            export_format(output)
        except ValueError as exc:
            err(str(exc))
            return EXIT_USAGE
        text = tuple(include_text or ())
        frame = io.read_table(data, text_columns=tuple(ids))
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
