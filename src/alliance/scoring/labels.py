"""SPSS value labels checked against an instrument's answer coding.

A PHQ-9 item coded 1-4 in SPSS ("1 = Not at all" ... "4 = Nearly every
day") scores as if coded 0-3 whenever no 4 happens to occur: every answer
one point too high, and no error. The value labels say how the file codes
its answers, so they are compared with the instrument's options before
anything is scored.
"""

from __future__ import annotations

from collections.abc import Mapping

from alliance.errors import DataError
from alliance.instruments import Instrument, registry

__all__ = ["check_value_labels", "check_value_labels_for_known_items"]


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _show(labels: Mapping[float, str]) -> str:
    return ", ".join(f"{v:g} = {t!r}" for v, t in sorted(labels.items()))


def check_value_labels(
    column: str, labels: Mapping[float, str], instrument: Instrument, item: int
) -> None:
    """Raise DataError when ``column``'s value labels contradict the item's answer coding.

    A contradiction is a labelled value that is not one of the item's
    answer values, or a label worded like one of the item's options
    (ignoring case and spacing) on a different value. Labels on the right
    values with other words (a translation) pass: they cannot be judged.
    Items that are not multiple choice are not checked.

    >>> from alliance.instruments import get
    >>> phq9 = get("phq9")
    >>> check_value_labels("phq9_1", {0: "Not at all", 3: "Nearly every day"}, phq9, 1)
    >>> from alliance.errors import DataError
    >>> try:
    ...     check_value_labels("phq9_1", {1: "Not at all", 4: "Nearly every day"}, phq9, 1)
    ... except DataError as exc:
    ...     print(str(exc).split("): ")[-1])
    4 is not an answer value; 'Not at all' is 0, not 1; 'Nearly every day' is 3, not 4. Recode the column to the instrument's values first.
    """
    response = instrument.response_for(item)
    if response.kind != "choice" or not labels:
        return
    options = {float(o.value): o.label for o in response.options}
    by_words = {_norm(t): v for v, t in options.items()}
    problems = [f"{v:g} is not an answer value" for v in sorted(labels) if float(v) not in options]
    for value, text in sorted(labels.items()):
        expected = by_words.get(_norm(text))
        if expected is not None and expected != float(value):
            problems.append(f"{text!r} is {expected:g}, not {value:g}")
    if problems:
        raise DataError(
            f"column {column}: its SPSS value labels ({_show(labels)}) contradict the "
            f"{instrument.short_name} answer coding ({_show(options)}): {'; '.join(problems)}. "
            "Recode the column to the instrument's values first.",
            column=column,
            value=dict(labels),
        )


def check_value_labels_for_known_items(
    value_labels: Mapping[str, Mapping[float, str]],
    instruments: Mapping[str, Instrument] | None = None,
) -> None:
    """:func:`check_value_labels` for every labelled column named like an instrument item.

    ``phq9_3`` is item 3 of the instrument ``phq9``; ``instruments``
    defaults to every known instrument (:func:`alliance.instruments.registry`).
    """
    known = instruments if instruments is not None else registry()
    columns = {
        inst.item_column(item.n): (inst, item.n) for inst in known.values() for item in inst.items
    }
    for column, labels in value_labels.items():
        if column in columns:
            check_value_labels(column, labels, *columns[column])
