"""What a run must do: which sources are due, and which entries of a polled feed are new.

An entry with nothing to fetch (no http(s) link) is settled in the source's one batch, beside its pages,
so a source always lands in one transaction: if that transaction fails, nothing of it (not the feed's new
ETag either) is kept, and the next poll sees every entry again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from extractors.harvest import FeedPoll
from extractors.identity import canonical_url
from extractors.models import FeedEntry
from extractors.sources import Source
from flows.store import Store
from warehouse.records import EntryRow, FailureRow


@dataclass(frozen=True)
class EntryPlan:
    """A polled feed's new entries: those to fetch, and those settled without a fetch."""

    fetch: tuple[FeedEntry, ...] = ()
    settled: tuple[EntryRow, ...] = ()  # recorded with the source's batch, so they are not seen as new again
    failures: tuple[FailureRow, ...] = ()  # why the settled entries were not fetched
    deferred: int = 0  # new entries left for a later run (the per-run limit)


def due_sources(store: Store, sources: Sequence[Source], *, force: bool) -> tuple[list[Source], dict[str, str]]:
    """The sources to poll now, and why each of the others waits (all are due with ``force``)."""
    if force:
        return list(sources), {}
    waiting = store.not_due([s.name for s in sources])
    reasons = {}
    for name, schedule in waiting.items():
        due = schedule.next_poll_at.isoformat(timespec="minutes") if schedule.next_poll_at else "next run"
        reasons[name] = f"{schedule.reason or 'waiting'} until {due}"
    return [s for s in sources if s.name not in waiting], reasons


def new_entries(store: Store, source: Source, poll: FeedPoll, limit: int) -> EntryPlan:
    """The feed's entries not seen before (by entry key or canonical URL), at most ``limit`` to fetch."""
    entries = poll.feed.entries if poll.feed else ()
    fetchable = [e for e in entries if e.url]
    linkless = [e for e in entries if not e.url]
    pairs = [(e.key, canonical_url(e.url)) for e in fetchable if e.url] + [(e.key, None) for e in linkless]
    fresh = store.unseen(source.name, pairs)
    to_fetch = [e for e in fetchable if e.key in fresh]
    settle = [e for e in linkless if e.key in fresh]
    now = datetime.now(UTC)
    return EntryPlan(
        fetch=tuple(to_fetch[:limit]),
        settled=tuple(EntryRow(e.key, e.guid, None, None) for e in settle),
        failures=tuple(
            FailureRow(
                None,
                "feed",
                "no_link",
                f"{source.feed}: entry {e.title or e.key!r} has no http(s) link; nothing to fetch",
                now,
            )
            for e in settle
        ),
        deferred=max(0, len(to_fetch) - limit),
    )
