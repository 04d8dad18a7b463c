"""sources.toml: the outlets a reader follows, validated with messages that name the line."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from extractors.configfile import read_config_text
from extractors.errors import ConfigError
from extractors.rules import compiled
from extractors.urls import host_of, is_fetchable

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")
_RULE_KEYS = frozenset({"keep", "block"})
_SOURCE_KEYS = (
    frozenset({"name", "feed", "site", "tags", "user_agent", "headers", "max_new", "host_delay"}) | _RULE_KEYS
)
_SETTINGS_KEYS = frozenset({"allow_hosts"}) | _RULE_KEYS
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an RFC 9110 token
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # a horizontal tab is allowed in a header value
# Set by tealeaves on every request (the address guard, the size cap, conditional GET depend on them) or
# by the HTTP layer; a source's headers must not replace them.
_RESERVED_HEADERS = frozenset(
    {
        "host",
        "user-agent",  # the source's user_agent key sets it
        "accept-encoding",
        "content-length",
        "transfer-encoding",
        "connection",
        "te",
        "upgrade",
        "if-none-match",
        "if-modified-since",
    }
)
MAX_NEW_LIMIT = 10_000  # a source's max_new above this is a typo, not a wish
HOST_DELAY_LIMIT = 3600.0  # seconds; a source's host_delay above this would stall the run
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
    keep: tuple[str, ...] = ()  # rules an entry must match one of to be fetched (none: every entry)
    block: tuple[str, ...] = ()  # rules whose matches are not fetched
    user_agent: str | None = None  # sent instead of the User-Agent setting, for this source's requests
    headers: tuple[tuple[str, str], ...] = ()  # extra request headers for this source (a consent cookie)
    max_new: int | None = None  # instead of the max_new_per_source setting
    host_delay: float | None = None  # instead of the host_delay setting, for this source's pages
    # The [settings] rules, which apply beside the source's own; set by ``SourcesConfig.with_settings_rules``.
    settings_keep: tuple[str, ...] = ()
    settings_block: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourcesConfig:
    """Everything sources.toml says."""

    sources: tuple[Source, ...]
    allow_hosts: frozenset[str]
    path: str
    keep: tuple[str, ...] = ()  # [settings] keep rules, for every source
    block: tuple[str, ...] = ()  # [settings] block rules, for every source

    def with_settings_rules(self, source: Source) -> Source:
        """``source`` with the [settings] keep and block rules it is held to beside its own."""
        return replace(source, settings_keep=self.keep, settings_block=self.block)

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
    settings = data.get("settings", {})
    allow = _allow_hosts(settings, f"{path}, line {allow_line}" if allow_line else path)
    settings_line = next(
        (i for i, line in enumerate(text.splitlines(), 1) if re.match(r"^\s*\[\s*settings\s*\]", line)), 0
    )
    keep = _rules(settings, "keep", text, settings_line, path, "[settings]")
    block = _rules(settings, "block", text, settings_line, path, "[settings]")
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise ConfigError(f"{path}: sources are written as [[source]] tables")
    lines = _table_lines(text)
    sources: list[Source] = []
    first_line: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        line = lines[index] if index < len(lines) else 0
        source = _source(raw, f"{path}, line {line}" if line else path)
        source = replace(
            source,
            keep=_rules(raw, "keep", text, line, path, f"source {source.name!r}"),
            block=_rules(raw, "block", text, line, path, f"source {source.name!r}"),
        )
        if source.name in first_line:
            raise ConfigError(
                f"{path}, line {line}: duplicate source name {source.name!r} "
                f"(first defined on line {first_line[source.name]})"
            )
        first_line[source.name] = line
        sources.append(source)
    return SourcesConfig(sources=tuple(sources), allow_hosts=allow, path=path, keep=keep, block=block)


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
        allowed = ", ".join(sorted(_SOURCE_KEYS))
        raise ConfigError(f"{where}: unknown key(s) {sorted(extra)} in [[source]]; allowed: {allowed}")
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
    return Source(
        name=name,
        feed=feed,
        site=site,
        tags=tuple(t.strip() for t in tags),
        user_agent=_user_agent(raw.get("user_agent"), where, name),
        headers=_headers(raw.get("headers"), where, name),
        max_new=_max_new(raw.get("max_new"), where, name),
        host_delay=_host_delay(raw.get("host_delay"), where, name),
    )


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


def _line_of(text: str, start: int, pattern: str) -> int:
    """The line, from ``start`` on, where ``pattern`` is written (as a TOML literal or basic string);
    ``start`` when it cannot be found."""
    written = {pattern, pattern.replace("\\", "\\\\").replace('"', '\\"')}
    for number, line in enumerate(text.splitlines()[max(start - 1, 0) :], max(start, 1)):
        if any(w and w in line for w in written):
            return number
    return start


def _rules(table: dict[str, object], key: str, text: str, line: int, path: str, owner: str) -> tuple[str, ...]:
    """A keep or block list: regular expressions, each compiled here so a bad one is refused with its line."""
    rules = table.get(key, [])
    if not isinstance(rules, list) or not all(isinstance(r, str) and r for r in rules):
        where = f"{path}, line {line}" if line else path
        raise ConfigError(f'{where}: {owner}: {key} must be a list of regular expressions, e.g. {key} = ["ukrain"]')
    for rule in rules:
        try:
            compiled(rule)
        except re.error as exc:
            at = _line_of(text, line, rule)
            where = f"{path}, line {at}" if at else path
            raise ConfigError(
                f"{where}: {owner}: {key} rule {rule!r} is not a valid regular expression ({exc}); "
                "fix it or remove it (a literal '(', '[' or '+' needs a backslash)"
            ) from exc
    return tuple(rules)


def _user_agent(value: object, where: str, name: str) -> str | None:
    """A source's own User-Agent: one line of printable text."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 512 or _CONTROL.search(value):
        raise ConfigError(
            f"{where}: source {name!r}: user_agent must be one line of text, at most 512 characters (got {value!r})"
        )
    return value.strip()


