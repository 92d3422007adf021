"""Shared pieces of the command line: messages, progress, reading and writing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from alliance import io
from alliance.scoring.labels import check_value_labels_for_known_items
from alliance.scoring.layout import apply_mapping, long_to_wide, read_mapping

EXIT_USAGE = 2
EXIT_BAD_DATA = 3

out = Console()
_err = Console(stderr=True)


def err(message: str) -> None:
    """An error on stderr; the message is shown literally (data may contain [brackets])."""
    _err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def note(message: str) -> None:
    _err.print(message, highlight=False, markup=False)


def say(message: str) -> None:
    """Plain text on stdout, shown literally (no Rich markup)."""
    out.print(message, highlight=False, markup=False)


@contextmanager
def progress(total: int, quiet: bool = False) -> Iterator[Progress]:
    """A progress bar on stderr for multi-step work; hidden with --quiet or when not a terminal."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
        disable=quiet,
    )
    with bar:
        bar.add_task("starting", total=total)
        yield bar


def step(bar: Progress, description: str) -> None:
    """Advance the first task of a progress bar and describe what comes next."""
    task = bar.tasks[0].id
    if bar.tasks[0].description != "starting":
        bar.advance(task)
    bar.update(task, description=description)


def load(
    path: Path,
    *,
    layout: str = "wide",
    mapping: Path | None = None,
    sheet: str | None = None,
) -> pl.DataFrame:
    """Read a data file, apply a column mapping, and pivot a long layout to wide."""
    columns = read_mapping(mapping) if mapping is not None else None
    ids = tuple({"id", *(k for k, v in (columns or {}).items() if v == "id")})
    frame = read_checked(path, sheet=sheet, text_columns=ids)
    if columns is not None:
        frame = apply_mapping(frame, columns)
    if layout == "long":
        frame = long_to_wide(frame)
    elif layout != "wide":
        raise typer.BadParameter(f"layout must be 'wide' or 'long', not {layout!r}")
    return frame


def read_checked(
    path: Path, *, sheet: str | None = None, text_columns: tuple[str, ...] = io.ID_COLUMNS
) -> pl.DataFrame:
    """Read a file, say what reading changed (SPSS user-missing codes), check value labels."""
    read = io.read_table_checked(path, sheet=sheet, text_columns=text_columns)
    for line in read.notes:
        note(f"{path.name}: {line}")
    check_value_labels_for_known_items(read.value_labels)
    return read.frame


def save(frame: pl.DataFrame, path: Path) -> None:
    io.write_table(frame, path)
    note(f"wrote {frame.height:,} rows to {path}")


def table(title: str, frame: pl.DataFrame, digits: int = 3) -> None:
    """Print a small frame as a table, numbers rounded for reading."""
    t = Table(title=escape(title), title_justify="left")
    for c in frame.columns:
        t.add_column(c, justify="right" if frame.schema[c].is_numeric() else "left")
    for row in frame.iter_rows():
        t.add_row(*(_cell(v, digits) for v in row))
    out.print(t)


def _cell(v: object, digits: int) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return escape(str(v))


LAYOUT_HELP = (
    "Data layout: 'wide' (one column per item, e.g. wai_sr_1) or 'long' (id, session, item, value)."
)
MAP_HELP = 'Column-mapping file (TOML, [columns] "their name" = "our name").'
QUIET_HELP = "No progress bar."
