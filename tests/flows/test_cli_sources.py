"""`tealeaves sources add / remove / import / export` against a real local server and real files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from extractors.sources import Source, load_sources
from flows.cli import app
from flows.settings import Settings
from tests.fixture_server import FixtureServer, Route

runner = CliRunner()
INOREADER = Path(__file__).resolve().parents[1] / "fixtures" / "opml" / "inoreader_2025-03.opml"
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}

COMMENTED = """\
# The outlets I follow. Keep this note.
[settings]
allow_hosts = ["127.0.0.1"]  # the local test server

# Where it started.
[[source]]
name = "nakedcapitalism"   # short
feed = "https://www.nakedcapitalism.com/feed/"

[[source]]
name = "weapons"
# Substack serves its feed at /feed
feed = "https://weapons.substack.com/feed"
# (a note after weapons)
"""
COMMENT_LINES = [line for line in COMMENTED.splitlines() if "#" in line]


def rss(title: str) -> bytes:
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><item><title>Riyadh</title>'
        "<link>{BASE}/2025/02/riyadh/</link></item></channel></rss>"
    ).encode()


@pytest.fixture
def outlet() -> Iterator[FixtureServer]:
    """A WordPress-like site whose page links its comments feed first, then its feed."""
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" title="Outlet &raquo; Comments Feed" '
        b'href="/comments/feed/"><link rel="alternate" type="application/rss+xml" title="Outlet &raquo; Feed" '
        b'href="/feed/"></head><body>Outlet</body></html>'
    )
    server = FixtureServer(
        {
            "/": Route(body=page),
            "/feed/": Route(body=rss("Outlet"), headers=RSS),
            "/comments/feed/": Route(body=rss("Comments for Outlet"), headers=RSS),
        }
    )
    yield server
    server.close()


@pytest.fixture
def plain_site() -> Iterator[FixtureServer]:
    """A site whose page links no feed; its feed is at /rss."""
    server = FixtureServer(
        {"/": Route(body=b"<html><body>Plain</body></html>"), "/rss": Route(body=rss("Plain"), headers=RSS)}
    )
    yield server
    server.close()


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def sources_cli(*args: str) -> Result:
    return runner.invoke(app, ["sources", *args], env={"COLUMNS": "200"})


def assert_our_user_agent(*servers: FixtureServer) -> None:
    seen = [s for server in servers for s in server.seen]
    assert seen, "no request was made"
    assert {s.headers.get("user-agent") for s in seen} == {Settings().user_agent}


def test_add_a_site_takes_its_main_feed_and_shows_the_comments_feed(sources: Path, outlet: FixtureServer) -> None:
    result = runner.invoke(app, ["sources", "add", outlet.url("/"), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert f"added 127.0.0.1: {outlet.url('/feed/')} (linked from {outlet.url('/')}) → {sources}" in result.stdout
    assert f"also offered: {outlet.url('/comments/feed/')} (Outlet » Comments Feed)" in result.stdout
    text = sources.read_text(encoding="utf-8")
    assert text.startswith(COMMENTED + "\n[[source]]\n")  # every comment and the layout kept
    assert load_sources(sources).sources[-1] == Source("127.0.0.1", outlet.url("/feed/"), outlet.url("/"))
    assert [s.path for s in outlet.seen] == ["/robots.txt", "/", "/feed/"]
    assert_our_user_agent(outlet)


def test_add_a_site_that_links_no_feed_finds_it_at_a_usual_path(sources: Path, plain_site: FixtureServer) -> None:
    result = runner.invoke(app, ["sources", "add", plain_site.url("/"), "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "added": {"name": "127.0.0.1", "feed": plain_site.url("/rss"), "site": plain_site.url("/")},
        "title": "Plain",
        "found": "path",
        "others": [],
        "sources": str(sources),
    }
    assert [s.path for s in plain_site.seen] == ["/robots.txt", "/", "/feed/", "/rss"]
    assert_our_user_agent(plain_site)


def test_add_a_feed_with_a_name_of_its_own(sources: Path, outlet: FixtureServer, plain_site: FixtureServer) -> None:
    result = runner.invoke(app, ["sources", "add", plain_site.url("/"), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["sources", "add", outlet.url("/feed/"), "--name", "outlet", "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert "(the URL is a feed)" in result.stdout
    assert [s.path for s in outlet.seen] == ["/robots.txt", "/feed/"]
    added = load_sources(sources).sources[-2:]
    assert [(s.name, s.feed, s.site) for s in added] == [
        ("127.0.0.1", plain_site.url("/rss"), plain_site.url("/")),
        ("outlet", outlet.url("/feed/"), outlet.url("/")),
    ]
    assert_our_user_agent(outlet, plain_site)


def test_a_feed_already_followed_is_refused(sources: Path, outlet: FixtureServer) -> None:
    assert runner.invoke(app, ["sources", "add", outlet.url("/"), "--sources", str(sources)]).exit_code == 0
    after_first = sources.read_text(encoding="utf-8")
    requests = len(outlet.seen)
    # The feed's own URL (with a tracking parameter) is known without asking the server.
    again = runner.invoke(app, ["sources", "add", outlet.url("/feed/?utm_source=x"), "--sources", str(sources)])
    assert again.exit_code == 2
    assert f"{outlet.url('/feed/?utm_source=x')} is already followed as '127.0.0.1'" in again.stderr
    assert len(outlet.seen) == requests
    # The site again: its feed is found, then refused.
    site = runner.invoke(app, ["sources", "add", outlet.url("/"), "--sources", str(sources), "--name", "other"])
    assert site.exit_code == 2
    assert "is already followed as '127.0.0.1'" in site.stderr
    assert sources.read_text(encoding="utf-8") == after_first


def test_a_name_taken_or_invalid_is_refused_before_any_request(sources: Path, outlet: FixtureServer) -> None:
    for name, message in (("weapons", "--name 'weapons' is taken"), ("Bad Name", "--name 'Bad Name': use lower-case")):
        result = runner.invoke(app, ["sources", "add", outlet.url("/"), "--name", name, "--sources", str(sources)])
        assert result.exit_code == 2
        assert message in result.stderr
    assert outlet.seen == []
    assert sources.read_text(encoding="utf-8") == COMMENTED


def test_a_site_without_any_feed_exits_1_and_changes_nothing(sources: Path) -> None:
    server = FixtureServer({"/": Route(body=b"<html><body>nothing to follow</body></html>")})
    try:
        result = runner.invoke(app, ["sources", "add", server.url("/"), "--sources", str(sources)])
    finally:
        server.close()
    assert result.exit_code == 1
    assert "no feed found" in result.stderr
    assert "nothing was added" in result.stderr
    assert sources.read_text(encoding="utf-8") == COMMENTED


def test_import_another_readers_opml_with_folders_and_a_duplicate(sources: Path) -> None:
    # A source named as the host of one of the file's feeds: that feed gets the next free name.
    sources.write_text(COMMENTED + '\n[[source]]\nname = "ianwelsh.net"\nfeed = "https://mirror.example/iw"\n', "utf-8")
    before = sources.read_text(encoding="utf-8")
    result = runner.invoke(app, ["sources", "import", str(INOREADER), "--sources", str(sources), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] == [
        {
            "name": "responsiblestatecraft.org",
            "feed": "https://responsiblestatecraft.org/feed/",
            "tags": ["Politics/Russia & Ukraine", "Reading"],
        },
        {
            "name": "russiamatters.org",
            "feed": "https://www.russiamatters.org/rss.xml",
            "tags": ["Politics/Russia & Ukraine"],
        },
        {"name": "ianwelsh.net-2", "feed": "https://www.ianwelsh.net/feed/", "tags": []},
    ]
    assert [(s["feed"], s["reason"]) for s in report["skipped"]] == [
        ("https://www.nakedcapitalism.com/feed/?utm_source=inoreader", "already followed as 'nakedcapitalism'"),
        ("https://weapons.substack.com/feed", "already followed as 'weapons'"),
        ("https://www.russiamatters.org/rss.xml?utm_medium=app", "listed twice in the file"),
    ]
    assert sources.read_text(encoding="utf-8").startswith(before)
    assert len(load_sources(sources).sources) == 6


def test_import_prints_what_was_added_and_skipped(sources: Path) -> None:
    result = sources_cli("import", str(INOREADER), "--sources", str(sources))
    assert result.exit_code == 0, result.output
    assert "responsiblestatecraft.org" in result.stdout
    assert "already followed as 'weapons'" in result.stdout
    assert "3 added, 3 skipped" in result.stdout


def test_an_opml_file_with_entity_tricks_is_refused(tmp_path: Path, sources: Path) -> None:
    evil = tmp_path / "evil.opml"
    evil.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<opml version="2.0"><body><outline text="&x;" xmlUrl="https://x.example/feed"/></body></opml>'
    )
    result = runner.invoke(app, ["sources", "import", str(evil), "--sources", str(sources)])
    assert result.exit_code == 2
    assert "external entities are never loaded" in result.stderr
    assert sources.read_text(encoding="utf-8") == COMMENTED


def test_export_then_import_gives_back_the_same_sources(tmp_path: Path, sources: Path) -> None:
    sources.write_text(
        COMMENTED.replace("# (a note after weapons)\n", 'tags = ["Arms/Substack", "Reading"]\n'), "utf-8"
    )
    opml = tmp_path / "out.opml"
    result = runner.invoke(app, ["sources", "export", "-o", str(opml), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert f"2 sources written to {opml}" in result.stdout
    stdout = runner.invoke(app, ["sources", "export", "--sources", str(sources)])
    assert stdout.exit_code == 0
    assert stdout.stdout.split("<dateCreated>")[0] == opml.read_text(encoding="utf-8").split("<dateCreated>")[0]
    fresh = tmp_path / "fresh.toml"
    result = runner.invoke(app, ["sources", "import", str(opml), "--sources", str(fresh)])
    assert result.exit_code == 0, result.output
    assert [(s.name, s.feed, s.tags) for s in load_sources(fresh).sources] == [
        (s.name, s.feed, s.tags) for s in load_sources(sources).sources
    ]


def test_remove_keeps_the_rest_of_the_file_and_refuses_an_unknown_name(sources: Path) -> None:
    result = runner.invoke(app, ["sources", "remove", "nope", "--sources", str(sources)])
    assert result.exit_code == 2
    assert "no source named 'nope'; known: nakedcapitalism, weapons" in result.stderr
    result = runner.invoke(app, ["sources", "remove", "nakedcapitalism", "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert "removed nakedcapitalism (https://www.nakedcapitalism.com/feed/)" in result.stdout
    assert "its documents stay in the warehouse" in result.stdout
    # Its comment line above stays (it may be about more than this table), and so the blank line after it.
    assert sources.read_text(encoding="utf-8") == COMMENTED.replace(
        '[[source]]\nname = "nakedcapitalism"   # short\nfeed = "https://www.nakedcapitalism.com/feed/"\n', ""
    )


def test_comments_survive_add_import_and_remove(sources: Path, outlet: FixtureServer) -> None:
    assert sources_cli("add", outlet.url("/"), "--sources", str(sources)).exit_code == 0
    assert sources_cli("import", str(INOREADER), "--sources", str(sources)).exit_code == 0
    assert sources_cli("remove", "weapons", "--sources", str(sources)).exit_code == 0
    assert sources_cli("remove", "127.0.0.1", "--sources", str(sources)).exit_code == 0
    text = sources.read_text(encoding="utf-8")
    assert [line for line in COMMENT_LINES if line not in text] == ["# Substack serves its feed at /feed"]  # weapons'
    assert [s.name for s in load_sources(sources).sources] == [
        "nakedcapitalism",
        "responsiblestatecraft.org",
        "russiamatters.org",
        "ianwelsh.net",
    ]


def test_export_and_resume_speak_json_too(sources: Path, tmp_path: Path) -> None:
    exported = sources_cli("export", "--json", "--sources", str(sources))
    assert exported.exit_code == 0, exported.output
    listed = json.loads(exported.stdout)
    assert [s["name"] for s in listed] == [s.name for s in load_sources(sources).sources]
    assert all(set(s) == {"name", "feed", "site", "tags"} for s in listed)
    name = listed[0]["name"]
    resumed = sources_cli("resume", name, "--json", "--sources", str(sources), "--db", str(tmp_path / "w.duckdb"))
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.stdout) == {"source": name, "resumed": True}
