"""What a run must do: which sources are due, and which entries of a polled feed are new.

An entry with nothing to fetch (no http(s) link) is settled in the source's one batch, beside its pages,
so a source always lands in one transaction: if that transaction fails, nothing of it (not the feed's new
ETag either) is kept, and the next poll sees every entry again. So is an entry a keep or block rule drops
(``extractors.rules``): recorded with the rule that dropped it, not fetched, not a failure; the warehouse
offers it again at the next poll that lists it, so a change of rules applies to what is still in the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from extractors.harvest import FeedPoll
from extractors.identity import canonical_url
from extractors.models import FeedEntry
from extractors.rules import dropped_by
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
    # Entries whose page another entry of this feed fetches (same canonical URL): (entry, that entry's key).
    aliases: tuple[tuple[FeedEntry, str], ...] = ()


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
    """The feed's entries not seen before (by entry key or canonical URL) that the keep and block rules let
    through, at most ``limit`` to fetch (the source's own ``max_new`` when it has one)."""
    limit = source.max_new if source.max_new is not None else limit
    entries = poll.feed.entries if poll.feed else ()
    fetchable = [e for e in entries if e.url]
    linkless = [e for e in entries if not e.url]
    pairs = [(e.key, canonical_url(e.url)) for e in fetchable if e.url] + [(e.key, None) for e in linkless]
    fresh = store.unseen(source.name, pairs)
    keep = (source.settings_keep, source.keep)
    block = (*source.settings_block, *source.block)
    to_fetch: list[FeedEntry] = []
    dropped: list[EntryRow] = []
    fetched_as: dict[str, str] = {}  # canonical URL -> the key of the entry that fetches it
    aliases: list[tuple[FeedEntry, str]] = []
    for e in fetchable:
        if e.key not in fresh:
            continue
        rule = dropped_by(e, keep, block)
        url = canonical_url(e.url or "")
        if rule is None and url in fetched_as:
            aliases.append((e, fetched_as[url]))  # one fetch per URL, however many entries point at it
        elif rule is None:
            fetched_as[url] = e.key
            to_fetch.append(e)
        else:
            dropped.append(EntryRow(e.key, e.guid, canonical_url(e.url or ""), None, dropped_by=rule))
    settle = [e for e in linkless if e.key in fresh]
    now = datetime.now(UTC)
    chosen = {e.key for e in to_fetch[:limit]}
    return EntryPlan(
        fetch=tuple(to_fetch[:limit]),
        aliases=tuple((e, key) for e, key in aliases if key in chosen),
        settled=(*(EntryRow(e.key, e.guid, None, None) for e in settle), *dropped),
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
