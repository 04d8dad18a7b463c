"""Generated WordPress pages with big comment threads: flat (N replies to the post) or deep (each comment
a reply to the one before), the shapes of the pages that found extraction's cost and depth limits."""

from __future__ import annotations

_BODY = "<p>A paragraph of the article, long enough for the extractor to take it for the main text.</p>" * 20


def _page(thread: str) -> bytes:
    return (
        "<!DOCTYPE html><html><head><title>A post with many comments</title></head><body>"
        f'<article><h1>A post with many comments</h1><div class="entry-content">{_BODY}</div></article>'
        f'<div id="comments" class="comments-area"><ol class="comment-list">{thread}</ol></div>'
        "</body></html>"
    ).encode()


def _comment(i: int) -> str:
    return (
        f'<li id="comment-{i}" class="comment"><article class="comment-body"><footer class="comment-meta">'
        f'<div class="comment-author vcard"><b class="fn">Reader {i}</b></div>'
        f'<div class="comment-metadata"><a href="#comment-{i}">'
        f'<time datetime="2025-03-12T08:14:00+00:00">March 12, 2025</time></a></div></footer>'
        f'<div class="comment-content"><p>Comment number {i} has something to say.</p></div></article>'
    )


def flat_thread(n: int) -> bytes:
    """A WordPress post with ``n`` top-level comments."""
    return _page("".join(_comment(i) + "</li>" for i in range(n)))


def deep_thread(n: int) -> bytes:
    """A WordPress post whose ``n`` comments each reply to the one before."""
    return _page("".join(_comment(i) + '<ol class="children">' for i in range(n)) + "</ol></li>" * n)
