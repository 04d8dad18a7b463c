"""The gazetteer file: validated entry by entry, every problem a ConfigError naming the file and the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.errors import ConfigError
from extractors.gazetteer import load_gazetteer, parse_gazetteer


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[entity]]\nname = "A"\nkind = "person"\naliases = ["a*"]\n', "at least 3 letters"),
        ('[[entity]]\nname = "A"\nkind = "planet"\naliases = ["Aa"]\n', "kind must be one of"),
        ('[[entity]]\nname = "A"\nkind = "place"\naliases = ["Aa"]\ncolour = "red"\n', "unknown keys"),
        (
            '[[entity]]\nname = "A"\nkind = "place"\naliases = ["Aa"]\n[[entity]]\nname = "B"\nkind = "place"\n'
            'aliases = ["AA"]\n',
            "already belongs to A",
        ),
        ('[[entity]]\nname = "A"\nkind = "place"\naliases = ["A*a"]\n', "may only end a word"),
        ("[[entity]]\nname = ", "not valid TOML"),
    ],
)
def test_a_malformed_gazetteer_is_refused_naming_the_entry(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_gazetteer(text, "g.toml")


def test_a_gazetteer_that_is_not_utf8_names_the_file_and_the_line(tmp_path: Path) -> None:
    path = tmp_path / "gazetteer.toml"
    path.write_bytes('[[entity]]\nname = "Lavrov"\nkind = "person"\naliases = ["Лавров"]\n'.encode("cp1251"))
    with pytest.raises(ConfigError, match=r"gazetteer\.toml, line 4: byte 0xcb \(column 13\) is not UTF-8"):
        load_gazetteer(path)


def test_a_missing_gazetteer_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the gazetteer"):
        load_gazetteer(tmp_path / "absent.toml")
