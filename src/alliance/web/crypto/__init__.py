"""Encryption at rest for the clinic's free text: keys, model fields, migration and rotation.

What is encrypted: everything a client or therapist writes in their own words
(goals, tasks, reflections, feedback, notes, free-text questionnaire answers)
and the questionnaire answers themselves (``Response.answers``, ``Link.draft``:
item answers such as PHQ-9 item 9 are health data too). Scores
(``Response.scores``) stay plain JSON: the dashboards query them.

Format: ``enc1:`` + a Fernet token (AES-128-CBC with HMAC-SHA256, from
``cryptography``). The prefix names the format version so that a later scheme
can sit beside it. An empty string stays ``""`` (blank is not secret; see the
README) and NULL stays NULL; every other value is encrypted.

Keys: ``ALLIANCE_DATA_KEYS`` (comma-separated Fernet keys, newest first) or
``ALLIANCE_DATA_KEYS_FILE`` (one key per line, ``#`` comments allowed). New
values are encrypted with the first key; values are decrypted with any key
(``MultiFernet``). ``manage.py rotate_keys`` re-encrypts everything with the
first key so that older keys can then be removed. Without keys, DEBUG and the
tests use a key derived from SECRET_KEY (with a warning); production refuses
to start.

Reading a value that no key opens raises :class:`DecryptionError` (the page
fails with a server error): ciphertext is never handed to a page as if it
were text. Encrypted columns cannot be filtered (only ``isnull``): equal
texts give different ciphertexts.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connections, migrations, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from alliance.web.env import envsecret

PREFIX = "enc1:"
KEYS_VAR = "ALLIANCE_DATA_KEYS"
_DERIVED_INFO = b"alliance.data-key.v1"
_MAKE_KEY = (
    'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class DecryptionError(Exception):
    """A stored value that no configured key opens (or that is not encrypted at all)."""


# --- keys ---------------------------------------------------------------------


def parse_data_keys(raw: str, source: str = KEYS_VAR) -> list[str]:
    """Fernet keys from text: comma- or line-separated, ``#`` comments, newest first.

    A malformed or repeated key raises ImproperlyConfigured naming its position,
    never its value.

    >>> key = "A" * 43 + "="
    >>> parse_data_keys(f"# newest first\\n{key}\\n")  == [key]
    True
    """
    keys: list[str] = []
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for part in line.split(","):
            key = part.strip()
            if not key:
                continue
            position = len(keys) + 1
            try:
                Fernet(key.encode("ascii"))
            except (ValueError, UnicodeEncodeError, binascii.Error):
                raise ImproperlyConfigured(
                    f"{source}: key {position} is not a Fernet key (44 characters of url-safe "
                    f"base64 encoding 32 bytes); make one with: {_MAKE_KEY}"
                ) from None
            if key in keys:
                raise ImproperlyConfigured(
                    f"{source}: key {position} repeats key {keys.index(key) + 1}"
                )
            keys.append(key)
    return keys


def derived_data_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY (HKDF-SHA256): for DEBUG and the tests only."""
    raw = HKDF(algorithm=SHA256(), length=32, salt=None, info=_DERIVED_INFO).derive(
        secret_key.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw).decode("ascii")


def data_keys(*, debug: bool, testing: bool, secret_key: str, secret_key_set: bool) -> list[str]:
    """The data keys for settings: from the environment, else derived (DEBUG/tests), else an error."""
    raw = envsecret(KEYS_VAR)
    if raw:
        source = f"{KEYS_VAR}_FILE" if _keys_from_file() else KEYS_VAR
        keys = parse_data_keys(raw, source)
        if not keys:
            raise ImproperlyConfigured(f"{source}: no key found (only blank lines or comments)")
        return keys
    if not (debug or testing):
        raise ImproperlyConfigured(
            f"{KEYS_VAR} (or {KEYS_VAR}_FILE) must be set when DEBUG is off: free text is "
            f"stored encrypted. Make a key with: {_MAKE_KEY}"
        )
    if debug:
        lost = (
            ""
            if secret_key_set
            else " SECRET_KEY is not set either, so the key changes at every start and what is"
            " written now cannot be read after a restart."
        )
        warnings.warn(
            f"{KEYS_VAR} is not set: free text is encrypted with a key derived from SECRET_KEY "
            f"(DEBUG only, never in production).{lost} Set {KEYS_VAR} to keep data readable.",
            RuntimeWarning,
            stacklevel=2,
        )
    return [derived_data_key(secret_key)]


def _keys_from_file() -> bool:
    return bool(os.environ.get(f"{KEYS_VAR}_FILE"))


