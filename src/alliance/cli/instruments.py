"""``alliance instruments list|show|validate|fhir|import``."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from alliance.cli.common import EXIT_USAGE, err, note, out, say
from alliance.errors import InstrumentError

# Instruments, scoring and FHIR are imported where used: `alliance --help` starts without them.
if TYPE_CHECKING:
    from alliance.instruments import Instrument

#: alliance.fhir.DEFAULT_BASE, repeated so that the option's default shows in --help without
#: importing the FHIR models (tests/cli/test_startup_imports.py checks the two agree).
DEFAULT_BASE = "https://alliance.example/fhir"

app = typer.Typer(
    help="List, show, validate, export (FHIR) and import instrument definitions.",
    no_args_is_help=True,
)


@app.command("list", epilog="Example: alliance instruments list")
def list_() -> None:
    """List every instrument: built-in ones and those on ALLIANCE_INSTRUMENTS_PATH."""
    from alliance.instruments import registry

    t = Table(title="Instruments")
    t.add_column("id", no_wrap=True, min_width=16)
    for col in ("name", "items", "scales", "respondent", "licence"):
        t.add_column(col)
    for inst in sorted(registry().values(), key=lambda i: i.id):
        t.add_row(
            *(
                escape(v)
                for v in (
                    inst.id,
                    inst.name,
                    str(len(inst.items)),
                    ", ".join(s.id for s in inst.scales) or "-",
                    inst.respondent,
                    inst.licence.name + (" [check]" if inst.licence.check else ""),
                )
            )
        )
    out.print(t)


@app.command(epilog="Example: alliance instruments show wai_sr")
def show(
    instrument: Annotated[str, typer.Argument(help="Instrument id (e.g. wai_sr) or a .toml file.")],
) -> None:
    """Show an instrument: items, answers, scales, missing-data rules, bands, norms, licence."""
    from alliance.instruments import resolve

    describe(resolve(instrument))


def describe(inst: Instrument) -> None:
    from alliance.scoring import output_columns
    from alliance.scoring.validate import describe_allowed

    say(f"{inst.name} ({inst.id})  respondent: {inst.respondent}")
    if inst.adapted:
        say(f"Adapted form: {inst.adapted_note}")
    say(f"Instructions: {inst.instructions}")
    items = Table(title="Items")
    for col in ("n", "text", "answers", "reverse"):
        items.add_column(col)
    for item in inst.items:
        resp = inst.response_for(item.n)
        answers = "free text" if resp.kind == "text" else describe_allowed(resp)
        items.add_row(
            str(item.n), escape(item.text), escape(answers), "yes" if item.reverse else ""
        )
    out.print(items)
    for scale in inst.scales:
        say(
            f"{inst.id}_{scale.id} {scale.label}: {scale.method} of items "
            f"{', '.join(map(str, scale.items))}; missing: {scale.missing.method}, at most "
            f"{scale.missing.max_missing} ({scale.missing.source})"
        )
        if scale.bands:
            bands = ", ".join(f"{b.label} {b.min:g}-{b.max:g}" for b in scale.bands)
            say(f"  bands: {bands} ({scale.bands_source}); "
                f"{scale.missing.banding_note(scale.method)}")  # fmt: skip
        if scale.change is not None:
            say(f"  change norms: {_norms(scale.change)}")
    for flag in inst.flags:
        watched = f"item {flag.item}" if flag.item else f"scale {flag.scale}"
        say(f"flag {flag.id} ({flag.severity}): {watched} {flag.op} {flag.value:g}")
    say(f"Output columns: {', '.join(output_columns(inst))}")
    say(
        f"Licence: {inst.licence.name}. {inst.licence.text}"
        + (" [check]" if inst.licence.check else "")
    )
    say(
        f"Citation: {inst.citation.text}"
        + (f" doi:{inst.citation.doi}" if inst.citation.doi else "")
    )
    if inst.notes:
        say(f"Notes: {inst.notes}")


def _norms(norms: object) -> str:
    from alliance.instruments.schema import ChangeNorms

    if not isinstance(norms, ChangeNorms):
        return "-"
    if not norms.published:
        return f"no published norm. {norms.source}"
    parts = []
    if norms.sd is not None:
        parts.append(f"SD {norms.sd:g}, reliability {norms.reliability:g}")
    if norms.min_reliable_change is not None:
        parts.append(f"reliable change {norms.min_reliable_change:g} points")
    if norms.clinical_cutoff is not None:
        parts.append(f"caseness {norms.caseness} {norms.clinical_cutoff:g}")
    check = " [check]" if norms.check else ""
    return "; ".join(parts) + f"{check} ({norms.source})"


@app.command(epilog="Example: alliance instruments validate my_srs.toml")
def validate(
    files: Annotated[list[Path], typer.Argument(help="Instrument files (.toml) to check.")],
) -> None:
    """Check instrument files; errors name the file, the field and the problem (exit 3)."""
    from alliance.instruments import load_file

    for f in files:
        inst = load_file(f)
        say(f"{f}: ok ({inst.id}: {len(inst.items)} items, {len(inst.scales)} scales)")


@app.command(epilog="Example: alliance instruments fhir phq9 -o phq9.json")
def fhir(
    instrument: Annotated[str, typer.Argument(help="Instrument id (e.g. phq9) or a .toml file.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the JSON here (default: print).")
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Base of the canonical URLs.")
    ] = DEFAULT_BASE,
) -> None:
    """The instrument as a FHIR R4 Questionnaire (JSON), with its full Alliance definition."""
    from alliance.fhir import questionnaire
    from alliance.instruments import resolve

    text = json.dumps(
        questionnaire(resolve(instrument), base_url=base_url), indent=2, ensure_ascii=False
    )
    if output is None:
        typer.echo(text)
        return
    output.write_text(text + "\n", encoding="utf-8")
    note(f"wrote the {instrument} Questionnaire to {output}")


@app.command("import", epilog="Example: alliance instruments import my_srs.toml -o instruments")
def import_(
    file: Annotated[
        Path, typer.Argument(help="A FHIR Questionnaire (.json) or an instrument file (.toml).")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Folder to write <id>.toml in.")],
    scoring: Annotated[
        Path | None,
        typer.Option(
            "--scoring",
            help="Scales, licence and citation (TOML) for a Questionnaire made elsewhere.",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Add an instrument from a FHIR Questionnaire or a TOML file: writes OUTPUT/<id>.toml.

    A Questionnaire exported by Alliance carries its own scoring rules; one
    from elsewhere needs --scoring with \\[\\[scales]], \\[licence] and \\[citation]
    (nothing about scoring or licensing is assumed). Exit 3 for a bad file.
    """
    from alliance.instruments import builtin, dumps, load_file

    instrument = read_instrument(file, scoring)
    if instrument.id in builtin():
        raise InstrumentError(
            f"{file}: id: {instrument.id!r} is a built-in instrument; give the import its own "
            'id (add id = "..." to the scoring file or edit the TOML)'
        )
    target = output / f"{instrument.id}.toml"
    if target.exists() and not force:
        err(f"{target} exists; use --force to replace it")
        raise typer.Exit(EXIT_USAGE)
    output.mkdir(parents=True, exist_ok=True)
    target.write_text(dumps(instrument), encoding="utf-8")
    load_file(target)
    say(
        f"{target}: ok ({instrument.id}: {len(instrument.items)} items, "
        f"{len(instrument.scales)} scales)"
    )


def read_instrument(file: Path, scoring: Path | None) -> Instrument:
    """An instrument from a Questionnaire (.json, with optional scoring TOML) or a .toml file."""
    from alliance.fhir import FhirError, instrument_from_questionnaire
    from alliance.instruments import parse_instrument

    text = _read_text(file)
    if file.suffix.lower() == ".toml":
        if scoring is not None:
            raise InstrumentError(f"{scoring}: --scoring is only for a FHIR Questionnaire")
        return parse_instrument(_toml(text, file), str(file))
    if file.suffix.lower() != ".json":
        raise InstrumentError(f"{file}: expected a .json FHIR Questionnaire or a .toml file")
    rules = _toml(_read_text(scoring), scoring) if scoring is not None else None
    try:
        return instrument_from_questionnaire(text, scoring=rules)
    except (FhirError, InstrumentError) as exc:
        raise InstrumentError(f"{file}: {exc}") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{path}: not UTF-8 text") from None


def _toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path}: not valid TOML: {exc}") from None