def _headers(value: object, where: str, name: str) -> tuple[tuple[str, str], ...]:
    """A source's extra request headers: a table of names to values, none that tealeaves sets itself."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ConfigError(f'{where}: source {name!r}: headers must be a table, e.g. headers = {{ Cookie = "a=1" }}')
    found: list[tuple[str, str]] = []
    for header, text in value.items():
        if not _HEADER_NAME.fullmatch(header):
            raise ConfigError(f"{where}: source {name!r}: {header!r} is not a valid header name")
        if header.lower() in {h.lower() for h, _ in found}:
            raise ConfigError(f"{where}: source {name!r}: header {header!r} is given twice")
        if header.lower() in _RESERVED_HEADERS:
            raise ConfigError(
                f"{where}: source {name!r}: header {header!r} is set by tealeaves and cannot be replaced"
                + (" (use the user_agent key)" if header.lower() == "user-agent" else "")
            )
        if not isinstance(text, str) or _CONTROL.search(text) or len(text) > 8192:
            raise ConfigError(
                f"{where}: source {name!r}: header {header!r} needs a value of text without control characters "
                f"(line breaks included), at most 8192 characters (got {text!r})"
            )
        found.append((header, text.strip()))
    return tuple(found)


def _max_new(value: object, where: str, name: str) -> int | None:
    """A source's own limit of new entries fetched per run."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NEW_LIMIT:
        raise ConfigError(
            f"{where}: source {name!r}: max_new must be a whole number from 1 to {MAX_NEW_LIMIT} (got {value!r})"
        )
    return value


def _host_delay(value: object, where: str, name: str) -> float | None:
    """A source's own delay between two requests to its hosts, in seconds."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= HOST_DELAY_LIMIT:
        raise ConfigError(
            f"{where}: source {name!r}: host_delay must be a number of seconds from 0 to {HOST_DELAY_LIMIT:.0f} "
            f"(got {value!r})"
        )
    return float(value)


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
