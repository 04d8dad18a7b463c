"""The warehouse as the pipeline sees it: one writer connection and the calls a run makes on it.

The pipeline (``flows.pipeline``) talks to this object only, never to a connection, so the same run works on
any warehouse that answers these calls.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from extractors.models import PollHints
from flows import cadence
from warehouse import health, load, state
from warehouse.db import open_writer, release_memory
from warehouse.errors import LandingError
from warehouse.records import DocumentRow, Landed, RobotsRow, SourceBatch

Log = logging.Logger | logging.LoggerAdapter[Any]


class Store:
    """A run's calls on one open writer connection of the warehouse."""

    def __init__(
        self, conn: duckdb.DuckDBPyConnection, backoff: state.BackoffPolicy, polling: cadence.CadencePolicy
    ) -> None:
        self.conn = conn
        self.backoff = backoff
        self.polling = polling

    def register_sources(self, sources: Sequence[tuple[str, str | None, str | None]]) -> None:
        """Record (name, feed URL, site URL) of each source."""
        state.register_sources(self.conn, sources)

    def land_seeds(self, documents: Sequence[DocumentRow]) -> tuple[str, ...]:
        """Land the seed corpus; returns the ids that were new."""
        return load.land_seeds(self.conn, documents).new_doc_ids

    def start_run(self, run_id: str) -> None:
        """Record that a run began."""
        state.start_run(self.conn, run_id)

    def finish_run(self, run_id: str, *, sources_ok: int, sources_failed: int, documents_new: int) -> None:
        """Record a run's end and its counts."""
        state.finish_run(
            self.conn, run_id, sources_ok=sources_ok, sources_failed=sources_failed, documents_new=documents_new
        )

    def not_due(self, names: Sequence[str]) -> dict[str, state.PollSchedule]:
        """The sources among ``names`` that must not be polled yet, with when and why."""
        return state.not_due(self.conn, names)

    def source_states(self, names: Sequence[str]) -> dict[str, state.SourceState]:
        """What is remembered of each source (validators, health)."""
        return state.source_states(self.conn, names)

    def unseen(self, source: str, keys_and_urls: Sequence[tuple[str, str | None]]) -> set[str]:
        """The entry keys that are neither a known entry of ``source`` nor a stored URL."""
        return state.unseen(self.conn, source, keys_and_urls)

    def land(self, run_id: str, batch: SourceBatch) -> Landed:
        """Write one source's batch in one transaction (LandingError: nothing of it was kept)."""
        return load.land_batch(self.conn, run_id, batch)

    def record_landing_failure(self, run_id: str, source: str, error: LandingError, log: Log) -> None:
        """Record that a batch could not land; when even that fails (a full disk), say so in the log."""
        try:
            load.record_failure(self.conn, run_id, source, None, "land", error.kind, str(error))
        except duckdb.Error as again:
            log.error("could not record the landing failure either: %s", again)

    def schedule_after_poll(
        self,
        source: str,
        *,
        retry_after: float | None,
        hints: PollHints | None = None,
        started: datetime | None = None,
    ) -> state.PollSchedule:
        """Record when ``source`` may be polled next (after every poll, failed or not). ``hints``: what the
        answer of a poll that landed said; ``started``: when the run began, from which its wait counts (so
        the run due at that time polls it)."""
        when_ok, kept = None, None
        if hints is not None:
            now = started or datetime.now(UTC)
            since = now - timedelta(days=self.polling.history_days)
            history = state.publishing_history(self.conn, source, since=since, now=now)
            feed = hints.feed or cadence.hints_from_json(state.kept_feed_hints(self.conn, source))
            rate = cadence.PublishingHistory(*history) if history else None
            when_ok = cadence.schedule_when_ok(now, hints, rate, self.polling, feed=feed)
            kept = cadence.hints_json(hints.feed) if hints.feed else None
        return state.schedule_after_poll(
            self.conn, source, policy=self.backoff, retry_after=retry_after, when_ok=when_ok, feed_hints=kept
        )

    def release_memory(self, log: Log) -> None:
        """Checkpoint and give memory back to the system; a failure (a full disk) is logged, not raised."""
        try:
            release_memory(self.conn)
        except duckdb.Error as exc:  # the next landing says so if the disk is still full; go on
            log.warning("could not checkpoint the warehouse to free memory: %s", exc)

    def robots_files(self, *, fetched_after: datetime) -> list[RobotsRow]:
        """The robots.txt answers still to be trusted."""
        return state.robots_files(self.conn, fetched_after=fetched_after)

    def keep_robots_files(self, files: Sequence[RobotsRow]) -> None:
        """Keep robots.txt answers fetched in this run for the next ones."""
        state.keep_robots_files(self.conn, files)

    def run_failures(self, run_id: str) -> list[dict[str, Any]]:
        """The failures one run recorded."""
        return health.run_failures(self.conn, run_id)

    def source_health(self) -> list[dict[str, Any]]:
        """Per-source health after the run."""
        return health.source_health(self.conn)


@contextmanager
def open_store(
    path: Path, *, wait: float, backoff: state.BackoffPolicy, polling: cadence.CadencePolicy
) -> Iterator[Store]:
    """The warehouse at ``path`` opened as the one writer (its read-only snapshot is refreshed on close)."""
    with open_writer(path, wait=wait) as conn:
        yield Store(conn, backoff, polling)