@lru_cache(maxsize=8)
def _boxes(keys: tuple[str, ...]) -> tuple[MultiFernet, Fernet]:
    fernets = [Fernet(k.encode("ascii")) for k in keys]
    return MultiFernet(fernets), fernets[0]


def _current() -> tuple[MultiFernet, Fernet]:
    keys = tuple(getattr(settings, "ALLIANCE_DATA_KEYS", ()) or ())
    if not keys:
        raise ImproperlyConfigured(f"settings.{KEYS_VAR} is empty: no key to encrypt with")
    return _boxes(keys)


# --- values -------------------------------------------------------------------


def encrypt(plaintext: str) -> str:
    """``enc1:`` + a Fernet token under the newest key; ``""`` stays ``""``."""
    if plaintext == "":
        return ""
    multi, _ = _current()
    return PREFIX + multi.encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(stored: str, label: str = "an encrypted column") -> str:
    """The plaintext of a stored value, or DecryptionError (the message never holds the value)."""
    if stored == "":
        return ""
    if not stored.startswith(PREFIX):
        raise DecryptionError(
            f"{label}: the stored value is not encrypted (no {PREFIX!r} prefix); "
            "run `manage.py migrate`, and write these columns only through the model"
        )
    multi, _ = _current()
    try:
        return multi.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError):
        raise DecryptionError(
            f"{label}: no key in {KEYS_VAR} opens the stored value (a key removed before "
            "`manage.py rotate_keys` finished, another installation's keys, or a damaged value)"
        ) from None


def is_current(stored: str) -> bool:
    """Whether a stored value is encrypted under the newest key (nothing to rotate)."""
    if not stored.startswith(PREFIX):
        return False
    _, newest = _current()
    try:
        newest.decrypt(stored[len(PREFIX) :].encode("ascii"))
    except InvalidToken:
        return False
    return True


def reencrypt(stored: str, label: str = "an encrypted column") -> str:
    """The same plaintext encrypted under the newest key (DecryptionError if no key opens it)."""
    return encrypt(decrypt(stored, label))


# --- model fields -------------------------------------------------------------


class EncryptedMixin:
    """Encrypt on the way to the database, decrypt on the way back; no filtering but isnull.

    The column is TEXT whatever the Python type (ciphertext is longer than the
    plaintext); ``max_length`` still limits the plaintext in forms and
    ``full_clean``.
    """

    model: Any
    name: str

    def _label(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else "an encrypted column"

    def _to_plaintext(self, value: Any) -> str:
        return str(value)

    def _from_plaintext(self, text: str) -> Any:
        return text

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, bytes | memoryview):
            value = bytes(value).decode("ascii", "replace")
        return self._from_plaintext(decrypt(value, self._label()))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        if not prepared:
            value = cast(Any, super()).get_prep_value(value)
        return encrypt(self._to_plaintext(value))

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        return self.get_db_prep_value(value, connection, prepared=False)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "isnull":
            return cast(Any, super()).get_lookup(lookup_name)
        raise FieldError(
            f"{self._label()} is encrypted: it cannot be filtered with {lookup_name!r} "
            "(only isnull); filter in Python after decrypting"
        )

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self._label()} is encrypted: no {lookup_name!r} transform")


class EncryptedTextField(EncryptedMixin, models.TextField):
    """A TextField stored encrypted (Textarea in forms)."""


class EncryptedCharField(EncryptedMixin, models.CharField):
    """A one-line text field stored encrypted: CharField forms and max_length, TEXT column."""


class EncryptedJSONField(EncryptedMixin, models.JSONField):
    """A JSONField whose whole document is stored encrypted (a TEXT column, not json/jsonb)."""

    def _to_plaintext(self, value: Any) -> str:
        return json.dumps(value, cls=self.encoder)

    def _from_plaintext(self, text: str) -> Any:
        try:
            return json.loads(text, cls=self.decoder)
        except json.JSONDecodeError:
            raise DecryptionError(f"{self._label()}: the decrypted value is not JSON") from None


def encrypted_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedMixin)]


# --- whole tables: migrations and rotation -------------------------------------


@dataclass
class ColumnCount:
    """What one pass over a column found and did."""

    label: str
    empty: int = 0
    current: int = 0
    changed: int = 0
    skipped: int = 0
    unreadable: list[Any] = field(default_factory=list)

    def line(self, verb: str = "re-encrypted") -> str:
        text = (
            f"{self.label}: {self.changed} {verb}, {self.current} already on the newest key, "
            f"{self.empty} empty"
        )
        if self.skipped:
            text += f", {self.skipped} changed meanwhile (left as written)"
        if self.unreadable:
            shown = ", ".join(str(pk) for pk in self.unreadable[:10])
            text += f", {len(self.unreadable)} UNREADABLE (ids {shown})"
        return text


