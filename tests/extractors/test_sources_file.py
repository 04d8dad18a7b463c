"""Editing sources.toml: tables appended and removed with every comment and the layout kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.errors import ConfigError
from extractors.sources import Source, load_sources, parse_sources
from extractors.sources_file import append_sources, name_for, remove_source, unique_name, write_sources_file

COMMENTED = """\
# My outlets. Keep this note.
[settings]
allow_hosts = ["127.0.0.1"]  # the local test server

# The first one I followed.
[[source]]
name = "nakedcapitalism"   # short
feed = "https://www.nakedcapitalism.com/feed/"

[[source]]
name = "weapons"
# Substack serves its feed at /feed
feed = "https://weapons.substack.com/feed"
site = "https://weapons.substack.com/"
# (a note after weapons' keys)

# Russia Matters, Harvard's
[[source]]
name = "russiamatters"
feed = "https://www.russiamatters.org/rss.xml"
"""


def test_appended_tables_follow_the_file_byte_for_byte_and_load() -> None:
    new = Source("rs", "https://responsiblestatecraft.org/feed/", "https://responsiblestatecraft.org/")
    tagged = Source("tagged", "https://t.example/feed", tags=("Politics/US", 'A "quoted" tag'))
    text = append_sources(COMMENTED, [new, tagged], "sources.toml")
    assert text.startswith(COMMENTED + "\n[[source]]\n")
    assert parse_sources(text).sources[-2:] == (new, tagged)
    assert 'tags = ["Politics/US", "A \\"quoted\\" tag"]' in text


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", ""),
        ("# only a comment", "# only a comment\n\n"),
        ("# only a comment\n", "# only a comment\n\n"),
        ("# only a comment\n\n", "# only a comment\n\n"),
        ("# windows\r\n", "# windows\r\n\r\n"),
    ],
)
def test_one_blank_line_parts_the_file_from_what_is_appended(before: str, after: str) -> None:
    newline = "\r\n" if "\r\n" in before else "\n"
    table = newline.join(["[[source]]", 'name = "a"', 'feed = "https://a.example/feed"', ""])
    assert append_sources(before, [Source("a", "https://a.example/feed")]) == after + table


def test_append_refuses_a_taken_or_invalid_name() -> None:
    with pytest.raises(ConfigError, match="a source named 'weapons' already exists"):
        append_sources(COMMENTED, [Source("weapons", "https://other.example/feed")])
    with pytest.raises(ConfigError, match="'Bad Name' is not a valid source name"):
        append_sources(COMMENTED, [Source("Bad Name", "https://other.example/feed")])


def test_sources_written_as_an_inline_array_are_left_for_a_person_to_edit() -> None:
    with pytest.raises(ConfigError, match="edit the file by hand"):
        append_sources('source = [{name = "a", feed = "https://a.example/"}]\n', [Source("b", "https://b.example/")])


WEAPONS = (
    '[[source]]\nname = "weapons"\n# Substack serves its feed at /feed\n'
    'feed = "https://weapons.substack.com/feed"\nsite = "https://weapons.substack.com/"\n'
)


def test_removing_a_table_keeps_every_other_byte_and_the_comments_around_it() -> None:
    text = remove_source(COMMENTED, "weapons")
    assert text == COMMENTED.replace(WEAPONS, "")
    assert "/feed/\"\n\n# (a note after weapons' keys)\n\n# Russia Matters, Harvard's\n[[source]]" in text
    assert [s.name for s in parse_sources(text).sources] == ["nakedcapitalism", "russiamatters"]


def test_removing_the_first_and_the_last_table() -> None:
    first = remove_source(COMMENTED, "nakedcapitalism")
    assert first.startswith(
        '# My outlets. Keep this note.\n[settings]\nallow_hosts = ["127.0.0.1"]  # the local test server\n'
    )
    assert '# The first one I followed.\n\n[[source]]\nname = "weapons"' in first
    last = remove_source(COMMENTED, "russiamatters")
    assert last == COMMENTED[: COMMENTED.index('[[source]]\nname = "russiamatters"')]
    assert last.endswith("# Russia Matters, Harvard's\n")


def test_a_table_line_inside_a_multiline_string_is_left_for_a_person_to_edit() -> None:
    tricky = '[[source]]\nname = "a"\nfeed = "https://a.example/"\nx = """\n[[source]]\n"""\n'
    with pytest.raises(ConfigError):
        remove_source(tricky, "a")


def test_removing_an_unknown_name_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="no source named 'nope'; known: nakedcapitalism, russiamatters, weapons"):
        remove_source(COMMENTED, "nope")


def test_names_come_from_the_host_and_are_made_unique() -> None:
    assert name_for("https://www.NakedCapitalism.com/feed/", set()) == "nakedcapitalism.com"
    assert name_for("http://127.0.0.1:8080/", {"127.0.0.1", "127.0.0.1-2"}) == "127.0.0.1-3"
    assert name_for("https://xn--80ak6aa92e.com/", set()) == "xn--80ak6aa92e.com"
    assert unique_name("a" * 70, {"a" * 60}) == "a" * 60 + "-2"


def test_the_file_is_replaced_whole_keeping_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    path.chmod(0o640)
    write_sources_file(path, append_sources(COMMENTED, [Source("a", "https://a.example/feed")]))
    assert load_sources(path).sources[-1].name == "a"
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["sources.toml"]
