"""SQL kept in warehouse/sql/, read once."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql(name: str) -> str:
    """The text of ``warehouse/sql/<name>.sql`` (e.g. ``sql("load/insert_document")``)."""
    return (resources.files("warehouse") / "sql" / f"{name}.sql").read_text(encoding="utf-8")