def _rows(
    connection: BaseDatabaseWrapper, table: str, pk: str, columns: Sequence[str], batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Raw rows in primary-key order, one batch at a time (no model, no decryption)."""
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in columns)
    # Identifiers come from model metadata and are quoted; values are parameters.
    base = f"SELECT {q(pk)}, {cols} FROM {q(table)}"  # noqa: S608
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"{base} ORDER BY {q(pk)} LIMIT %s", [batch_size])
            else:
                cursor.execute(
                    f"{base} WHERE {q(pk)} > %s ORDER BY {q(pk)} LIMIT %s", [last, batch_size]
                )
            batch = cursor.fetchall()
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def _compare_and_set(
    connection: BaseDatabaseWrapper, table: str, pk: str, column: str, key: Any, old: Any, new: Any
) -> bool:
    """Write ``new`` only if the column still holds ``old`` (no lost update)."""
    q = connection.ops.quote_name
    sql = f"UPDATE {q(table)} SET {q(column)} = %s WHERE {q(pk)} = %s AND {q(column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [new, key, old])
        return bool(cursor.rowcount == 1)


def _pass(
    connection: BaseDatabaseWrapper,
    model: type[models.Model],
    columns: Sequence[tuple[str, str]],
    step: Any,
    batch_size: int,
    write: bool,
) -> list[ColumnCount]:
    """Apply ``step(stored, label) -> new value or None`` to every non-empty value, in batches."""
    meta = model._meta
    if meta.pk is None or meta.pk.column is None:
        raise TypeError(f"{meta.label} has no primary key column")
    table, pk = meta.db_table, meta.pk.column
    counts = [ColumnCount(f"{meta.label}.{name}") for name, _ in columns]
    for batch in _rows(connection, table, pk, [c for _, c in columns], batch_size):
        with transaction.atomic(using=connection.alias):
            for row in batch:
                for i, (_, column) in enumerate(columns):
                    stored, count = row[i + 1], counts[i]
                    if stored is None or stored == "":
                        count.empty += 1
                        continue
                    try:
                        new = step(stored, count.label)
                    except DecryptionError:
                        count.unreadable.append(row[0])
                        continue
                    if new is None:
                        count.current += 1
                        continue
                    written = not write or _compare_and_set(
                        connection, table, pk, column, row[0], stored, new
                    )
                    if written:
                        count.changed += 1
                    else:
                        count.skipped += 1
    return counts


def _rotate_step(stored: str, label: str) -> str | None:
    return None if is_current(stored) else reencrypt(stored, label)


def rotate_model(
    model: type[models.Model], *, batch_size: int = 500, write: bool = True
) -> list[ColumnCount]:
    """Re-encrypt every encrypted column of ``model`` under the newest key (idempotent).

    Values already under the newest key are left alone; a row changed by the
    app in the meantime is left as the app wrote it (already under the newest
    key). ``write=False`` only counts.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    fields = encrypted_fields(model)
    if not fields:
        return []
    connection = connections[router.db_for_write(model)]
    columns = [(f.name, f.column) for f in fields if f.column]
    return _pass(connection, model, columns, _rotate_step, batch_size, write)


def _encrypt_step(stored: str, label: str) -> str | None:
    if stored.startswith(PREFIX):
        try:
            decrypt(stored, label)
        except DecryptionError:
            pass  # plaintext that happens to start with the prefix
        else:
            return None
    return encrypt(stored)


def _decrypt_step(stored: str, label: str) -> str | None:
    return decrypt(stored, label) if stored.startswith(PREFIX) else None


def encrypt_existing(app_label: str, model_name: str, names: Sequence[str]) -> Any:
    """A RunPython pair that encrypts (forward) or decrypts (backward) existing rows.

    Works on raw column values (the historical model's field would try to
    decrypt), skips values already encrypted, so a rerun is harmless, and stops
    on a value that cannot be read.
    """

    def run(apps: Any, schema_editor: Any, step: Any) -> None:
        model = apps.get_model(app_label, model_name)
        columns = [(n, model._meta.get_field(n).column) for n in names]
        if not all(c for _, c in columns):
            raise TypeError(f"{app_label}.{model_name}: {names} are not all columns")
        counts = _pass(schema_editor.connection, model, columns, step, 500, True)
        bad = [c for c in counts if c.unreadable]
        if bad:
            raise DecryptionError("; ".join(c.line() for c in bad))

    def forward(apps: Any, schema_editor: Any) -> None:
        run(apps, schema_editor, _encrypt_step)

    def backward(apps: Any, schema_editor: Any) -> None:
        run(apps, schema_editor, _decrypt_step)

    return migrations.RunPython(forward, backward, elidable=False)
