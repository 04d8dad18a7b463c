"""Runs, sources and per-source polling state: what the flow reads before and writes after a run,
including when a failing source may be polled next (capped exponential backoff with jitter, the
server's Retry-After, and a pause after too many failures in a row)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import duckdb

from warehouse.load import insert_rows
from warehouse.records import RobotsRow
from warehouse.sqlfiles import sql


@dataclass(frozen=True)
class SourceState:
    """What the warehouse remembers of a source between runs."""

    etag: str | None = None
    last_modified: str | None = None
    last_status: str | None = None
    last_success_at: datetime | None = None
    consecutive_failures: int = 0


def register_sources(conn: duckdb.DuckDBPyConnection, sources: Sequence[tuple[str, str | None, str | None]]) -> None:
    """Upsert (name, feed_url, site_url) rows, in one statement (executemany costs a round trip per row)."""
    if sources:
        names, feeds, sites = (list(column) for column in zip(*sources, strict=True))
        conn.execute(sql("state/upsert_source"), [names, feeds, sites, datetime.now(UTC)])


def source_states(conn: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> dict[str, SourceState]:
    """The remembered state of each of ``sources``, read in one query (defaults for one never polled)."""
    rows = conn.execute(sql("state/source_states"), [list(sources)]).fetchall() if sources else []
    found = {row[0]: SourceState(*row[1:]) for row in rows}
    return {name: found.get(name, SourceState()) for name in sources}


def source_state(conn: duckdb.DuckDBPyConnection, source: str) -> SourceState:
    """The remembered state of one source (defaults when it was never polled)."""
    return source_states(conn, [source])[source]


def start_run(conn: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Record that a run began."""
    conn.execute(sql("state/start_run"), [run_id, datetime.now(UTC)])


def finish_run(
    conn: duckdb.DuckDBPyConnection,
    run_id: str,
    *,
    sources_ok: int,
    sources_failed: int,
    documents_new: int,
    status: str = "completed",
) -> None:
    """Record a run's end and its counts."""
    conn.execute(
        sql("state/finish_run"), [datetime.now(UTC), sources_ok, sources_failed, documents_new, status, run_id]
    )


def unseen(conn: duckdb.DuckDBPyConnection, source: str, keys_and_urls: Sequence[tuple[str, str | None]]) -> set[str]:
    """The entry keys among ``(entry_key, canonical_url)`` pairs that are neither a known entry of this
    source nor a URL already stored (from any source)."""
    keys = [k for k, _ in keys_and_urls]
    urls = [u for _, u in keys_and_urls if u]
    known_keys = (
        {r[0] for r in conn.execute(sql("state/existing_entry_keys"), [source, keys]).fetchall()} if keys else set()
    )
    known_urls = {r[0] for r in conn.execute(sql("state/existing_urls"), [urls]).fetchall()} if urls else set()
    return {k for k, u in keys_and_urls if k not in known_keys and (u is None or u not in known_urls)}


@dataclass(frozen=True)
class BackoffPolicy:
    """How long a failing source waits before its next poll; built by ``Settings.backoff_policy``."""

    base: float  # seconds after the first failure; doubles with each failure in a row
    cap: float  # the longest backoff
    jitter: float  # the wait varies by up to ± this fraction, so sources that failed together do not return together
    pause_after: int  # failures in a row that pause a source
    paused_retry: float  # a paused source is still tried this often; one success un-pauses it
    max_retry_after: float  # a Retry-After further away than this is held to it


@dataclass(frozen=True)
class PollSchedule:
    """When a source may be polled next and why (``next_poll_at`` None: on the next run)."""

    next_poll_at: datetime | None = None
    # After a failure: 'retry_after' | 'backoff' | 'paused'. After a success (flows.cadence): 'cache-control' |
    # 'expires' | 'ttl' | 'sy:updatePeriod' | 'adaptive' | 'skipHours' | 'skipDays'.
    reason: str | None = None
    paused: bool = False


