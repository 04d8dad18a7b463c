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


def _manifest(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(read_config_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def read_seed_corpus(directory: Path, manifest: Path) -> list[SeedText]:
    """Every ``NNN_<16 hex>.txt`` in ``directory``, in file-name order, with the manifest's dates."""
    notes = _manifest(manifest)
    seeds = []
    for path in sorted(directory.glob("*.txt")):
        match = _NAME.match(path.name)
        if not match:
            continue
        doc_id = match.group(1)
        note = notes.get(doc_id, {})
        start = note.get("comments_from_line")
        parsed = parse_plain_text(
            path.read_text(encoding="utf-8"), comments_from_line=int(start) if isinstance(start, int) else None
        )
        published = note.get("published")
        when = None
        if isinstance(published, str):
            when = datetime.fromisoformat(published).replace(tzinfo=UTC)
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
