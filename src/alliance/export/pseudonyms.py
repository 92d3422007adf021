"""Keyed-hash pseudonyms: the same person gets the same code within one export, never across two.

A pseudonym is ``prefix + HMAC-SHA256(column key, value)`` cut to ``length``
hex characters, where the column key is ``HMAC-SHA256(export key,
"alliance-export/v1/" + column name)``. The export key is 32 fresh random
bytes per export (:func:`new_key`), never stored or printed, so nobody can
recompute the codes or link two exports; the per-column key means that the
same value in ``client_id`` and ``therapist_id`` gets unrelated codes
(domain separation). Reference: RFC 2104 (HMAC), NIST SP 800-107 (truncated
HMAC output).

>>> import polars as pl
>>> codes = pseudonymise(pl.Series("client_id", ["a", "b", "a"]), key=bytes(32), prefix="C-")
>>> codes[0] == codes[2], codes[0] != codes[1], codes[0][:2], len(codes[0])
(True, True, 'C-', 14)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import polars as pl

from alliance.errors import DataError

KEY_BYTES = 32
DEFAULT_LENGTH = 12
_DOMAIN = b"alliance-export/v1/"


def new_key() -> bytes:
    """A fresh random export key (32 bytes from :mod:`secrets`)."""
    return secrets.token_bytes(KEY_BYTES)


def default_prefix(column: str) -> str:
    """``T-`` for therapist columns, ``E-`` for episodes, ``C-`` for clients and ``id``.

    >>> default_prefix("therapist_id"), default_prefix("client_id"), default_prefix("site")
    ('T-', 'C-', 'S-')
    """
    name = column.lower()
    for word, prefix in (("therapist", "T-"), ("episode", "E-"), ("client", "C-")):
        if word in name:
            return prefix
    if name in ("id", "person", "participant", "subject"):
        return "C-"
    letters = re.sub(r"[^A-Za-z]", "", column)
    return (letters[:1].upper() or "X") + "-"


def column_key(key: bytes, column: str) -> bytes:
    """The key for one identifier column, derived from the export key."""
    return hmac.new(key, _DOMAIN + column.encode("utf-8"), hashlib.sha256).digest()


def pseudonymise(
    values: pl.Series,
    *,
    key: bytes,
    prefix: str,
    length: int = DEFAULT_LENGTH,
    column: str | None = None,
) -> pl.Series:
    """Replace each value by its keyed-hash code; missing values stay missing.

    Hashes each distinct value once (fast on a million rows with repeats).
    Raises ``DataError`` if two different values would get the same code
    (choose a larger ``length``), ``ValueError`` for a bad key or length.
    """
    if len(key) < 16:
        raise ValueError(f"the pseudonym key must have at least 16 bytes, not {len(key)}")
    if not 4 <= length <= 64:
        raise ValueError(f"pseudonym length must be 4 to 64 hex characters, not {length}")
    name = column if column is not None else values.name
    text = values.cast(pl.String) if values.dtype != pl.String else values
    distinct = text.drop_nulls().unique(maintain_order=True)
    base = hmac.new(column_key(key, name), digestmod=hashlib.sha256)
    codes: list[str] = []
    for value in distinct.to_list():
        h = base.copy()
        h.update(value.encode("utf-8"))
        codes.append(prefix + h.hexdigest()[:length])
    if len(set(codes)) != len(codes):
        raise DataError(
            f"column {name!r}: two different values got the same {length}-character pseudonym; "
            "export again with a longer pseudonym length",
            column=name,
        )
    mapping = pl.DataFrame(
        {"value": distinct, "code": pl.Series(codes, dtype=pl.String)},
        schema={"value": pl.String, "code": pl.String},
    )
    coded = (
        pl.DataFrame({"value": text})
        .join(mapping, on="value", how="left", maintain_order="left")
        .get_column("code")
    )
    return coded.alias(values.name)
