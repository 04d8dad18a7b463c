"""`tealeaves query` output, written as the rows are read: a table in pages, CSV, JSON or JSON Lines.

Output stops at the first cap (rows, bytes) and says so; what was written before it is complete and valid
on its own: whole CSV lines, a closed JSON array, a finished table. The same holds when a time or memory
limit stops the query halfway. At most one chunk of rows and one table page are held at a time."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol, TextIO

from rich.text import Text

from flows.cli_common import json_text, plain, show_table, table

# A table is printed a page at a time (Rich lays out a whole table before it prints any of it): a page
# ends after this many rows or this many bytes of cell text, whichever comes first.
PAGE_ROWS = 1000
PAGE_BYTES = 2**20


class Format(StrEnum):
    """How `tealeaves query` prints its rows."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    JSONL = "jsonl"


@dataclass(frozen=True)
class Caps:
    """How much of a result is printed, and what a person changes to move each cap (for the message)."""

    max_rows: int
    max_bytes: int
    rows_set_by: str
    bytes_set_by: str


@dataclass(frozen=True)
class Written:
    """What was printed: rows and bytes, and why it stopped before the end (None: the whole result)."""

    rows: int
    bytes: int
    stopped: str | None = None


class _Sink(Protocol):
    def encode(self, row: Sequence[Any], first: bool) -> tuple[Any, int]: ...
    def write(self, piece: Any) -> None: ...
    def close(self, rows: int) -> None: ...


def write_rows(
    columns: list[str], rows: Iterable[Sequence[Any]], form: Format, caps: Caps, out: TextIO, title: str | None = None
) -> Written:
    """Print ``rows`` in ``form`` until they end or a cap is reached; the output is closed either way."""
    sink = _sink(columns, form, out, title)
    count, size = 0, 0
    try:
        for row in rows:
            if count == caps.max_rows:
                return Written(count, size, _rows_message(count, caps))
            piece, piece_size = sink.encode(row, count == 0)
            if size + piece_size > caps.max_bytes:
                return Written(count, size, _bytes_message(count, size, caps))
            sink.write(piece)
            count, size = count + 1, size + piece_size
        return Written(count, size)
    finally:
        sink.close(count)


def _rows_message(count: int, caps: Caps) -> str:
    return f"stopped after {count:,} rows ({caps.rows_set_by}): the query has more; add a LIMIT or filter"


def _bytes_message(count: int, size: int, caps: Caps) -> str:
    return (
        f"stopped after {count:,} rows, {size:,} bytes ({caps.bytes_set_by}): the next row would pass that; "
        "add a LIMIT or filter, or select fewer or shorter columns"
    )


def _sink(columns: list[str], form: Format, out: TextIO, title: str | None) -> _Sink:
    if form is Format.TABLE:
        return _TablePages(columns, title)
    if form is Format.CSV:
        return _Csv(columns, out)
    return _Json(columns, out, lines=form is Format.JSONL)


def _utf8_size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


class _Json:
    """One JSON array, indented as ``json.dumps(rows, indent=2)`` prints it, or one object a line (JSONL)."""

    def __init__(self, columns: list[str], out: TextIO, *, lines: bool) -> None:
        self.columns, self.out, self.lines = columns, out, lines
        if not lines:
            out.write("[")

    def encode(self, row: Sequence[Any], first: bool) -> tuple[str, int]:
        data = dict(zip(self.columns, row, strict=True))
        if self.lines:
            piece = json_text(data, indent=None) + "\n"
        else:
            # Strings in JSON never hold a raw newline, so indenting every line indents only the layout.
            piece = ("\n" if first else ",\n") + "\n".join("  " + part for part in json_text(data).split("\n"))
        return piece, _utf8_size(piece)

    def write(self, piece: str) -> None:
        self.out.write(piece)

    def close(self, rows: int) -> None:
        if not self.lines:
            self.out.write("\n]\n" if rows else "]\n")
        self.out.flush()


class _Csv:
    """A header line, then one line a row; control characters shown as in tables (``\\x1b``)."""

    def __init__(self, columns: list[str], out: TextIO) -> None:
        self.out, self.buffer = out, io.StringIO()
        self.writer = csv.writer(self.buffer)
        self.out.write(self._line(columns))

    def _line(self, values: Sequence[Any]) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow([_csv_cell(value) for value in values])
        return self.buffer.getvalue()

    def encode(self, row: Sequence[Any], first: bool) -> tuple[str, int]:
        piece = self._line(row)
        return piece, _utf8_size(piece)

    def write(self, piece: str) -> None:
        self.out.write(piece)

    def close(self, rows: int) -> None:
        self.out.flush()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | dict | tuple):
        value = json_text(value, indent=None)
    return plain(value).plain


class _TablePages:
    """Rich tables of at most a page each; the title on the first, the column headers on every one."""

    def __init__(self, columns: list[str], title: str | None) -> None:
        self.columns, self.title = columns, title
        self.page: list[list[Text]] = []
        self.page_bytes = 0
        self.pages = 0

    def encode(self, row: Sequence[Any], first: bool) -> tuple[list[Text], int]:
        cells = [plain(value) for value in row]
        return cells, sum(_utf8_size(cell.plain) for cell in cells)

    def write(self, piece: list[Text]) -> None:
        self.page.append(piece)
        self.page_bytes += sum(_utf8_size(cell.plain) for cell in piece)
        if len(self.page) >= PAGE_ROWS or self.page_bytes >= PAGE_BYTES:
            self._flush()

    def _flush(self) -> None:
        show_table(table(self.columns, self.page, title=None if self.pages else self.title))
        self.page, self.page_bytes, self.pages = [], 0, self.pages + 1

    def close(self, rows: int) -> None:
        if self.page or not self.pages:
            self._flush()