def next_poll(
    now: datetime,
    consecutive_failures: int,
    *,
    policy: BackoffPolicy,
    retry_after: float | None = None,
    rand: Callable[[], float] = random.random,
) -> PollSchedule:
    """The schedule after a poll that left ``consecutive_failures`` failures in a row (0: it succeeded).

    The wait is ``base * 2**(failures-1)``, capped, with jitter; never shorter than the ``retry_after``
    seconds the server asked for (429/503), whatever the jitter; a source paused after
    ``pause_after`` failures waits at least ``paused_retry``."""
    if consecutive_failures <= 0:
        return PollSchedule()
    wait = min(policy.cap, policy.base * 2 ** min(consecutive_failures - 1, 32))
    wait *= 1 + policy.jitter * (2 * rand() - 1)
    reason = "backoff"
    paused = consecutive_failures >= policy.pause_after
    if paused:
        wait, reason = max(wait, policy.paused_retry), "paused"
    if retry_after is not None and retry_after > wait:
        wait = min(retry_after, policy.max_retry_after)
        reason = "paused" if paused else "retry_after"
    return PollSchedule(now + timedelta(seconds=wait), reason, paused)


def schedule_after_poll(
    conn: duckdb.DuckDBPyConnection,
    source: str,
    *,
    policy: BackoffPolicy,
    retry_after: float | None = None,
    now: datetime | None = None,
    when_ok: PollSchedule | None = None,
    feed_hints: str | None = None,
) -> PollSchedule:
    """Record when ``source`` may be polled next, from the failures in a row its landing just left in
    source_state (call it after every land_batch of a polled source, failed or not): the backoff after a
    failure, ``when_ok`` (what the server and the source's rate ask) after a success. ``feed_hints``, the
    feed's polling hints as JSON, are kept for the polls answered 304."""
    now = now or datetime.now(UTC)
    row = conn.execute(sql("state/source_schedule"), [[source]]).fetchone()
    failures = int(row[1]) if row else 0
    schedule = next_poll(now, failures, retry_after=retry_after, policy=policy)
    if failures == 0 and when_ok is not None:
        schedule = when_ok
    if failures == 0 and feed_hints is not None:
        conn.execute(sql("state/keep_feed_hints"), [source, feed_hints])
    conn.execute(
        sql("state/update_source_schedule"), [source, schedule.next_poll_at, schedule.reason, schedule.paused, now]
    )
    return schedule


def kept_feed_hints(conn: duckdb.DuckDBPyConnection, source: str) -> str | None:
    """The polling hints (JSON) of the last answer of ``source`` that carried its feed."""
    row = conn.execute(sql("state/feed_hints"), [source]).fetchone()
    return row[0] if row else None


def publishing_history(
    conn: duckdb.DuckDBPyConnection, source: str, *, since: datetime, now: datetime | None = None
) -> tuple[int, float] | None:
    """(entries, days): the entries ``source`` posted since ``since`` and over how many days of watching,
    not counting its first landing's backlog; None before it has landed an entry."""
    now = now or datetime.now(UTC)
    row = conn.execute(sql("state/publishing_history"), [source, since]).fetchone()
    if row is None or row[1] is None:
        return None
    start = max(row[1], since)
    return int(row[0]), max(0.0, (now - start).total_seconds() / 86400)


def not_due(
    conn: duckdb.DuckDBPyConnection, sources: Sequence[str], *, now: datetime | None = None
) -> dict[str, PollSchedule]:
    """The sources among ``sources`` that must not be polled yet, with when and why; poll the others."""
    now = now or datetime.now(UTC)
    if not sources:
        return {}
    waiting = {}
    for name, _failures, next_at, reason, paused_at in conn.execute(
        sql("state/source_schedule"), [list(sources)]
    ).fetchall():
        if next_at is not None and next_at > now:
            waiting[name] = PollSchedule(next_at, reason, paused_at is not None)
    return waiting


def resume(conn: duckdb.DuckDBPyConnection, source: str) -> None:
    """Un-pause ``source`` and forget its failures: the next run polls it."""
    conn.execute(sql("state/resume_source"), [source])


def robots_files(conn: duckdb.DuckDBPyConnection, *, fetched_after: datetime) -> list[RobotsRow]:
    """The robots.txt answers fetched after ``fetched_after`` (older ones are asked for again)."""
    return [RobotsRow(*row) for row in conn.execute(sql("state/robots_files"), [fetched_after]).fetchall()]


def keep_robots_files(conn: duckdb.DuckDBPyConnection, files: Sequence[RobotsRow]) -> None:
    """Keep robots.txt answers for later runs (a site's newer answer replaces the older)."""
    insert_rows(conn, "state/upsert_robots_file", [asdict(f) for f in files])
