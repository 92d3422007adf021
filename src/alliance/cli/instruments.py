"""``alliance instruments list|show|validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from alliance.cli.common import out, say
from alliance.instruments import Instrument, load_file, registry, resolve
from alliance.scoring import output_columns
from alliance.scoring.validate import describe_allowed

app = typer.Typer(help="List, show and validate instrument definition files.", no_args_is_help=True)


@app.command("list", epilog="Example: alliance instruments list")
def list_() -> None:
    """List every instrument: built-in ones and those on ALLIANCE_INSTRUMENTS_PATH."""
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
    describe(resolve(instrument))


def describe(inst: Instrument) -> None:
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
            say(f"  bands: {bands} ({scale.bands_source})")
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
    for f in files:
        inst = load_file(f)
        say(f"{f}: ok ({inst.id}: {len(inst.items)} items, {len(inst.scales)} scales)")
