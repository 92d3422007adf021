"""Validated translations of instrument texts, one file per instrument and language.

A translation file ``<instrument id>.<language>.toml`` (in
``alliance/instruments/data/translations/`` or a ``translations`` folder inside
a directory on ``ALLIANCE_INSTRUMENTS_PATH``) holds the instructions, the
timeframe, every item's text and every answer label of one instrument in one
language, with the ``source`` the text is taken from and its ``licence``.
Only the words change: item numbers, answer values, their order and scoring
stay those of the instrument file, so a translated form is scored by the same
engine and stored on the same metric.

A validated questionnaire is never translated by this project: a file ships
only when its text is verbatim from a validated, citable source. Where no file
exists for a language, :func:`translate` returns None and the caller must say
so (the clinic app tells the therapist and the client), never fall back
silently. Instruments are written in English (``ORIGINAL_LANGUAGE``).

>>> from alliance.instruments import get
>>> translate(get("phq9"), "en-gb") == get("phq9")
True
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import Field, ValidationError

from alliance.errors import InstrumentError
from alliance.instruments.schema import Instrument, Item, Option, ResponseScale, Strict

ORIGINAL_LANGUAGE = "en"
ENV_PATH = "ALLIANCE_INSTRUMENTS_PATH"


class TranslatedOption(Strict):
    value: float
    label: str = Field(min_length=1)


class TranslatedItem(Strict):
    n: int
    text: str = Field(min_length=1)
    left_label: str | None = None
    right_label: str | None = None
    options: tuple[TranslatedOption, ...] = ()


class Translation(Strict):
    """The words of one instrument in one language, with where they come from."""

    instrument: str = Field(min_length=1)
    language: str = Field(pattern=r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")
    source: str = Field(min_length=1, description="The validated publication the text is from.")
    licence: str = Field(min_length=1)
    url: str | None = None
    name: str | None = None
    instructions: str = Field(min_length=1)
    timeframe: str | None = None
    options: tuple[TranslatedOption, ...] = ()
    min_label: str | None = None
    max_label: str | None = None
    items: tuple[TranslatedItem, ...] = Field(min_length=1)


def primary(language: str) -> str:
    """'es-MX' -> 'es'."""
    return language.lower().replace("_", "-").split("-")[0]


def is_original(language: str) -> bool:
    return primary(language) == ORIGINAL_LANGUAGE


def _folders() -> list[Path]:
    folders = [Path(str(resources.files("alliance.instruments") / "data" / "translations"))]
    for entry in os.environ.get(ENV_PATH, "").split(os.pathsep):
        if entry and (Path(entry) / "translations").is_dir():
            folders.append(Path(entry) / "translations")
    return folders


def load_translation(path: str | Path) -> Translation:
    """Read and validate one translation file (named ``<instrument>.<language>.toml``)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InstrumentError(f"{p}: cannot read: {exc}") from None
    try:
        found = Translation.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InstrumentError(f"{p}: {details}") from None
    if p.name != f"{found.instrument}.{found.language}.toml":
        raise InstrumentError(
            f"{p}: must be named {found.instrument}.{found.language}.toml for its fields"
        )
    return found


@cache
def _index(folders: tuple[Path, ...]) -> dict[tuple[str, str], Path]:
    index: dict[tuple[str, str], Path] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for f in sorted(folder.glob("*.*.toml")):
            instrument, language = f.name.removesuffix(".toml").rsplit(".", 1)
            index.setdefault((instrument, language), f)
    return index


def available(instrument_id: str, *, folders: list[Path] | None = None) -> list[str]:
    """Languages with a validated translation of ``instrument_id`` (the original not counted)."""
    index = _index(tuple(folders or _folders()))
    return sorted(language for (iid, language) in index if iid == instrument_id)


def _file_for(instrument_id: str, language: str, folders: list[Path] | None) -> Path | None:
    index = _index(tuple(folders or _folders()))
    wanted = language.lower().replace("_", "-")
    return index.get((instrument_id, wanted)) or index.get((instrument_id, primary(wanted)))


def _options(
    scale: ResponseScale, given: tuple[TranslatedOption, ...], where: str
) -> ResponseScale:
    if scale.kind != "choice":
        return scale
    labels = {o.value: o.label for o in given}
    if sorted(labels) != sorted(o.value for o in scale.options):
        raise InstrumentError(
            f"{where}: options: values {sorted(labels)} differ from the instrument's "
            f"{sorted(o.value for o in scale.options)}"
        )
    options = tuple(Option(value=o.value, label=labels[o.value]) for o in scale.options)
    return scale.model_copy(update={"options": options})


def apply(instrument: Instrument, translation: Translation) -> Instrument:
    """The instrument with the translation's words; numbers, values and order unchanged.

    Raises InstrumentError when the translation does not cover exactly the
    instrument's items and answer values.
    """
    where = f"{translation.instrument}.{translation.language}"
    if translation.instrument != instrument.id:
        raise InstrumentError(f"{where}: is for {translation.instrument!r}, not {instrument.id!r}")
    by_n = {i.n: i for i in translation.items}
    if sorted(by_n) != [i.n for i in instrument.items]:
        raise InstrumentError(
            f"{where}: items: numbers {sorted(by_n)} differ from the instrument's "
            f"{[i.n for i in instrument.items]}"
        )
    response = instrument.response
    if response is not None:
        response = _options(response, translation.options, where)
        response = response.model_copy(
            update={
                "min_label": translation.min_label or response.min_label,
                "max_label": translation.max_label or response.max_label,
            }
        )
    items: list[Item] = []
    for item in instrument.items:
        t = by_n[item.n]
        own = item.response
        if own is not None:
            own = _options(own, t.options, f"{where}: items[n={item.n}]")
        items.append(
            item.model_copy(
                update={
                    "text": t.text,
                    "left_label": t.left_label or item.left_label,
                    "right_label": t.right_label or item.right_label,
                    "response": own,
                }
            )
        )
    return instrument.model_copy(
        update={
            "name": translation.name or instrument.name,
            "instructions": translation.instructions,
            "timeframe": translation.timeframe or instrument.timeframe,
            "response": response,
            "items": tuple(items),
        }
    )


def translate(
    instrument: Instrument, language: str, *, folders: list[Path] | None = None
) -> Instrument | None:
    """The instrument in ``language``, or None when no validated translation ships for it.

    The original language returns the instrument itself; 'es-MX' uses an 'es'
    file when there is no 'es-mx' one.
    """
    if is_original(language):
        return instrument
    path = _file_for(instrument.id, language, folders)
    if path is None:
        return None
    return apply(instrument, load_translation(path))


__all__ = [
    "ORIGINAL_LANGUAGE",
    "Translation",
    "apply",
    "available",
    "is_original",
    "load_translation",
    "primary",
    "translate",
]
