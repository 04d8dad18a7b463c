"""The seed corpus: five plain texts shipped with tealeaves, read into articles with comments."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from extractors.configfile import read_config_text
from extractors.errors import ConfigError
from extractors.plaintext import PlainText, parse_plain_text

_NAME = re.compile(r"^\d{3}_([0-9a-f]{16})\.txt$")


@dataclass(frozen=True)
class SeedText:
    """One seed file, parsed."""

    doc_id: str  # the 16 hex digits of the file name
    filename: str
    parsed: PlainText
    published_at: datetime | None
    published_precision: str | None


def _decoded(path: Path, setting: str) -> str:
    try:
        return read_config_text(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror or exc}); check {setting}") from exc


def _manifest(path: Path) -> dict[str, dict[str, object]]:
    if not path.is_file():
        raise ConfigError(
            f"{path}: no seed manifest there; set TEALEAVES_SEED_MANIFEST to the TOML file of the seed texts' dates"
        )
    try:
        # tomllib's message ends "(at line L, column C)".
        return tomllib.loads(_decoded(path, "TEALEAVES_SEED_MANIFEST"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _published(manifest: Path, doc_id: str, value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ConfigError(
            f'{manifest}: [{doc_id}] published = {value!r} is not a date; write it as "YYYY-MM-DD"'
        ) from exc


def _seed_files(directory: Path) -> list[tuple[str, Path]]:
    """(doc id, path) of every seed text, in file-name order."""
    files = []
    if directory.is_dir():
        files = [(m.group(1), p) for p in sorted(directory.glob("*.txt")) if (m := _NAME.match(p.name))]
    if not files:
        if directory.is_dir():
            problem = "holds no seed text (files named NNN_<16 hex digits>.txt)"
        else:
            problem = "is not a directory" if directory.exists() else "does not exist"
        raise ConfigError(
            f"seed corpus not found: {directory} {problem}. Set TEALEAVES_SEED_DIR to the directory of the seed "
            "texts, or unset it to use the copy shipped with tealeaves"
        )
    return files


def read_seed_corpus(directory: Path, manifest: Path) -> list[SeedText]:
    """Every ``NNN_<16 hex>.txt`` in ``directory``, in file-name order, with the manifest's dates (never none)."""
    files = _seed_files(directory)
    notes = _manifest(manifest)
    seeds = []
    for doc_id, path in files:
        note = notes.get(doc_id, {})
        if not isinstance(note, dict):
            raise ConfigError(f"{manifest}: {doc_id} must be a table, written [{doc_id}] on a line of its own")
        start = note.get("comments_from_line")
        parsed = parse_plain_text(
            _decoded(path, "TEALEAVES_SEED_DIR"), comments_from_line=int(start) if isinstance(start, int) else None
        )
        when = _published(manifest, doc_id, note.get("published"))
        precision = note.get("precision") if when else None
        seeds.append(
            SeedText(
                doc_id=doc_id,
                filename=path.name,
                parsed=parsed,
                published_at=when,
                published_precision=str(precision) if precision else None,
            )
        )
    return seeds
