"""robots.txt files as tealeaves keeps them: one per origin, fetched at most once per time-to-live whichever
source asks first, and remembered between runs (the caller stores ``new_files()`` and seeds the next run's
cache with them).

What is kept is the answer, not its interpretation: the rules text, "no rules" (a 4xx: everything allowed),
or "too large" (not read: nothing allowed). An unreachable file (5xx, network) is remembered for the run
that met it only, so the next run asks again.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

OUTCOMES = frozenset({"rules", "no_rules", "too_large", "unreachable"})
KEPT = frozenset({"rules", "no_rules", "too_large"})  # what the next run may trust without asking again


@dataclass(frozen=True)
class RobotsFile:
    """What one origin's robots.txt answered, and when."""

    origin: str  # scheme://host[:port], lower-cased
    outcome: str  # one of OUTCOMES
    body: str | None  # the rules ('rules'), or why it could not be read ('unreachable', 'too_large')
    fetched_at: datetime

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown robots.txt outcome {self.outcome!r}")


class RobotsCache:
    """The robots.txt files of one run, shared by its fetchers (thread-safe)."""

    def __init__(self, ttl: float, known: Iterable[RobotsFile] = ()) -> None:
        self.ttl = timedelta(seconds=ttl)
        self._files = {f.origin: f for f in known}
        self._new: dict[str, RobotsFile] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def lock(self, origin: str) -> threading.Lock:
        """The lock to hold while ``origin``'s file is looked up and, if need be, fetched."""
        with self._lock:
            return self._locks.setdefault(origin, threading.Lock())

    def fresh(self, origin: str, now: datetime) -> RobotsFile | None:
        """``origin``'s file if it was fetched less than the time-to-live ago."""
        with self._lock:
            found = self._files.get(origin)
        return found if found is not None and now - found.fetched_at < self.ttl else None

    def remember(self, file: RobotsFile) -> None:
        """Record a file just fetched; the answers worth trusting later are also in ``new_files``."""
        with self._lock:
            self._files[file.origin] = file
            if file.outcome in KEPT:
                self._new[file.origin] = file

    def new_files(self) -> list[RobotsFile]:
        """The files fetched since the cache was made (and not yet taken), to keep for later runs."""
        with self._lock:
            taken, self._new = list(self._new.values()), {}
        return taken
