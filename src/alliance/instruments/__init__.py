"""Instrument definitions as data files, with loader and validation."""

from alliance.instruments.loader import (
    builtin,
    dumps,
    get,
    load_file,
    parse_instrument,
    registry,
    resolve,
)
from alliance.instruments.schema import Instrument, Item, ResponseScale, Scale
from alliance.instruments.translations import Translation, translate

__all__ = [
    "Instrument",
    "Item",
    "ResponseScale",
    "Scale",
    "Translation",
    "builtin",
    "dumps",
    "get",
    "load_file",
    "parse_instrument",
    "registry",
    "resolve",
    "translate",
]
