"""Reading the files a person edits (sources.toml, the gazetteer, the seed manifest) as UTF-8 text."""

from __future__ import annotations

from pathlib import Path

from extractors.errors import ConfigError


def read_config_text(path: Path) -> str:
    """The file's text; a byte that is not UTF-8 is a ConfigError naming the line (OSError passes through)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}, line {line}: byte 0x{data[exc.start]:02x} (column {column}) is not UTF-8; save the file as UTF-8",
        ) from exc
