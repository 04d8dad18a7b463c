"""Shared fixtures: an offline Prefect, a real fixture web on 127.0.0.1, a fresh warehouse path."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Prefect reads these at import: keep its home private to the test run and telemetry off (offline machine).
_PREFECT_HOME = tempfile.mkdtemp(prefix="tealeaves-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
# Feed polls in tests retry once, without waiting.
os.environ["TEALEAVES_TASK_RETRIES"] = "1"
os.environ["TEALEAVES_RETRY_DELAY"] = "0"
os.environ["TEALEAVES_LOCK_WAIT"] = "5"
# Every fixture host is 127.0.0.1: the per-host delay is tested on its own (tests/extractors/test_politeness.py).
os.environ["TEALEAVES_HOST_DELAY"] = "0"

import pytest  # noqa: E402

from tests.fixture_server import FixtureServer, Route  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "site"
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for the whole test session (costs a few seconds once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def _site_routes() -> dict[str, Route]:
    def page(name: str, **headers: str) -> Route:
        return Route(body=(SITE / name).read_bytes(), headers=headers)

    def feed(name: str, content_type: str) -> Route:
        return Route(body=(SITE / name).read_bytes(), headers={"Content-Type": content_type}, conditional=True)

    return {
        "/capital/feed/": feed("wp_feed.xml", "application/rss+xml; charset=UTF-8"),
        "/2025/03/jeddah-and-after/?utm_source=rss&utm_medium=rss&utm_campaign=jeddah": page("wp_jeddah.html"),
        "/2025/02/riyadh-round/?utm_source=rss": page("wp_riyadh.html"),
        "/weapons/feed": feed("substack_feed.xml", "application/rss+xml; charset=utf-8"),
        "/p/face-to-face-trump-putin-meeting?utm_source=substack&utm_medium=email": page("substack_post.html"),
        "/vesti/atom/feed.xml": feed("atom_feed.xml", "application/atom+xml"),
        # The charset is only in the HTTP header: the page itself does not declare it.
        "/vesti/atom/posts/riyadh.html": page(
            "ru_riyadh.cp1251.html", **{"Content-Type": "text/html; charset=windows-1251"}
        ),
        "/vesti/atom/posts/riyadh-round-mirror.html": page("mirror_riyadh.html"),
        "/broken/feed": Route(body=b"<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>"),
        "/secret/admin": Route(body=b"internal"),
    }


@pytest.fixture
def site() -> Iterator[FixtureServer]:
    """The fixture web: a WordPress-like outlet, a Substack-like one, an Atom feed with relative links
    (windows-1251 page, cross-post), a broken feed and a link to a refused address."""
    server = FixtureServer(_site_routes())
    for route in list(server.routes.values()):
        if isinstance(route, Route):
            route.body = route.body.replace(b"{PORT}", str(server.port).encode())
    yield server
    server.close()


def write_sources(path: Path, site: FixtureServer, *, dead_port: int = 1) -> Path:
    """A sources.toml pointing at the fixture web, plus a broken feed and a dead host."""
    path.write_text(
        f"""[settings]
allow_hosts = ["127.0.0.1"]

[[source]]
name = "capital"
feed = "{site.url("/capital/feed/")}"

[[source]]
name = "weapons"
feed = "{site.url("/weapons/feed")}"

[[source]]
name = "vesti"
feed = "{site.url("/vesti/atom/feed.xml")}"

[[source]]
name = "broken"
feed = "{site.url("/broken/feed")}"

[[source]]
name = "dead"
feed = "http://127.0.0.1:{dead_port}/feed"
""",
        encoding="utf-8",
    )
    return path
