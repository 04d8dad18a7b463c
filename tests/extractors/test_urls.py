"""Which links may be followed, and how relative links resolve."""

from __future__ import annotations

import pytest

from extractors.urls import is_fetchable, resolve


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "mailto:a@b"])
def test_only_http_links_are_fetchable(link: str) -> None:
    assert not is_fetchable(link)
    assert resolve("https://example.com/feed/", link) is None


def test_relative_links_resolve_against_the_final_feed_url() -> None:
    assert (
        resolve("https://example.com/blog/feed/atom.xml", "posts/1.html")
        == "https://example.com/blog/feed/posts/1.html"
    )
    assert resolve("https://example.com/blog/feed/", "/p/2") == "https://example.com/p/2"
