"""Load and validate instrument files.

Built-in instruments live in ``alliance/instruments/data/*.toml``. Extra
directories can be named in the ``ALLIANCE_INSTRUMENTS_PATH`` environment
variable (separated by ``os.pathsep``) or passed as files; a user instrument
never silently replaces a built-in one with the same id.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from alliance.errors import InstrumentError
from alliance.instruments.schema import Instrument

__all__ = [
    "ENV_PATH",
    "builtin",
    "dumps",
    "get",
    "load_file",
    "parse_instrument",
    "registry",
    "resolve",
]

ENV_PATH = "ALLIANCE_INSTRUMENTS_PATH"


def _location(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    """Render a pydantic error location as a readable field path.

    ``("items", 2, "text")`` becomes ``items[3].text`` with the item's own
    number when the element has one, so it matches what the author wrote.
    """
    parts: list[str] = []
    node: Any = raw
    for key in loc:
        if isinstance(key, int):
            label = str(key)
            if isinstance(node, list) and key < len(node):
                element = node[key]
                if isinstance(element, dict) and "n" in element:
                    label = f"n={element['n']}"
                elif isinstance(element, dict) and "id" in element:
                    label = f"id={element['id']}"
                node = element
            else:
                node = None
            parts.append(f"[{label}]")
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + key)
    return "".join(parts)


def parse_instrument(raw: dict[str, Any], source: str) -> Instrument:
    """Validate a parsed mapping as an instrument; errors name source and field."""
    try:
        return Instrument.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = _location(tuple(err["loc"]), raw)
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{source}: {where}: {msg}" if where else f"{source}: {msg}")
        raise InstrumentError("\n".join(lines)) from None


def load_file(path: str | Path) -> Instrument:
    """Read one instrument file (TOML) and validate it.

    >>> load_file("wai_sr.toml")  # doctest: +SKIP
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"{p}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InstrumentError(f"{p}: not UTF-8 text") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{p}: not valid TOML: {exc}") from None
    instrument = parse_instrument(raw, str(p))
    if p.stem != instrument.id:
        raise InstrumentError(f"{p}: id: {instrument.id!r} must match the file name {p.stem!r}")
    return instrument


def dumps(instrument: Instrument) -> str:
    """The instrument in the project's TOML format (defaults left out); loads back equal.

    >>> phq9 = get("phq9")
    >>> parse_instrument(tomllib.loads(dumps(phq9)), "phq9.toml") == phq9
    True
    """
    raw = instrument.model_dump(mode="json", exclude_defaults=True)
    header = f"# {instrument.name} ({instrument.short_name}), in the Alliance instrument format.\n"
    return header + tomli_w.dumps(raw)


def _builtin_files() -> list[Path]:
    folder = resources.files("alliance.instruments") / "data"
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


def _extra_files() -> list[Path]:
    found: list[Path] = []
    for entry in os.environ.get(ENV_PATH, "").split(os.pathsep):
        if not entry:
            continue
        folder = Path(entry)
        if not folder.is_dir():
            raise InstrumentError(f"{ENV_PATH}: {entry!r} is not a directory")
        found.extend(sorted(folder.glob("*.toml")))
    return found


@cache
def _builtin() -> dict[str, Instrument]:
    return {i.id: i for i in (load_file(f) for f in _builtin_files())}


def builtin() -> dict[str, Instrument]:
    """The instruments shipped with the package (not those on ALLIANCE_INSTRUMENTS_PATH)."""
    return dict(_builtin())


def registry() -> dict[str, Instrument]:
    """All instruments: built-in ones plus those found on ALLIANCE_INSTRUMENTS_PATH."""
    result = dict(_builtin())
    for f in _extra_files():
        inst = load_file(f)
        if inst.id in result:
            raise InstrumentError(f"{f}: id: {inst.id!r} is already defined by another instrument")
        result[inst.id] = inst
    return result


def get(instrument_id: str) -> Instrument:
    """Return one instrument by id, or raise a KeyError that lists the known ids."""
    known = registry()
    if instrument_id not in known:
        raise KeyError(f"unknown instrument {instrument_id!r}; known: {', '.join(sorted(known))}")
    return known[instrument_id]


def resolve(name_or_path: str) -> Instrument:
    """An instrument id, or a path to an instrument file."""
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        return load_file(name_or_path)
    return get(name_or_path)
