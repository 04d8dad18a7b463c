"""Query output stays complete and valid whatever stops it: the end of the rows, a cap, or a failing query."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from flows.query_output import PAGE_ROWS, Caps, Format, write_rows
from warehouse.errors import QueryError

CAPS = Caps(max_rows=100, max_bytes=10_000, rows_set_by="rows setting", bytes_set_by="bytes setting")


def _failing_after(count: int) -> Iterator[tuple[Any, ...]]:
    yield from ((i, f"v{i}") for i in range(count))
    raise QueryError("query stopped after the 1 s time limit")


@pytest.mark.parametrize("form", [Format.JSON, Format.JSONL, Format.CSV])
def test_a_query_failing_halfway_leaves_valid_output(form: Format) -> None:
    out = io.StringIO()
    with pytest.raises(QueryError, match="time limit"):
        write_rows(["i", "v"], _failing_after(3), form, CAPS, out)
    text = out.getvalue()
    if form is Format.JSON:
        assert json.loads(text) == [{"i": i, "v": f"v{i}"} for i in range(3)]
    elif form is Format.JSONL:
        assert [json.loads(line) for line in text.splitlines()] == [{"i": i, "v": f"v{i}"} for i in range(3)]
    else:
        assert text.splitlines() == ["i,v", "0,v0", "1,v1", "2,v2"]


def test_byte_cap_counts_what_is_written() -> None:
    out = io.StringIO()
    caps = Caps(max_rows=10**6, max_bytes=1000, rows_set_by="rows setting", bytes_set_by="bytes setting")
    written = write_rows(["v"], (("é" * 10,) for _ in range(1000)), Format.JSONL, caps, out)
    assert written.bytes == len(out.getvalue().encode("utf-8")) <= caps.max_bytes
    assert written.rows == written.bytes // len('{"v": "éééééééééé"}\n'.encode())
    assert written.stopped is not None
    assert "(bytes setting)" in written.stopped


def test_csv_shows_control_characters_as_tables_do() -> None:
    out = io.StringIO()
    write_rows(["t"], [("a\x1b[2Jb",)], Format.CSV, CAPS, out)
    assert out.getvalue().splitlines() == ["t", "a\\x1b[2Jb"]


def test_table_pages_repeat_the_headers_and_keep_the_title_on_the_first(capsys: pytest.CaptureFixture[str]) -> None:
    caps = Caps(3 * PAGE_ROWS, 10**9, "rows", "bytes")
    write_rows(["label"], ((f"r{i}",) for i in range(PAGE_ROWS + 1)), Format.TABLE, caps, io.StringIO(), "numbers")
    printed = capsys.readouterr().out
    assert printed.count("label") == 2
    assert printed.count("numbers") == 1
    assert f"r{PAGE_ROWS}" in printed
