"""SQL kept in warehouse/sql/, each file a set of named statements, read once.

A statement starts at a line ``-- name: <statement>`` and runs to the next such line; the comment lines
right after its name say what it does. ``sql("load/insert_document")`` is the statement
``insert_document`` of ``warehouse/sql/load.sql``. Only comments may precede the first name.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from warehouse.errors import SqlFileError

_NAME = re.compile(r"^-- name: *(\S+) *$", re.MULTILINE)
_NOT_SQL = re.compile(r"^\s*(--.*)?$")  # a blank line or a comment


def _only_comments(text: str) -> bool:
    return all(_NOT_SQL.match(line) for line in text.splitlines())


def parse(text: str, where: str) -> dict[str, str]:
    """The named statements of one file's ``text``, in file order; ``where`` names the file in errors."""
    head, *parts = _NAME.split(text)
    if not _only_comments(head):
        raise SqlFileError(f"{where} has SQL before its first '-- name:' line; give that statement a name")
    found: dict[str, str] = {}
    for name, body in zip(parts[::2], parts[1::2], strict=True):
        if name in found:
            raise SqlFileError(f"{where} names two statements {name!r}; rename one")
        if _only_comments(body):
            raise SqlFileError(f"{where}: statement {name!r} has no SQL; write it or remove its name")
        found[name] = body.strip()
    return found


@cache
def statements(file: str) -> dict[str, str]:
    """The named statements of ``warehouse/sql/<file>.sql`` (e.g. ``statements("load")``)."""
    where = f"warehouse/sql/{file}.sql"
    try:
        text = (resources.files("warehouse") / "sql" / f"{file}.sql").read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise SqlFileError(
            f"{where} does not exist: the install is incomplete, or the code names a wrong file"
        ) from exc
    return parse(text, where)


def sql(name: str) -> str:
    """The statement ``<file>/<statement>`` (e.g. ``sql("analysis/reads/trends")``); SqlFileError if missing."""
    file, _, statement = name.rpartition("/")
    found = statements(file)
    if statement not in found:
        raise SqlFileError(
            f"warehouse/sql/{file}.sql has no statement named {statement!r} (it has {', '.join(found)}); "
            "call one of those or add it to the file"
        )
    return found[statement]
