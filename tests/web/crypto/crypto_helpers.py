"""Raw database access for the encryption tests: what a copy of the database would show."""

from __future__ import annotations

from typing import Any

from django.db import connection, models

from alliance.web.crypto import encrypted_fields


def raw_value(model: type[models.Model], pk: Any, name: str) -> Any:
    """The stored value of one column, read with SQL (no field, no decryption)."""
    q = connection.ops.quote_name
    meta = model._meta
    column = meta.get_field(name).column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q(column)} FROM {q(meta.db_table)} WHERE {q(meta.pk.column)} = %s",  # type: ignore[union-attr]  # noqa: S608
            [pk],
        )
        row = cursor.fetchone()
    assert row is not None, f"no {meta.label} row {pk}"
    return row[0]


def set_raw(model: type[models.Model], pk: Any, name: str, value: Any) -> None:
    q = connection.ops.quote_name
    meta = model._meta
    column = meta.get_field(name).column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(meta.db_table)} SET {q(column)} = %s WHERE {q(meta.pk.column)} = %s",  # type: ignore[union-attr]  # noqa: S608
            [value, pk],
        )


def whole_database_text() -> str:
    """Every row of every table as text: a stand-in for a stolen backup."""
    q = connection.ops.quote_name
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {q(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def read_every_encrypted_value() -> int:
    """Load every row of every model with encrypted fields (decrypting them all); the count."""
    from django.apps import apps

    n = 0
    for model in apps.get_models():
        names = [f.name for f in encrypted_fields(model)]
        if names:
            n += sum(1 for _ in model._default_manager.values_list(*names))
    return n
