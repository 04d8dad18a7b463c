"""Text from outside (pages, feeds, servers, DuckDB, sources.toml, the gazetteer) carrying Rich markup is
printed verbatim by every command, on a console that emits colour: no crash, no hyperlink, no style we
did not choose."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from rich.errors import MarkupError
from rich.text import Text
from typer.testing import CliRunner

from flows.cli import app
from tests.conftest import SITE
from tests.fixture_server import FixtureServer, Route

CLOSE, BARE, BOLD = "[/x]", "[/]", "[bold]"
LINK = "[link=http://evil.example]https://bank.example/login[/link]"
TITLE = f"Jeddah {CLOSE} and {BOLD}After{BARE} {LINK}"
AUTHOR = f"Yves {BARE} Smith {BOLD}"  # the extractor keeps "Yves; ] Smith" of it
COMMENTER = f"The Rev {CLOSE} Kev"
COMMENT = f"A weathervane {LINK} says [/red] :smile: and {BOLD}nothing{BARE}."
PAGE_PATH = f"/2025/03/{BOLD}jeddah{CLOSE}/"
FEED_PATH = f"/hostile/feed?tag={BOLD}{CLOSE}"
GONE_PATH = "/gone[/red]/feed"
PLACE = f"Jeddah {LINK}"
PERSON = f"{BOLD}Lavrov{BARE}"

CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# What our own styles, Rich's table and progress defaults and the live progress display may emit.
OUR_STYLES = (
    "bold red",
    "red",
    "yellow",
    "bold",
    "bold yellow",
    "italic",
    "table.header",
    "table.title",
    "bar.back",
    "bar.complete",
    "bar.finished",
    "bar.pulse",
    "progress.download",
    "progress.elapsed",
)
LIVE_CONTROLS = {"\x1b[?25l", "\x1b[?25h", "\x1b[2K", "\x1b[1A", "\x1b[0m"}
# Prefect's console handler prints the flow's run log (highlighted, never parsed as markup): not our output.
PREFECT_LOG = re.compile(r"\d\d:\d\d:\d\d\.\d{3} \| .*?\n")
ENV = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "400", "NO_COLOR": None, "COLORTERM": None}

runner = CliRunner()


def _allowed_sequences() -> set[str]:
    sample = Console(force_terminal=True, color_system="256", width=80, file=io.StringIO())
    found = set(LIVE_CONTROLS)
    for style in OUR_STYLES:
        with sample.capture() as captured:
            sample.print(Text("x", style=style))
        found.update(CSI.findall(captured.get()))
    return found


ALLOWED = _allowed_sequences()


def _page() -> bytes:
    html = (SITE / "wp_jeddah.html").read_text(encoding="utf-8")
    html = html.replace("Jeddah and After: What the Ceasefire Proposal Leaves Out", TITLE)
    html = html.replace("Yves Smith", AUTHOR).replace("The Rev Kev", COMMENTER)
    html = html.replace("A thirty-day pause while the Ukrainians refit. Moscow will not bite.", COMMENT)
    return html.encode()


def _feed() -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Hostile {CLOSE} Notes</title>
  <link>{{BASE}}/</link>
  <description>Commentary</description>
  <item>
    <title>{TITLE}</title>
    <link>{{BASE}}{PAGE_PATH}</link>
    <guid isPermaLink="false">{{BASE}}/?p=101</guid>
    <dc:creator>{AUTHOR}</dc:creator>
    <pubDate>Wed, 12 Mar 2025 08:00:00 +0000</pubDate>
  </item>
</channel>
</rss>
""".encode()


@pytest.fixture
def hostile() -> Iterator[FixtureServer]:
    """An outlet whose feed, page, authors and comments carry markup, and a feed that moved to a path with
    markup in it (where nothing answers)."""
    server = FixtureServer(
        {
            FEED_PATH: Route(body=_feed(), headers={"Content-Type": "application/rss+xml; charset=utf-8"}),
            PAGE_PATH: Route(body=_page()),
            "/moved/feed": Route(status=301, headers={"Location": GONE_PATH}),
        }
    )
    yield server
    server.close()


def _gazetteer(path: Path) -> Path:
    path.write_text(
        f"""[[entity]]
name = "{PLACE}"
kind = "place"
aliases = ["Jeddah"]

[[entity]]
name = "{PERSON}"
kind = "person"
aliases = ["Lavrov"]
""",
        encoding="utf-8",
    )
    return path


def _sources(path: Path, server: FixtureServer) -> Path:
    path.write_text(
        f"""[settings]
allow_hosts = ["127.0.0.1"]

[[source]]
name = "hostile"
feed = "{server.url(FEED_PATH)}"
site = "{server.base}/{LINK}"

[[source]]
name = "moved"
feed = "{server.url("/moved/feed")}"
""",
        encoding="utf-8",
    )
    return path


