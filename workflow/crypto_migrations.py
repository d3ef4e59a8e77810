"""Data migrations of the columns encrypted at rest: plaintext rows encrypted in place (and
back, for a migration run in reverse), with raw SQL because the historical models' fields
would try to decrypt the plaintext they read. Chunked by primary key; SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from workflow import crypto

CHUNK = 2000


def _rows(connection: Any, table: str, columns: list[str]) -> Any:
    quote = connection.ops.quote_name
    selected = ", ".join(quote(c) for c in ["id", *columns])
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {selected} FROM {quote(table)} WHERE {quote('id')} > %s "  # noqa: S608
                f"ORDER BY {quote('id')} LIMIT {CHUNK}",
                [last],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _update(connection: Any, table: str, columns: list[str], values: list[list[Any]]) -> None:
    if not values:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(table)} SET {assignments} WHERE {quote('id')} = %s",  # noqa: S608
            values,
        )


def encrypt_rows(
    connection: Any, table: str, columns: list[str], *, id_number_index: tuple[str, str] | None
) -> None:
    """Encrypt `columns` of every row of `table`; `id_number_index` = (number column, index
    column) fills the blind index too. A value already encrypted is left as it is."""
    written = columns + ([id_number_index[1]] if id_number_index else [])
    for rows in _rows(connection, table, columns):
        values = []
        for pk, *plain in rows:
            row = dict(zip(columns, plain, strict=True))
            out = [v if not v or crypto.is_encrypted(v) else crypto.encrypt(v) for v in plain]
            if id_number_index:
                number = row[id_number_index[0]]
                number = crypto.decrypt(number) if crypto.is_encrypted(number) else number
                out.append(crypto.id_number_index(number))
            values.append([*out, pk])
        _update(connection, table, written, values)


def decrypt_rows(connection: Any, table: str, columns: list[str]) -> None:
    """The reverse: every encrypted value of `columns` back to its plaintext."""
    for rows in _rows(connection, table, columns):
        values = [
            [*(crypto.decrypt(v) if v and crypto.is_encrypted(v) else v for v in plain), pk]
            for pk, *plain in rows
        ]
        _update(connection, table, columns, values)
