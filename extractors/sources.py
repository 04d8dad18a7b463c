"""sources.toml: the outlets a reader follows, validated with messages that name the line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from extractors.configfile import read_config_text
from extractors.errors import ConfigError
from extractors.urls import host_of, is_fetchable

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
_SOURCE_KEYS = frozenset({"name", "feed", "site", "tags"})
_SETTINGS_KEYS = frozenset({"allow_hosts"})
# Controls (C0, DEL, C1) and whitespace of any script: a URL or host is one unbroken token, and a newline or
# escape inside one would reach request lines, logs and the terminal.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")


@dataclass(frozen=True)
class Source:
    """One outlet: a name the warehouse uses, its feed URL and its site."""

    name: str
    feed: str
    site: str | None = None
    tags: tuple[str, ...] = ()  # folders of a reader's subscription list, e.g. "Politics/US" (OPML)


@dataclass(frozen=True)
class SourcesConfig:
    """Everything sources.toml says."""

    sources: tuple[Source, ...]
    allow_hosts: frozenset[str]
    path: str

    def select(self, names: list[str] | None) -> tuple[Source, ...]:
        """The named sources (all when ``names`` is empty); an unknown name is a ConfigError."""
        if not names:
            return self.sources
        known = {s.name: s for s in self.sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(
                f"{self.path}: no source named {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
            )
        return tuple(known[n] for n in names)


def _table_lines(text: str) -> list[int]:
    """Line numbers (1-based) of each ``[[source]]`` header, in order."""
    return [i for i, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\[\s*source\s*\]\]", line)]


def _key_line(text: str, key: str) -> int:
    """The line (1-based) where ``key =`` is first written, 0 when it is not found."""
    return next((i for i, line in enumerate(text.splitlines(), 1) if re.match(rf"^\s*{key}\s*=", line)), 0)


def _unsafe_char(value: str) -> str | None:
    """Where ``value`` holds a control or whitespace character, which one and at what position, else None."""
    found = _UNSAFE.search(value)
    return None if found is None else f"U+{ord(found.group()):04X} at position {found.start() + 1}"


def parse_sources(text: str, path: str = "sources.toml") -> SourcesConfig:
    """Validate sources.toml text; raises ConfigError naming the file and line of the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    unknown_top = set(data) - {"settings", "source"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown section(s) {sorted(unknown_top)}; expected [settings] and [[source]]")
    allow_line = _key_line(text, "allow_hosts")
    allow = _allow_hosts(data.get("settings", {}), f"{path}, line {allow_line}" if allow_line else path)
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: sources are written as [[source]] tables")
    lines = _table_lines(text)
    sources: list[Source] = []
    first_line: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        line = lines[index] if index < len(lines) else 0
        source = _source(raw, f"{path}, line {line}" if line else path)
        if source.name in first_line:
            raise ConfigError(
                f"{path}, line {line}: duplicate source name {source.name!r} "
                f"(first defined on line {first_line[source.name]})"
            )
        first_line[source.name] = line
        sources.append(source)
    return SourcesConfig(sources=tuple(sources), allow_hosts=allow, path=path)


def _allow_hosts(settings: object, path: str) -> frozenset[str]:
    """The hosts [settings] exempts from the address guard, lower-cased; ``path`` names the file (and line)."""
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: [settings] must be a table")
    extra = set(settings) - _SETTINGS_KEYS
    if extra:
        raise ConfigError(f"{path}: unknown key(s) in [settings]: {sorted(extra)}")
    allow = settings.get("allow_hosts", [])
    if not isinstance(allow, list) or not all(isinstance(h, str) and h for h in allow):
        raise ConfigError(f'{path}: [settings] allow_hosts must be a list of host names, e.g. ["127.0.0.1"]')
    for host in allow:
        if (unsafe := _unsafe_char(host)) is not None:
            raise ConfigError(
                f"{path}: [settings] allow_hosts entry {host!r} has a control or space character ({unsafe}); "
                'write the bare host name, e.g. "127.0.0.1"'
            )
    return frozenset(h.lower() for h in allow)


def _source(raw: dict[str, object], where: str) -> Source:
    """One [[source]] table, checked; ``where`` names the file and line in messages."""
    extra = set(raw) - _SOURCE_KEYS
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {sorted(extra)} in [[source]]; allowed: name, feed, site, tags")
    name = raw.get("name")
    # fullmatch: with match, "$" also matches before a trailing newline, and "a\n" would pass beside "a".
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(
            f"{where}: [[source]] needs a name of lower-case letters, digits, '-', '_' or '.' (got {name!r})"
        )
    feed = raw.get("feed")
    if not isinstance(feed, str) or not feed.strip():
        raise ConfigError(f'{where}: source {name!r} has no feed = "https://…"')
    # Spaces around the URL are padding and go; a tab, newline or other control anywhere is refused below.
    feed = feed.strip(" ")
    _check_url(feed, f"{where}: source {name!r}: feed")
    site = raw.get("site")
    if site is not None:
        if not isinstance(site, str):
            raise ConfigError(f"{where}: source {name!r}: site {site!r} is not an http(s) URL")
        _check_url(site, f"{where}: source {name!r}: site")
    tags = raw.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        raise ConfigError(f'{where}: source {name!r}: tags must be a list of non-empty strings, e.g. ["Politics/US"]')
    return Source(name=name, feed=feed, site=site, tags=tuple(t.strip() for t in tags))


def valid_name(name: str) -> bool:
    """True when ``name`` may name a source (lower-case letters, digits, '-', '_', '.'; up to 63)."""
    return bool(_NAME.fullmatch(name))


def _check_url(url: str, what: str) -> None:
    """Refuse a URL with a control or whitespace character in it, or one that is not http(s)."""
    if (unsafe := _unsafe_char(url)) is not None:
        raise ConfigError(
            f"{what} {url!r} has a control or space character ({unsafe}); write the URL on one line, "
            "with a space inside it encoded as %20"
        )
    if not is_fetchable(url):
        raise ConfigError(f"{what} {url!r} is not an http(s) URL")


def load_sources(path: Path) -> SourcesConfig:
    """Read and validate a sources.toml file."""
    try:
        text = read_config_text(path)
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found (pass --sources or create it)") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return parse_sources(text, str(path))


def site_of(source: Source) -> str:
    """The outlet's site URL: as configured, else the feed's scheme and host."""
    if source.site:
        return source.site
    scheme = source.feed.split(":", 1)[0]
    return f"{scheme}://{host_of(source.feed)}/"
