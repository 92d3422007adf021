"""The ``alliance`` command: a thin layer that parses arguments and calls the core.

Exit codes: 0 ok, 2 bad usage (unknown option, unknown instrument, bad
argument), 3 bad data (the message names the row, column and value), 4 the
command needs an optional part of Alliance that is not installed (the
message names the extra to install, e.g. ``pip install 'alliance[reports]'``).
"""

from __future__ import annotations

import sys

import typer
from typer._click.exceptions import ClickException

from alliance.cli import (
    demo,
    export,
    instruments,
    ops,
    report,
    score,
    simulate,
    sql,
    stats,
    transcripts,
)
from alliance.cli.common import (
    EXIT_BAD_DATA,
    EXIT_MISSING_EXTRA,
    EXIT_USAGE,
    MissingExtra,
    err,
    missing_extra,
)
from alliance.errors import DataError, InstrumentError

app = typer.Typer(
    name="alliance",
    help="Score alliance and outcome questionnaires, check reliability, find ruptures "
    "and reliable change in your own data files (CSV, TSV, Excel, SPSS, Parquet).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(instruments.app, name="instruments")
app.add_typer(transcripts.app, name="transcripts")
score.register(app)
stats.register(app)
simulate.register(app)
demo.register(app)
ops.register(app)
export.register(app)
report.register(app)
sql.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns (and exits with) the exit code."""
    code = run(argv)
    sys.exit(code)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code instead of exiting."""
    try:
        result = app(args=argv, prog_name="alliance", standalone_mode=False)
    except typer.Abort:
        err("aborted")
        return 1
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except (DataError, InstrumentError) as exc:
        err(str(exc))
        return EXIT_BAD_DATA
    except MissingExtra as exc:
        err(str(exc))
        return EXIT_MISSING_EXTRA
    except ModuleNotFoundError as exc:
        extra = missing_extra(exc)
        if extra is None:
            raise
        err(str(MissingExtra(str(exc.name), extra)))
        return EXIT_MISSING_EXTRA
    except KeyError as exc:  # unknown instrument or scale id
        err(str(exc.args[0]) if exc.args else str(exc))
        return EXIT_USAGE
    return int(result) if isinstance(result, int) else 0
