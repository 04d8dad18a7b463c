"""The seed corpus and its manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.errors import ConfigError
from extractors.seeds import read_seed_corpus

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_seed_corpus_reads_with_its_dates() -> None:
    seeds = read_seed_corpus(REPO / "data" / "seed-corpus", REPO / "data" / "seed-manifest.toml")
    assert seeds and all(s.published_at is not None for s in seeds)


def test_a_manifest_that_is_not_utf8_names_the_file_and_the_line(tmp_path: Path) -> None:
    manifest = tmp_path / "seed-manifest.toml"
    manifest.write_bytes(b'# seed dates\n[0123456789abcdef]\nnote = "Gen\xe8ve"\n')
    with pytest.raises(ConfigError, match=r"seed-manifest\.toml, line 3: byte 0xe8 \(column 12\) is not UTF-8"):
        read_seed_corpus(tmp_path, manifest)
