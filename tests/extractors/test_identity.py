"""Identity: entry keys, canonical URLs, doc ids and content hashes, each decided in one place."""

from __future__ import annotations

import pytest

from extractors.identity import canonical_url, content_hash, doc_id_for, entry_key


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


def test_entry_key_prefers_the_guid_then_the_link_then_a_stable_digest() -> None:
    assert entry_key("urn:1", "https://e.example/a", {}) == "guid:urn:1"
    assert entry_key(None, "https://e.example/a", {}) == "link:https://e.example/a"
    digest = entry_key(None, None, {"title": "T", "summary": "S"})
    assert digest.startswith("hash:")
    assert digest == entry_key(None, None, {"summary": "S", "title": "T"})
    assert digest != entry_key(None, None, {"title": "T", "summary": "other"})


def test_doc_id_is_sixteen_hex_digits_of_the_canonical_url() -> None:
    one = doc_id_for("https://e.example/a")
    assert len(one) == 16
    assert int(one, 16) >= 0
    assert one != doc_id_for("https://e.example/b")


def test_content_hash_ignores_whitespace_and_a_repeated_headline() -> None:
    plain = content_hash("One  two.\n\nThree.", "Title")
    assert content_hash("Title\nOne two. Three.", "Title") == plain
    assert content_hash("One two. Three.", None) == plain
    assert content_hash("Titled piece. One two. Three.", "Title") != plain
