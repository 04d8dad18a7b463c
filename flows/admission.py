"""Which source moves next in an ingest run: a small state machine with no I/O and no threads.

A source goes poll → fetch → land. The window holds at most ``sources`` sources between poll and landing,
and the sources it lets fetch hold at most ``pages`` new pages between them (one with more starts alone),
so memory holds the pages of a few sources, never the whole run, and polls overlap when there is little to
fetch. Sources with pages land in the order they were given (sources.toml order): of a cross-post the
outlet listed first keeps the document, whatever the timing. A source with nothing to fetch (a failed
poll, a 304) lands at once. The first source that has not landed is always let fetch, past the page
budget: the sources behind it cannot land before it does, so it must never wait for them.

The run function (``flows.pipeline``) tells the window what happened (``polled``, ``fetched``,
``settled``, ``landed``) and asks it what to start (``to_poll``, ``to_fetch``, ``to_land``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class Window:
    """The sources of one run between poll and landing (see the module docstring)."""

    def __init__(self, names: Iterable[str], *, sources: int, pages: int) -> None:
        self._queued = deque(names)
        if len(set(self._queued)) != len(self._queued):
            raise ValueError("a source may be in the window once")
        if sources < 1 or pages < 1:
            raise ValueError("the window needs room for at least one source and one page")
        self.sources = sources
        self.pages = pages
        self._unlanded: deque[str] = deque()  # polling or polled, in the given order
        self._parked: deque[tuple[str, int]] = deque()  # polled, waiting to fetch
        self._fetched: set[str] = set()  # waiting for their turn to land
        self._pages_of: dict[str, int] = {}  # pages held by each fetching source until it lands
        self._in_flight = 0

    @property
    def done(self) -> bool:
        """True once every source has landed."""
        return not self._queued and self._in_flight == 0

    @property
    def pages_in_flight(self) -> int:
        """New pages held by sources that are fetching or waiting to land."""
        return sum(self._pages_of.values())

    def to_poll(self) -> list[str]:
        """The sources to start polling now, in order."""
        started = []
        while self._queued and self._in_flight < self.sources:
            name = self._queued.popleft()
            self._unlanded.append(name)
            self._in_flight += 1
            started.append(name)
        return started

    def polled(self, name: str, pages: int) -> None:
        """``name``'s poll found ``pages`` new pages (possibly none) to fetch."""
        self._expect(name, self._unlanded)
        if pages < 0:
            raise ValueError("pages cannot be negative")
        self._parked.append((name, pages))

    def to_fetch(self) -> list[str]:
        """The polled sources whose pages may be fetched now, within the page budget."""
        started = []
        while self._parked:
            first = next((i for i, (n, _) in enumerate(self._parked) if n == self._unlanded[0]), None)
            name, pages = self._parked[0 if first is None else first]
            held = self.pages_in_flight
            if first is None and held and held + pages > self.pages:
                break
            self._parked.remove((name, pages))
            self._pages_of[name] = pages
            started.append(name)
        return started

    def fetched(self, name: str) -> None:
        """``name``'s pages are fetched and read; it lands when its turn comes (see ``to_land``)."""
        if name not in self._pages_of or name in self._fetched:
            raise ValueError(f"{name!r} is not fetching")
        self._fetched.add(name)

    def settled(self, name: str) -> None:
        """``name`` has nothing to fetch (its poll failed, or the feed did not change): it lands now."""
        self._expect(name, self._unlanded)
        if any(n == name for n, _ in self._parked) or name in self._pages_of:
            raise ValueError(f"{name!r} was polled already")
        self._unlanded.remove(name)
        self._in_flight -= 1

    def to_land(self) -> list[str]:
        """The fetched sources whose turn has come, in order; call ``landed`` for each once written."""
        due = []
        for name in self._unlanded:
            if name not in self._fetched:
                break
            due.append(name)
        return due

    def landed(self, name: str) -> None:
        """``name``'s batch is written: its place in the window and its pages are free."""
        if name not in self._fetched:
            raise ValueError(f"{name!r} was not fetched")
        if self._unlanded[0] != name:
            raise ValueError(f"{name!r} lands before {self._unlanded[0]!r}, which is listed first")
        self._unlanded.popleft()
        self._fetched.discard(name)
        del self._pages_of[name]
        self._in_flight -= 1

    @staticmethod
    def _expect(name: str, among: Iterable[str]) -> None:
        if name not in among:
            raise ValueError(f"{name!r} is not being polled")
