"""Canonical URLs and fetchable links."""

from __future__ import annotations

import pytest

from extractors.urls import canonical_url, is_fetchable, resolve


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Www.Example.com:443/a/?utm_source=rss&utm_medium=rss&p=5#comments", "https://www.example.com/a/?p=5"),
        ("http://example.com:80/x?fbclid=abc", "http://example.com/x"),
        ("https://example.com", "https://example.com/"),
        ("http://127.0.0.1:8000/p/1?utm_campaign=x", "http://127.0.0.1:8000/p/1"),
    ],
)
def test_canonical_url(raw: str, canonical: str) -> None:
    assert canonical_url(raw) == canonical


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "mailto:a@b"])
def test_only_http_links_are_fetchable(link: str) -> None:
    assert not is_fetchable(link) and resolve("https://example.com/feed/", link) is None


def test_relative_links_resolve_against_the_final_feed_url() -> None:
    assert (
        resolve("https://example.com/blog/feed/atom.xml", "posts/1.html")
        == "https://example.com/blog/feed/posts/1.html"
    )
    assert resolve("https://example.com/blog/feed/", "/p/2") == "https://example.com/p/2"
