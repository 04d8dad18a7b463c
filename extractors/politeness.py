"""Politeness towards the sites tealeaves reads, for article pages (feeds are polled once a run and are
meant to be read by machines):

- robots.txt, read with protego (RFC 9309), fetched through the same guarded, capped client: a 4xx
  means no rules (everything allowed), a 5xx or a network failure means wait (nothing fetched this
  run; the pages are tried again next run), a file over 512 KiB is not read and nothing is fetched;
- at most ``per_host`` requests at once to one host, and at least ``min_delay`` seconds between the
  starts of two requests to it (longer when robots.txt asks with Crawl-delay or Request-rate);
- once a host answers 429/503 with Retry-After, no request goes to it before then.

``PoliteFetcher`` is a ``Fetcher`` that does all of this in ``get``, so it fits wherever pages are
fetched; the robots.txt request is recorded in the hops of the page that caused it. The fetchers of a run
share one ``RobotsCache`` (``extractors.robots``), so a site's robots.txt is fetched once, whichever
source asks first, and not again before its time-to-live (a day) when the caller keeps the files between
runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

from protego import Protego

from extractors import errors
from extractors.fetch import Fetcher, FetchPolicy, FetchResult, Hop, request_context
from extractors.robots import RobotsCache, RobotsFile

ROBOTS_MAX_BYTES = 512 * 1024


@dataclass(frozen=True)
class PolitenessPolicy:
    """How gently one host is treated; built by ``Settings.politeness_policy``, which holds every default."""

    per_host: int  # requests in flight to one host at a time
    min_delay: float  # seconds between the starts of two requests to one host
    max_crawl_delay: float  # a robots.txt Crawl-delay longer than this is held to it
    robots_ttl: float  # seconds a fetched robots.txt is trusted (RFC 9309: at most a day)


class HostGate:
    """Per-host concurrency limit, minimum delay between request starts, and Retry-After holds;
    thread-safe. ``HostGate.shared`` gives one gate per process, so concurrent sources share it."""

    _shared: ClassVar[dict[tuple[int, float], HostGate]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, per_host: int, min_delay: float) -> None:
        self.per_host = max(1, per_host)
        self.min_delay = max(0.0, min_delay)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._next_start: dict[str, float] = {}
        self._hold_until: dict[str, float] = {}

    @classmethod
    def shared(cls, per_host: int, min_delay: float) -> HostGate:
        """The process-wide gate for these limits."""
        with cls._shared_lock:
            return cls._shared.setdefault((per_host, min_delay), cls(per_host, min_delay))

    @contextmanager
    def slot(self, host: str, delay: float | None = None) -> Iterator[None]:
        """Wait for a free slot on ``host`` and for its turn to start, then hold the slot."""
        with self._lock:
            semaphore = self._slots.setdefault(host, threading.BoundedSemaphore(self.per_host))
        with semaphore:
            with self._lock:  # reserve a start time; the wait itself happens outside the lock
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + max(self.min_delay, delay or 0.0)
            if start > now:
                time.sleep(start - now)
            yield

    def hold(self, host: str, seconds: float) -> None:
        """No request to ``host`` for ``seconds`` (the server's Retry-After)."""
        with self._lock:
            until = time.monotonic() + seconds
            self._hold_until[host] = max(until, self._hold_until.get(host, until))

    def held_for(self, host: str) -> float:
        """Seconds ``host`` must still be left alone (0 when it may be asked)."""
        with self._lock:
            return max(0.0, self._hold_until.get(host, 0.0) - time.monotonic())


@dataclass
class _Robots:
    """What one origin's robots.txt said, or why it could not be read."""

    rules: Protego | None  # None: no rules (everything allowed), or unreadable (see ``refusal``)
    refusal: tuple[type[errors.ExtractorError], str] | None  # the error every page gets, and why
    delay: float | None  # Crawl-delay / Request-rate for our User-Agent, in seconds


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class PoliteFetcher(Fetcher):
    """A Fetcher for pages that honours robots.txt, per-host limits and Retry-After (see the module)."""

    def __init__(
        self,
        policy: FetchPolicy,
        politeness: PolitenessPolicy,
        gate: HostGate | None = None,
        robots: RobotsCache | None = None,
    ) -> None:
        super().__init__(policy)
        self.politeness = politeness
        self.gate = gate or HostGate.shared(self.politeness.per_host, self.politeness.min_delay)
        # robots.txt groups are matched on the product token ("tealeaves"), not on the whole User-Agent,
        # whose comment words ("reader" …) could otherwise match some other crawler's group.
        self.agent = self.policy.user_agent.split("/")[0].split()[0] if self.policy.user_agent.strip() else "*"
        self.robots = robots or RobotsCache(self.politeness.robots_ttl)
        self._parsed: dict[RobotsFile, _Robots] = {}

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET ``url`` if robots.txt allows it, in turn with the other requests to its host."""
        host = urlsplit(url).hostname or ""
        self._check_hold(url, host)  # before robots.txt too: that is a request to the host as well
        robots, robots_hops = self._robots_for(url)
        with request_context(url, robots_hops):
            self._check_robots(url, robots)
            try:
                with self.gate.slot(host, robots.delay):
                    result = super().get(
                        url, etag=etag, last_modified=last_modified, accept=accept, max_bytes=max_bytes
                    )
            except errors.ServerBusy as exc:
                if exc.retry_after:
                    self.gate.hold(host, exc.retry_after)
                raise
        return replace(result, hops=robots_hops + result.hops)

    def robots_txt(self, url: str) -> tuple[str | None, tuple[Hop, ...]]:
        """The text of ``url``'s robots.txt, read once with the rules (None: no rules, or unreadable), and
        the hops if this call fetched it; callers that want its ``Sitemap:`` lines need not ask again."""
        robots, hops = self._robots_for(url)
        known = self.robots.fresh(_origin(url), datetime.now(UTC))
        text = known.body if known is not None and known.outcome == "rules" else None
        return (text if robots.rules is not None else None), hops

    def _check_robots(self, url: str, robots: _Robots) -> None:
        if robots.refusal is not None:
            error, reason = robots.refusal
            raise error(f"{url}: not fetched: {reason}", url=url)
        if robots.rules is not None and not robots.rules.can_fetch(url, self.agent):
            raise errors.RobotsDisallowed(
                f"{url}: not fetched: {_origin(url)}/robots.txt disallows it for {self.agent!r}", url=url
            )

    def _check_hold(self, url: str, host: str) -> None:
        wait = self.gate.held_for(host)
        if wait > 0:
            raise errors.ServerBusy(
                f"{url}: not requested: {host} asked tealeaves to come back in {wait:.0f} s (Retry-After)",
                url=url,
                status=429,
                retry_after=wait,
            )

    def _robots_for(self, url: str) -> tuple[_Robots, tuple[Hop, ...]]:
        """The origin's robots.txt, fetched once (per time-to-live) whichever fetcher or thread asks first;
        returns the hops of that fetch to the thread that made it, none to the others."""
        origin = _origin(url)
        with self.robots.lock(origin):
            known = self.robots.fresh(origin, datetime.now(UTC))
            hops: tuple[Hop, ...] = ()
            if known is None:
                known, hops = self._fetch_robots(origin)
                self.robots.remember(known)
        return self._interpret(known), hops

    def _fetch_robots(self, origin: str) -> tuple[RobotsFile, tuple[Hop, ...]]:
        robots_url = origin + "/robots.txt"
        host = urlsplit(origin).hostname or ""
        now = datetime.now(UTC)
        try:
            with self.gate.slot(host):
                result = super().get(robots_url, accept="text/plain, */*;q=0.1", max_bytes=ROBOTS_MAX_BYTES)
        except errors.TooLarge as exc:
            reason = f"{robots_url} is larger than {ROBOTS_MAX_BYTES // 1024} KiB, which tealeaves does not read"
            return RobotsFile(origin, "too_large", reason, now), exc.hops
        except errors.TransientError as exc:
            # RFC 9309: an unreachable robots.txt (5xx, network) means complete disallow, for now.
            if isinstance(exc, errors.ServerBusy) and exc.retry_after:
                self.gate.hold(host, exc.retry_after)
            reason = f"{robots_url} could not be read ({exc}); the page is tried again next run"
            return RobotsFile(origin, "unreachable", reason, now), exc.hops
        except errors.PermanentError as exc:  # 4xx, refused redirect …: no usable rules, so no restriction
            return RobotsFile(origin, "no_rules", None, now), exc.hops
        return RobotsFile(origin, "rules", result.body.decode("utf-8", "replace"), now), result.hops

    def _interpret(self, file: RobotsFile) -> _Robots:
        """What a robots.txt answer means for this fetcher's User-Agent (parsed once per fetcher)."""
        found = self._parsed.get(file)
        if found is None:
            if file.outcome == "rules":
                rules = Protego.parse(file.body or "")
                found = _Robots(rules, None, self._delay(rules))
            elif file.outcome == "no_rules":
                found = _Robots(None, None, None)
            else:
                kind = errors.RobotsDisallowed if file.outcome == "too_large" else errors.ConnectionFailed
                found = _Robots(None, (kind, file.body or f"{file.origin}/robots.txt could not be read"), None)
            self._parsed[file] = found
        return found

    def _delay(self, rules: Protego) -> float | None:
        agent = self.agent
        delays = [rules.crawl_delay(agent) or 0.0]
        rate = rules.request_rate(agent)
        if rate is not None and rate.requests:
            delays.append(rate.seconds / rate.requests)
        delay = max(delays)
        return min(delay, self.politeness.max_crawl_delay) if delay > 0 else None
