"""A fixture outlet with a past: robots.txt → a sitemap index → a sitemap and a Google News sitemap, and a
WordPress-like feed whose older pages answer ``?paged=N``; every article page is distinct and extractable."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from tests.fixture_server import FixtureServer, Route

# path -> (title, date as the sitemap gives it, or None: undated)
SITEMAP_PAGES = {
    "/2025/01/before-the-talks/": ("Before the Talks: Positions Harden", "2025-01-20"),
    "/2025/03/after-jeddah/": ("After Jeddah: A Ceasefire on Paper", "2025-03-14T10:00:00+00:00"),
    "/about/": ("About This Outlet and Its Writers", None),
}
NEWS_PAGES = {
    "/2025/01/a-cold-january/": ("A Cold January in Kyiv and Moscow", "2025-01-05T08:00:00Z"),
    "/2025/02/riyadh-opens/": ("Riyadh Opens a Channel", "2025-02-18T09:30:00+00:00"),
}
SINCE = "2025-02-01"
SINCE_PATHS = {"/2025/03/after-jeddah/", "/2025/02/riyadh-opens/"}  # dated on or after SINCE

FEED_PAGES = {  # page number -> [(path, title, RFC 822 date)]
    1: [
        ("/2025/03/feed-newest/", "Newest Piece on the Negotiations", "Wed, 12 Mar 2025 08:00:00 +0000"),
        ("/2025/03/feed-second/", "Second Piece on Sanctions Relief", "Mon, 10 Mar 2025 08:00:00 +0000"),
    ],
    2: [
        ("/2025/02/feed-third/", "Third Piece on Prisoner Exchanges", "Thu, 20 Feb 2025 08:00:00 +0000"),
        ("/2025/01/feed-fourth/", "Fourth Piece on Energy Infrastructure", "Fri, 10 Jan 2025 08:00:00 +0000"),
    ],
}

WORDS = [
    "negotiators",
    "delegation",
    "ceasefire",
    "sanctions",
    "corridor",
    "monitoring",
    "guarantees",
    "reconstruction",
    "envoy",
    "summit",
    "prisoners",
    "grain",
    "shipping",
    "artillery",
    "drones",
    "frontline",
    "referendum",
    "neutrality",
    "security",
    "memorandum",
]


def article(title: str, seed: int) -> bytes:
    """An article page whose body no other page shares (the warehouse stores an exact copy once)."""
    paragraphs = []
    for p in range(6):
        words = [WORDS[(seed * 7 + p * 3 + i * i) % len(WORDS)] for i in range(45)]
        paragraphs.append(f"<p>{title} ({seed}.{p}): " + " ".join(words) + ".</p>")
    body = "\n".join(paragraphs)
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body><header><nav>Home</nav></header><main><article><h1>{title}</h1>"
        f"<p class='byline'>By Staff Writer</p>{body}</article></main><footer>(c) outlet</footer></body></html>"
    ).encode()


def _urlset(pages: dict[str, tuple[str, str | None]]) -> bytes:
    rows = []
    for path, (_title, when) in pages.items():
        lastmod = f"<lastmod>{when}</lastmod>" if when else ""
        rows.append(f"<url><loc>{{BASE}}{path}</loc>{lastmod}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + "".join(rows) + "</urlset>"
    ).encode()


def _news(pages: Mapping[str, tuple[str, str | None]]) -> bytes:
    rows = [
        f"<url><loc>{{BASE}}{path}</loc><news:news><news:publication><news:name>Outlet</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{when}"
        f"</news:publication_date><news:title>{title}</news:title></news:news></url>"
        for path, (title, when) in pages.items()
    ]
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + "".join(rows) + "</urlset>"
    ).encode()


INDEX = (
    b'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<sitemap><loc>{BASE}/sitemap-posts.xml</loc><lastmod>2025-03-14</lastmod></sitemap>"
    b"<sitemap><loc>{BASE}/news-sitemap.xml</loc></sitemap></sitemapindex>"
)
XML = {"Content-Type": "application/xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=UTF-8"}


def feed(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS page of ``items`` (path, title, date)."""
    rows = "".join(
        f"<item><title>{title}</title><link>{{BASE}}{path}</link><guid isPermaLink='false'>{{BASE}}{path}?p</guid>"
        f"<pubDate>{when}</pubDate></item>"
        for path, title, when in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Outlet</title>'
        f"<link>{{BASE}}/</link>{rows}</channel></rss>"
    ).encode()


def sitemap_site() -> FixtureServer:
    """The outlet with sitemaps (robots.txt points at the index); its feed lists the newest piece only."""
    routes: dict[str, Route] = {
        "/robots.txt": Route(
            b"User-agent: *\nDisallow: /private/\n\nSitemap: {BASE}/sitemap_index.xml\n",
            headers={"Content-Type": "text/plain"},
        ),
        "/sitemap_index.xml": Route(INDEX, headers=XML),
        "/sitemap-posts.xml": Route(_urlset(SITEMAP_PAGES), headers=XML),
        "/news-sitemap.xml": Route(_news(NEWS_PAGES), headers=XML),
        "/feed/": Route(
            feed([("/2025/03/after-jeddah/", "After Jeddah", "Fri, 14 Mar 2025 10:00:00 +0000")]),
            headers=RSS,
            conditional=True,
        ),
    }
    for seed, (path, (title, _)) in enumerate([*SITEMAP_PAGES.items(), *NEWS_PAGES.items()]):
        routes[path] = Route(article(title, seed))
    return FixtureServer(dict(routes))


def paged_site() -> FixtureServer:
    """A WordPress-like outlet without sitemaps: its feed has a page 2, and page 3 is a 404."""
    routes: dict[str, Route] = {
        "/robots.txt": Route(b"User-agent: *\nDisallow:\n", headers={"Content-Type": "text/plain"}),
        "/feed/": Route(feed(FEED_PAGES[1]), headers=RSS),
        "/feed/?paged=2": Route(feed(FEED_PAGES[2]), headers=RSS),
    }
    for seed, (path, title, _) in enumerate(item for page in FEED_PAGES.values() for item in page):
        routes[path] = Route(article(title, seed + 10))
    return FixtureServer(dict(routes))


def write_one_source(path: Path, server: FixtureServer, name: str = "outlet") -> Path:
    """A sources.toml with the one outlet whose feed is ``/feed/``."""
    path.write_text(
        f'[settings]\nallow_hosts = ["127.0.0.1"]\n\n[[source]]\nname = "{name}"\nfeed = "{server.url("/feed/")}"\n',
        encoding="utf-8",
    )
    return path
