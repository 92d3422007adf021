"""Instrument definitions as data files, with loader and validation."""

from alliance.instruments.answers import MAX_TEXT_ANSWER, answer_problem, check_answers
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
    "MAX_TEXT_ANSWER",
    "Instrument",
    "Item",
    "ResponseScale",
    "Scale",
    "Translation",
    "answer_problem",
    "builtin",
    "check_answers",
    "dumps",
    "get",
    "load_file",
    "parse_instrument",
    "registry",
    "resolve",
    "translate",
]
