"""The gazetteer: people, institutions and places with their spellings, kept as an editable TOML file."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from extractors.configfile import read_config_text
from extractors.errors import ConfigError

KINDS = ("person", "institution", "place")
_KEYS = frozenset({"name", "kind", "aliases", "cased"})
# A word as the tokenizer sees it (letters and digits), with an optional trailing * for "any ending".
_WORD = re.compile(r"[^\W_]+\*?")
_MIN_PREFIX = 3


@dataclass(frozen=True)
class Alias:
    """One spelling: a word or a phrase of words; a word ending in * matches any ending."""

    text: str
    words: tuple[str, ...]
    cased: bool

    def patterns(self) -> list[tuple[str, str]]:
        """(mode, pattern) per word: mode is ``exact`` (any case), ``cased`` or ``prefix`` (any case)."""
        found = []
        for word in self.words:
            if word.endswith("*"):
                found.append(("prefix", word[:-1].lower()))
            elif self.cased:
                found.append(("cased", word))
            else:
                found.append(("exact", word.lower()))
        return found


@dataclass(frozen=True)
class Entity:
    """A person, institution or place, with every spelling that counts as a mention of it."""

    name: str
    kind: str
    aliases: tuple[Alias, ...]


@dataclass(frozen=True)
class Gazetteer:
    """Every entity, in file order, and a fingerprint that changes whenever a spelling does."""

    entities: tuple[Entity, ...]
    source: str

    @property
    def fingerprint(self) -> str:
        """sha256 of what matching depends on (names, kinds, spellings), not of comments or layout."""
        canonical = [[e.name, e.kind, [[a.text, a.cased] for a in e.aliases]] for e in self.entities]
        return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode("utf-8")).hexdigest()

    def pattern_rows(self) -> list[tuple[str, str, int, int, int, str, str]]:
        """(entity, kind, alias_no, words, position, mode, pattern) for every word of every alias."""
        rows = []
        alias_no = 0
        for entity in self.entities:
            for alias in entity.aliases:
                alias_no += 1
                for position, (mode, pattern) in enumerate(alias.patterns()):
                    rows.append((entity.name, entity.kind, alias_no, len(alias.words), position, mode, pattern))
        return rows

    def entity_rows(self) -> list[tuple[str, str, list[str]]]:
        """(entity, kind, aliases as written) for the warehouse's gazetteer table."""
        return [(e.name, e.kind, [a.text for a in e.aliases]) for e in self.entities]


def _alias(text: object, cased: bool, where: str) -> Alias:
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: an alias must be a non-empty string, not {text!r}")
    words = tuple(_WORD.findall(text))
    if not words or "*" in _WORD.sub("", text) or re.search(r"\*[^\W_]", text):
        raise ConfigError(f"{where}: alias {text!r}: '*' may only end a word")
    for word in words:
        if word.endswith("*") and len(word) - 1 < _MIN_PREFIX:
            raise ConfigError(f"{where}: alias {text!r}: a word ending in '*' needs at least {_MIN_PREFIX} letters")
    return Alias(text=text, words=words, cased=cased)


def parse_gazetteer(text: str, source: str = "gazetteer.toml") -> Gazetteer:
    """Validate gazetteer TOML; raises ConfigError naming the file and the entry at fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from exc
    if set(data) - {"entity"} or not isinstance(data.get("entity"), list):
        raise ConfigError(f"{source}: expected only [[entity]] tables")
    entities: list[Entity] = []
    owner: dict[tuple[str, bool], str] = {}
    for number, item in enumerate(data["entity"], 1):
        where = f"{source}: entity #{number}"
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: not a table")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: has no name")
        where = f"{source}: entity #{number} ({name})"
        if unknown := set(item) - _KEYS:
            raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
        if item.get("kind") not in KINDS:
            raise ConfigError(f"{where}: kind must be one of {', '.join(KINDS)}")
        if any(e.name == name for e in entities):
            raise ConfigError(f"{where}: a second entity of this name")
        aliases = [_alias(a, False, where) for a in item.get("aliases", [])]
        aliases += [_alias(a, True, where) for a in item.get("cased", [])]
        if not aliases:
            raise ConfigError(f"{where}: has no aliases")
        for alias in aliases:
            key = (alias.text if alias.cased else alias.text.lower(), alias.cased)
            if key in owner and owner[key] != name:
                raise ConfigError(f"{where}: alias {alias.text!r} already belongs to {owner[key]}")
            owner[key] = name
        entities.append(Entity(name=name, kind=item["kind"], aliases=tuple(aliases)))
    return Gazetteer(entities=tuple(entities), source=source)


def load_gazetteer(path: Path) -> Gazetteer:
    """Read and validate the gazetteer file."""
    try:
        text = read_config_text(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the gazetteer ({exc.strerror or exc})") from exc
    return parse_gazetteer(text, str(path))