def invoke(*args: str, code: int, shows: tuple[str, ...] = ()) -> str:
    """Run a command on a colour terminal; check its exit code, that ``shows`` appear verbatim and that
    every escape sequence is one of ours. Returns stdout and stderr as printed."""
    result = runner.invoke(app, list(args), env=ENV)
    assert not isinstance(result.exception, MarkupError), result.exception
    assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
    output = result.stdout + result.stderr
    assert "\x1b]" not in output, f"{args}: an OSC sequence (hyperlink) in {output!r}"
    assert "\x1b[?" not in result.stdout, f"{args}: cursor controls on stdout, which scripts read"
    strange = sorted(set(CSI.findall(PREFECT_LOG.sub("", output))) - ALLOWED)
    assert not strange, f"{args}: escape sequences we did not style: {strange} in {output!r}"
    text = CSI.sub("", output)
    assert "\x1b" not in text, f"{args}: a bare ESC in {output!r}"
    for expected in shows:
        assert expected in text, f"{args}: {expected!r} not shown verbatim in {text!r}"
    return output


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_every_command_prints_hostile_text_verbatim(
    tmp_path: Path, hostile: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEALEAVES_GAZETTEER", str(_gazetteer(tmp_path / "gazetteer.toml")))
    sources = _sources(tmp_path / "sources.toml", hostile)
    db = str(tmp_path / "w.duckdb")

    out = invoke("ingest", "--sources", str(sources), "--db", db, code=0, shows=("✗ moved", GONE_PATH))
    assert "\x1b[1m1\x1b[0m new documents" in out  # the console does emit colour: the checks above can fail
    invoke("status", "--db", db, code=0, shows=(GONE_PATH,))
    invoke("sources", "list", "--sources", str(sources), code=0, shows=(FEED_PATH, LINK))
    invoke("query", "SELECT title FROM documents WHERE source = 'hostile'", "--db", db, code=0, shows=(TITLE,))
    invoke("query", "SELECT author, body FROM comments", "--db", db, code=0, shows=(COMMENTER, COMMENT))
    invoke("query", 'SELECT "[/x]" AS "[bold]"', "--db", db, code=2, shows=('"[/x]"',))
    header = "[link=http://evil.example]x[/link]"
    invoke("query", f'SELECT 1 AS "{header}"', "--db", db, code=0, shows=(header,))
    # A stored value with a raw ESC shows as text, never as a terminal sequence.
    invoke(
        "query",
        "SELECT chr(27) || ']8;;http://evil.example' || chr(7) || 'x'",
        "--db",
        db,
        code=0,
        shows=("\\x1b]8;;",),
    )

    invoke("search", "weathervane", "--comments", "--db", db, code=0, shows=(COMMENTER, TITLE, "[/red] :smile:"))
    invoke("search", "Jeddah", "--db", db, code=0, shows=(TITLE,))
    invoke("search", f"zzqq {CLOSE}", "--db", db, code=0, shows=(CLOSE,))
    chart = tmp_path / f"{BOLD}chart{CLOSE}.html"
    invoke("trends", "--db", db, "--chart", str(chart), code=0, shows=(PLACE, PERSON, str(chart)))
    invoke("trends", PERSON, "--no-chart", "--db", db, code=0, shows=(PERSON,))
    invoke("trends", CLOSE, "--db", db, code=2, shows=(CLOSE,))
    invoke("new", "--db", db, code=0, shows=(TITLE, PERSON))
    invoke("analyze", "--full", "--db", db, code=0)

    broken = tmp_path / f"{BOLD}gazetteer{CLOSE}.toml"  # a folder "[bold]gazetteer[" holding "x].toml"
    broken.parent.mkdir()
    broken.write_text(f'[[entity]]\nname = "{LINK}"\nkind = "nobody"\naliases = ["x"]\n', encoding="utf-8")
    monkeypatch.setenv("TEALEAVES_GAZETTEER", str(broken))
    invoke("analyze", "--db", db, code=2, shows=(str(broken), LINK))

    bad = tmp_path / "bad.toml"
    bad.write_text(f'[[source]]\nname = "{CLOSE}"\nfeed = "http://127.0.0.1/{LINK}"\n', encoding="utf-8")
    invoke("sources", "list", "--sources", str(bad), code=2, shows=("[[source]] needs a name", f"'{CLOSE}'"))
    invoke("ingest", "--sources", str(bad), "--db", db, code=2, shows=(f"'{CLOSE}'",))
