"""Article pages that are not what they should be, fetched from a real server with fetch_page: each ends
as an article or a recorded reason, the raw bytes kept whenever any came, and nothing silently dropped."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from extractors.fetch import Fetcher
from extractors.harvest import fetch_page
from tests.fixture_server import FixtureServer, Route
from tests.policies import fetch_policy

ARTICLE = (
    "<html><head><title>Talks in Riyadh</title></head><body><article><h1>Talks in Riyadh</h1>"
    + "".join(
        f"<p>Paragraph {n}: the delegations met again on Tuesday to discuss the ceasefire terms, "
        "the prisoner exchange and the reopening of embassies, according to both sides.</p>"
        for n in range(12)
    )
    + "</article></body></html>"
).encode()
NESTED = b"<html><body>" + b"<div>" * 300 + ARTICLE[ARTICLE.index(b"<article>") :] + b"</div>" * 300 + b"</body></html>"
EMPTY_TEXT = (
    b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav><script>var a=1;</script></body></html>"
)
MIXED = ARTICLE.replace(b"Paragraph 3:", "Абзац 3 (windows-1251):".encode("cp1251")).replace(
    b"Paragraph 5:", "Абзац 5 (UTF-8):".encode()
)


@pytest.fixture(scope="module")
def pages() -> Iterator[FixtureServer]:
    srv = FixtureServer(
        {
            "/nested": Route(body=NESTED),
            "/empty": Route(body=b""),
            "/no-text": Route(body=EMPTY_TEXT),
            # An HTML article served as a PDF / an image: if it were extracted, it would yield text.
            "/report.pdf": Route(body=ARTICLE, headers={"Content-Type": "application/pdf"}),
            "/photo": Route(body=ARTICLE, headers={"Content-Type": "image/png"}),
            "/huge": Route(body=ARTICLE + b"<!-- " + b"x" * (27 * 1024 * 1024) + b" -->"),
            "/mixed": Route(body=MIXED, headers={"Content-Type": "text/html; charset=utf-8"}),
        }
    )
    yield srv
    srv.close()


def page(server: FixtureServer, path: str):
    with Fetcher(fetch_policy()) as fetcher:
        return fetch_page(fetcher, server.url(path))


def test_html_nested_300_levels_deep_is_extracted(pages: FixtureServer) -> None:
    # libxml2's HTML parser stops descending at depth 255 unless told otherwise (huge_tree is on).
    result = page(pages, "/nested")
    assert result.raw == NESTED
    assert result.article is not None
    assert "prisoner exchange" in result.article.text


@pytest.mark.parametrize(("path", "words"), [("/empty", "empty document"), ("/no-text", "no article text")])
def test_a_page_without_text_is_a_recorded_failure_with_its_bytes_kept(
    pages: FixtureServer, path: str, words: str
) -> None:
    result = page(pages, path)
    assert result.article is None
    assert result.error is not None
    assert result.error.kind == "no_article"
    assert words in str(result.error)
    assert result.raw == pages.routes[path].body  # type: ignore[union-attr]


@pytest.mark.parametrize(("path", "media"), [("/report.pdf", "application/pdf"), ("/photo", "image/png")])
def test_not_html_is_refused_before_extraction(pages: FixtureServer, path: str, media: str) -> None:
    result = page(pages, path)
    assert result.article is None
    assert result.error is not None
    assert result.error.kind == "unsupported_content_type"
    assert media in str(result.error)
    assert result.raw is None  # not kept: it is not a page


def test_a_27_mb_page_stops_at_the_cap(pages: FixtureServer) -> None:
    result = page(pages, "/huge")
    assert result.article is None
    assert result.error is not None
    assert result.error.kind == "too_large"
    assert result.raw is None
    assert result.hops
    assert result.hops[-1].bytes <= 16 * 1024 * 1024


def test_mixed_encodings_keep_the_raw_bytes_exactly(pages: FixtureServer) -> None:
    result = page(pages, "/mixed")
    assert result.raw == MIXED  # whatever the decoder made of it, the bytes are there to re-extract
    assert result.article is not None
    assert "prisoner exchange" in result.article.text


def test_mixed_encodings_are_flagged(pages: FixtureServer) -> None:
    result = page(pages, "/mixed")
    assert result.encoding_note is not None
    assert "not valid UTF-8" in result.encoding_note
    assert page(pages, "/nested").encoding_note is None
