"""Errors raised by extractors/: under one root, transient failures, permanent ones, and configuration
a person must fix before anything runs.

    ExtractorError
    ├── ConfigError               sources.toml, the gazetteer or the seed corpus cannot be used (names the
    │                             file and line)
    ├── TransientError            worth retrying later: the next poll may succeed
    │   ├── FetchTimeout          connect/read timeout or the overall deadline passed
    │   │   └── SourceOutOfTime   a source's polls and retries used up its time budget for the run
    │   ├── ConnectionFailed      refused, reset, DNS failure, truncated body
    │   └── ServerBusy            429 or 5xx (carries Retry-After when the server sent one)
    └── PermanentError            retrying will not help until someone changes something
        ├── BlockedURL            scheme not http(s), or the address is private/loopback/reserved
        ├── BadCertificate        the server's TLS certificate failed verification (never retried unverified)
        ├── RobotsDisallowed      the site's robots.txt does not allow tealeaves to fetch the page
        ├── TooManyRedirects      more than the allowed redirect hops, or a loop
        ├── TooLarge              declared or decoded body above the size cap
        ├── HTTPStatusError       4xx other than 429
        ├── UnsupportedContent    the response is not HTML where a page was expected (PDF, image …)
        ├── NotAFeed              the bytes at a feed URL are not RSS/Atom (HTML, JSON, empty …)
        ├── HostileFeed           the feed declares entities that would expand without bound
        ├── NoArticle             a page had no extractable article text
        ├── ExtractorCrashed      the process reading a page died on it (the raw page is kept)
        ├── ExtractionTimeout     reading a page outlived its time budget (the raw page is kept)
        └── ThreadCut             a parser limit cut the page's comment thread (the document still lands)

Every error has a ``kind`` (a short snake_case word stored in ``failures.kind``) and a message that
says what failed and what a person can do about it.
"""

from __future__ import annotations

from typing import Any


class ExtractorError(Exception):
    """Base of every error raised by extractors/."""

    kind = "error"
    transient = False

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        # Every HTTP request made before the failure (filled in by the fetcher), so none goes unrecorded.
        self.hops: tuple[Any, ...] = ()  # extractors.fetch.Hop records


class TransientError(ExtractorError):
    """A failure that may go away by itself; the caller may retry."""

    transient = True


class FetchTimeout(TransientError):
    """Raised when a connect/read timeout or the overall per-request deadline passes."""

    kind = "timeout"


class SourceOutOfTime(FetchTimeout):
    """Raised when a source's feed gave no complete answer within its time budget for one run."""

    kind = "source_budget"


class ConnectionFailed(TransientError):
    """Raised when the host cannot be reached or the connection breaks mid-way."""

    kind = "connection_failed"


class ServerBusy(TransientError):
    """Raised on 429 and 5xx; ``retry_after`` is in seconds when the server said when to come back."""

    kind = "server_busy"

    def __init__(self, message: str, *, url: str | None = None, status: int, retry_after: float | None) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


class ConfigError(ExtractorError):
    """Raised when sources.toml, the gazetteer or the seed corpus cannot be used; names the file and line."""

    kind = "bad_config"


class PermanentError(ExtractorError):
    """A failure that will repeat until the input or the configuration changes."""


class BlockedURL(PermanentError):
    """Raised for a URL that must never be fetched (scheme, or an address that is not public)."""

    kind = "blocked_url"


class BadCertificate(PermanentError):
    """Raised when the server's TLS certificate cannot be verified; there is no unverified retry."""

    kind = "bad_certificate"


class RobotsDisallowed(PermanentError):
    """Raised before a page is requested when the site's robots.txt disallows it for our User-Agent."""

    kind = "robots_disallowed"


class TooManyRedirects(PermanentError):
    """Raised when a request is redirected more often than allowed."""

    kind = "too_many_redirects"


class TooLarge(PermanentError):
    """Raised when a body is larger than the configured cap (declared or after decoding)."""

    kind = "too_large"


class HTTPStatusError(PermanentError):
    """Raised for a 4xx answer other than 429."""

    kind = "http_status"

    def __init__(self, message: str, *, url: str | None = None, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class UnsupportedContent(PermanentError):
    """Raised when a page URL answers with something that is not HTML."""

    kind = "unsupported_content_type"


class NotAFeed(PermanentError):
    """Raised when the bytes at a feed URL are not a feed."""

    kind = "not_a_feed"


class HostileFeed(PermanentError):
    """Raised before parsing when a feed declares entities that could expand without bound."""

    kind = "hostile_feed"


class NoArticle(PermanentError):
    """Raised when a page yields no article text; the message says why."""

    kind = "no_article"


class ExtractorCrashed(PermanentError):
    """Raised when the process extracting a page died (three times) while reading it; the raw page is kept."""

    kind = "extractor_crashed"


class ExtractionTimeout(PermanentError):
    """Raised when reading a page outlived the extraction time budget and its worker was stopped."""

    kind = "extraction_timeout"


class ThreadCut(PermanentError):
    """Recorded (never raised) when a parser limit cut a page's comment thread; the comments read are kept."""

    kind = "thread_cut"
