"""sources.toml validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.errors import ConfigError
from extractors.sources import load_sources, parse_sources

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_sources_file_is_valid() -> None:
    config = load_sources(REPO / "sources.toml")
    assert {s.name for s in config.sources} >= {
        "nakedcapitalism",
        "weapons",
        "responsiblestatecraft",
        "ianwelsh",
        "russiamatters",
        "realclearpolitics",
    }
    assert all(s.feed.startswith("https://") for s in config.sources)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[source]]\nname = "a"\nfeed = "https://x/"\n\n[[source]]\nname = "a"\nfeed = "https://y/"\n',
            "line 5: duplicate source name 'a' (first defined on line 1)",
        ),
        ('[settings]\nallow_hosts = []\n\n[[source]]\nname = "b"\n', "line 4: source 'b' has no feed"),
        (
            '[[source]]\nname = "c"\nfeed = "file:///etc/passwd"\n',
            "line 1: source 'c': feed 'file:///etc/passwd' is not",
        ),
        ('[[source]]\nname = "Bad Name"\nfeed = "https://x/"\n', "line 1: [[source]] needs a name"),
        ('[[source]\nname = "x"\n', "not valid TOML"),
        ('[settings]\nallow_hosts = "127.0.0.1"\n', "allow_hosts must be a list"),
    ],
)
def test_bad_config_is_refused_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "my.toml")
    assert str(info.value).startswith("my.toml")
    assert message in str(info.value)


def test_select_unknown_source_names_the_known_ones() -> None:
    config = parse_sources('[[source]]\nname = "a"\nfeed = "https://x/"\n')
    with pytest.raises(ConfigError, match="no source named 'zz'; known: a"):
        config.select(["zz"])


def test_a_sources_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_bytes(b'[[source]]\nname = "caf\xe9"\nfeed = "https://example.org/feed"\n')
    with pytest.raises(ConfigError, match=r"sources\.toml, line 2: byte 0xe9 \(column 12\) is not UTF-8"):
        load_sources(path)


def test_a_name_is_matched_whole_so_a_trailing_newline_is_refused() -> None:
    text = '[[source]]\nname = "a\\n"\nfeed = "https://e.example/feed"\n'
    with pytest.raises(ConfigError, match=r"line 1: \[\[source\]\] needs a name"):
        parse_sources(text)


# Written as TOML escapes: a raw control character is already refused by the TOML parser itself.
UNSAFE = [
    ("\\n", "U+000A"),  # a trailing newline, once stripped and accepted
    ("\\r\\n", "U+000D"),
    ("\\t", "U+0009"),
    ("\\u001b[31m", "U+001B"),
    ("\\u007f", "U+007F"),
    ("\\u0085", "U+0085"),  # C1 next line
    ("\\u009b", "U+009B"),  # C1 control sequence introducer
    ("\\u00a0", "U+00A0"),  # no-break space
    ("\\u2028", "U+2028"),  # line separator
    (" more", "U+0020"),
]


@pytest.mark.parametrize(("tail", "code"), UNSAFE)
@pytest.mark.parametrize("key", ["feed", "site"])
def test_a_url_with_a_control_or_space_character_is_refused_naming_the_line(key: str, tail: str, code: str) -> None:
    urls = {"feed": "https://e.example/feed", "site": "https://e.example/"}
    urls[key] += tail
    text = f'# outlets\n\n[[source]]\nname = "a"\nfeed = "{urls["feed"]}"\nsite = "{urls["site"]}"\n'
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "my.toml")
    assert str(info.value).startswith(f"my.toml, line 3: source 'a': {key} ")
    assert f"has a control or space character ({code} at position" in str(info.value)


@pytest.mark.parametrize(("tail", "code"), UNSAFE)
def test_an_allow_hosts_entry_with_a_control_or_space_character_is_refused_naming_the_line(
    tail: str, code: str
) -> None:
    text = f'# local test hosts\n[settings]\nallow_hosts = ["127.0.0.1", "localhost{tail}"]\n'
    with pytest.raises(ConfigError) as info:
        parse_sources(text, "my.toml")
    assert str(info.value).startswith("my.toml, line 3: [settings] allow_hosts entry 'localhost")
    assert f"has a control or space character ({code} at position 10)" in str(info.value)


def test_spaces_around_a_feed_url_are_padding() -> None:
    config = parse_sources('[[source]]\nname = "a"\nfeed = "  https://e.example/feed "\n')
    assert config.sources[0].feed == "https://e.example/feed"


def test_tags_are_a_list_of_folder_paths() -> None:
    text = '[[source]]\nname = "a"\nfeed = "https://a.example/feed"\ntags = ["Politics/US", " Reading "]\n'
    assert parse_sources(text).sources[0].tags == ("Politics/US", "Reading")
    assert parse_sources('[[source]]\nname = "b"\nfeed = "https://b.example/"\n').sources[0].tags == ()


@pytest.mark.parametrize("tags", ['"Politics"', '["ok", ""]', "[1]"])
def test_tags_that_are_not_a_list_of_strings_are_refused(tags: str) -> None:
    with pytest.raises(ConfigError, match="line 1: source 'a': tags must be a list of non-empty strings"):
        parse_sources(f'[[source]]\nname = "a"\nfeed = "https://a.example/feed"\ntags = {tags}\n')


def test_a_bad_regular_expression_is_refused_with_the_file_and_its_line() -> None:
    text = (
        '[settings]\nblock = ["podcast"]\n\n'
        '[[source]]\nname = "rcp"\nfeed = "https://x.test/feed"\n'
        'keep = [\n    "ukrain",\n    "talks (riyadh",\n]\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_sources(text, "my/sources.toml")
    message = str(caught.value)
    assert message.startswith("my/sources.toml, line 9: source 'rcp': keep rule 'talks (riyadh' is not a valid")
    assert "missing ), unterminated subpattern" in message
    with pytest.raises(ConfigError, match=r"sources.toml, line 3: \[settings\]: block rule '\[a-' is not"):
        parse_sources('[settings]\nallow_hosts = []\nblock = ["[a-"]\n')
    # Written with TOML's escapes, the rule is still found on its line.
    escaped = '[settings]\nallow_hosts = []\nblock = [\n  "x",\n  "\\\\d{2,1}",\n]\n'
    with pytest.raises(ConfigError, match=r"line 5: \[settings\]: block rule '\\\\d\{2,1\}' is not"):
        parse_sources(escaped)


def test_rules_and_per_source_settings_are_read() -> None:
    config = parse_sources(
        '[settings]\nkeep = ["ukrain"]\nblock = ["podcast"]\n\n'
        '[[source]]\nname = "rcp"\nfeed = "https://x.test/feed"\nkeep = ["putin"]\nblock = [\'\\bads?\\b\']\n'
        'user_agent = "Mozilla/5.0 (tealeaves)"\nheaders = { Cookie = "consent=yes", "X-Edition" = "us" }\n'
        "max_new = 20\nhost_delay = 5\n"
    )
    (source,) = config.sources
    assert (config.keep, config.block) == (("ukrain",), ("podcast",))
    assert (source.keep, source.block) == (("putin",), (r"\bads?\b",))
    assert source.user_agent == "Mozilla/5.0 (tealeaves)"
    assert source.headers == (("Cookie", "consent=yes"), ("X-Edition", "us"))
    assert (source.max_new, source.host_delay) == (20, 5.0)
    held = config.with_settings_rules(source)
    assert (held.settings_keep, held.settings_block) == (("ukrain",), ("podcast",))


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('keep = "ukrain"', "keep must be a list of regular expressions"),
        ("block = [1]", "block must be a list of regular expressions"),
        ('user_agent = ""', "user_agent must be one line of text"),
        ('user_agent = "a\\nb"', "user_agent must be one line of text"),
        ('headers = "Cookie: a=1"', "headers must be a table"),
        ('headers = { "Bad Name" = "x" }', "'Bad Name' is not a valid header name"),
        ('headers = { Host = "evil.test" }', "header 'Host' is set by tealeaves and cannot be replaced"),
        ('headers = { "user-agent" = "x" }', "cannot be replaced (use the user_agent key)"),
        ('headers = { Cookie = "a=1\\r\\nX-Injected: 1" }', "header 'Cookie' needs a value of text without control"),
        ("headers = { Cookie = 1 }", "header 'Cookie' needs a value of text"),
        ('headers = { Cookie = "a", cookie = "b" }', "header 'cookie' is given twice"),
        ("max_new = 0", "max_new must be a whole number from 1 to 10000 (got 0)"),
        ("max_new = 2.5", "max_new must be a whole number"),
        ("max_new = true", "max_new must be a whole number"),
        ("host_delay = -1", "host_delay must be a number of seconds from 0 to 3600 (got -1)"),
        ("host_delay = nan", "host_delay must be a number of seconds"),
        ('host_delay = "5"', "host_delay must be a number of seconds"),
    ],
)
def test_per_source_settings_are_checked(lines: str, message: str) -> None:
    text = f'[settings]\nallow_hosts = []\n\n[[source]]\nname = "s"\nfeed = "https://x.test/feed"\n{lines}\n'
    with pytest.raises(ConfigError) as caught:
        parse_sources(text, "sources.toml")
    assert str(caught.value).startswith("sources.toml, line 4: ")
    assert message in str(caught.value)
