"""Editing sources.toml the way a person would: new ``[[source]]`` tables appended after everything the file
already says, a removed table taken out alone; every comment and the layout kept.

Each edit is checked before it is returned: the new text must be what tomllib reads as the old sources plus
(or minus) the edited ones, and must pass ``parse_sources``; a file whose shape makes that impossible (sources
written as an inline array, a ``[[source]]`` line inside a multi-line string) is a ConfigError that says to
edit it by hand."""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import tomlkit

from extractors.errors import ConfigError
from extractors.sources import Source, SourcesConfig, parse_sources, valid_name
from extractors.urls import host_of

_SOURCE_HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]")
_ANY_HEADER = re.compile(r"^\s*\[")
_BLANK_OR_COMMENT = re.compile(r"^\s*(#.*)?$")
_NOT_IN_NAME = re.compile(r"[^a-z0-9_.-]+")


def name_for(url: str, taken: Collection[str]) -> str:
    """A valid source name from the URL's host without ``www.``, made unique against ``taken`` (``-2``, ``-3`` …)."""
    base = _NOT_IN_NAME.sub("-", host_of(url).removeprefix("www.")).strip("-_.")[:60] or "source"
    return unique_name(base, taken)


def unique_name(base: str, taken: Collection[str]) -> str:
    """``base`` if no source has it yet, else the first of ``base-2``, ``base-3`` … that is free."""
    base = base[:60]  # room for a suffix within the 63 characters a name may have
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _table(source: Source) -> dict[str, Any]:
    table: dict[str, Any] = {"name": source.name, "feed": source.feed}
    if source.site:
        table["site"] = source.site
    if source.tags:
        table["tags"] = list(source.tags)
    return table


def _expected(text: str) -> dict[str, Any]:
    return tomllib.loads(text) if text.strip() else {}


def _check(new_text: str, expected: dict[str, Any], path: str, what: str) -> SourcesConfig:
    """The parsed new text, after making sure it says exactly what the edit meant it to."""
    try:
        actual = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {what} would not leave valid TOML ({exc}); edit the file by hand") from exc
    if actual != expected:
        raise ConfigError(f"{path}: the file's layout does not allow {what} safely; edit the file by hand")
    return parse_sources(new_text, path)


def append_sources(text: str, sources: Sequence[Source], path: str = "sources.toml") -> str:
    """``text`` with a ``[[source]]`` table for each of ``sources`` appended after a blank line."""
    if not sources:
        return text
    config = parse_sources(text, path)
    known = {s.name for s in config.sources}
    for source in sources:
        if not valid_name(source.name):
            raise ConfigError(f"{source.name!r} is not a valid source name: use lower-case letters, digits, '-_.'")
        if source.name in known:
            raise ConfigError(f"{path}: a source named {source.name!r} already exists; choose another with --name")
        known.add(source.name)
    newline = "\r\n" if "\r\n" in text else "\n"
    document = tomlkit.document()
    document.append("source", tomlkit.aot())
    for source in sources:
        document["source"].append(tomlkit.item(_table(source)))
    rendered = tomlkit.dumps(document).replace("\n", newline)
    # One blank line between what the file says and the new tables, whatever the file ends with.
    if not text.strip() or text.endswith(newline * 2):
        separator = ""
    else:
        separator = newline if text.endswith(newline) else newline * 2
    new_text = text + separator + rendered
    expected = _expected(text)
    expected.setdefault("source", []).extend(_table(s) for s in sources)
    _check(new_text, expected, path, "adding to it")
    return new_text


def remove_source(text: str, name: str, path: str = "sources.toml") -> str:
    """``text`` without the ``[[source]]`` table named ``name`` (its header, keys and the comments among them);
    comments before and after it stay. An unknown name is a ConfigError naming the known ones."""
    config = parse_sources(text, path)
    names = [s.name for s in config.sources]
    if name not in names:
        raise ConfigError(f"{path}: no source named {name!r}; known: {', '.join(sorted(names)) or 'none'}")
    index = names.index(name)
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _SOURCE_HEADER.match(line)]
    if len(headers) != len(names):
        raise ConfigError(f"{path}: the file's layout does not allow removing {name!r} safely; edit the file by hand")
    start = headers[index]
    later = range(start + 1, len(lines))
    end = next((i for i in later if _ANY_HEADER.match(lines[i])), len(lines))
    # The table ends at its last key; the comments after it may be about what follows, so they stay.
    while end > start + 1 and _BLANK_OR_COMMENT.match(lines[end - 1]):
        end -= 1
    # The blank lines that set the table apart go with it, so one blank line still parts its neighbours.
    if start == 0 or not lines[start - 1].strip():
        while end < len(lines) and not lines[end].strip():
            end += 1
        if end == len(lines):
            while start > 0 and not lines[start - 1].strip():
                start -= 1
    new_text = "".join(lines[:start] + lines[end:])
    expected = _expected(text)
    del expected["source"][index]
    if not expected["source"]:
        del expected["source"]
    _check(new_text, expected, path, f"removing {name!r}")
    return new_text


def write_sources_file(path: Path, text: str) -> None:
    """Replace the file with ``text`` at once (a crash leaves the old file or the new one, never half of one)."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
