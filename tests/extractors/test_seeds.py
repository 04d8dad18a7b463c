"""The seed corpus loader: the shipped corpus reads whole, and a missing or broken one is an error that
says where it looked and which setting to change, never an empty corpus."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from extractors.errors import ConfigError
from extractors.seeds import read_seed_corpus

SHIPPED = Path(str(resources.files("extractors") / "data"))
MANIFEST = '[0123456789abcdef]\npublished = "2025-02-18"\nprecision = "day"\n'


def corpus(tmp_path: Path, manifest: str | bytes = MANIFEST) -> tuple[Path, Path]:
    """A one-text seed corpus and its manifest, as files in tmp_path."""
    directory = tmp_path / "seeds"
    directory.mkdir()
    (directory / "000_0123456789abcdef.txt").write_text("A Title\n\nThe one paragraph.", encoding="utf-8")
    path = tmp_path / "manifest.toml"
    if isinstance(manifest, bytes):
        path.write_bytes(manifest)
    else:
        path.write_text(manifest, encoding="utf-8")
    return directory, path


def test_the_shipped_corpus_reads_whole_with_its_dates() -> None:
    seeds = read_seed_corpus(SHIPPED / "seed-corpus", SHIPPED / "seed-manifest.toml")
    assert [s.filename[:3] for s in seeds] == ["000", "001", "002", "003", "004"]
    assert all(s.published_at is not None for s in seeds)


def test_a_seed_text_is_read_with_the_manifest_date(tmp_path: Path) -> None:
    [seed] = read_seed_corpus(*corpus(tmp_path))
    assert seed.doc_id == "0123456789abcdef"
    assert seed.parsed.title == "A Title"
    assert seed.published_at == datetime(2025, 2, 18, tzinfo=UTC)
    assert seed.published_precision == "day"


def test_a_missing_seed_directory_is_an_error_naming_it_and_the_setting(tmp_path: Path) -> None:
    _, manifest = corpus(tmp_path)
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match="TEALEAVES_SEED_DIR") as raised:
        read_seed_corpus(missing, manifest)
    assert f"{missing} does not exist" in str(raised.value)


def test_a_directory_without_seed_texts_is_an_error(tmp_path: Path) -> None:
    _, manifest = corpus(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("# Seed corpus\n", encoding="utf-8")
    (empty / "notes.txt").write_text("not a seed: the name has no id\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TEALEAVES_SEED_DIR") as raised:
        read_seed_corpus(empty, manifest)
    assert f"{empty} holds no seed text (files named NNN_<16 hex digits>.txt)" in str(raised.value)


def test_a_file_given_as_the_seed_directory_is_an_error(tmp_path: Path) -> None:
    _, manifest = corpus(tmp_path)
    with pytest.raises(ConfigError, match=f"{manifest} is not a directory"):
        read_seed_corpus(manifest, manifest)


def test_a_missing_manifest_is_an_error_naming_it_and_the_setting(tmp_path: Path) -> None:
    directory, _ = corpus(tmp_path)
    missing = tmp_path / "no-manifest.toml"
    with pytest.raises(ConfigError, match="TEALEAVES_SEED_MANIFEST") as raised:
        read_seed_corpus(directory, missing)
    assert str(missing) in str(raised.value)


def test_a_malformed_manifest_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    directory, manifest = corpus(tmp_path, '[0123456789abcdef]\npublished = 2025-02-18"\n')
    with pytest.raises(ConfigError, match="line 2") as raised:
        read_seed_corpus(directory, manifest)
    assert str(raised.value).startswith(f"{manifest}: not valid TOML")


def test_a_manifest_that_is_not_utf8_is_an_error_naming_the_file_and_line(tmp_path: Path) -> None:
    directory, manifest = corpus(tmp_path, '[0123456789abcdef]\nevidence = "Gen\xe8ve"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as raised:
        read_seed_corpus(directory, manifest)
    assert str(raised.value).startswith(f"{manifest}, line 2:")


def test_a_manifest_date_that_is_not_a_date_names_the_file_and_the_text(tmp_path: Path) -> None:
    directory, manifest = corpus(tmp_path, '[0123456789abcdef]\npublished = "early March"\n')
    with pytest.raises(ConfigError, match=r"\[0123456789abcdef\] published = 'early March' is not a date"):
        read_seed_corpus(directory, manifest)


def test_a_seed_text_that_is_not_utf8_is_an_error_naming_it(tmp_path: Path) -> None:
    directory, manifest = corpus(tmp_path)
    text = directory / "001_fedcba9876543210.txt"
    text.write_bytes("Title\n\nZ\xfcrich".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as raised:
        read_seed_corpus(directory, manifest)
    assert str(raised.value).startswith(f"{text}, line 3:")
