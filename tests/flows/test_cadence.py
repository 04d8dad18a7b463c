"""When a source that answered is polled next: the pure rule with fixed times, then whole runs against a
real local server and a real warehouse (the server's log says whether a feed was asked for)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from extractors.models import FeedHints, PollHints
from flows.cadence import PublishingHistory, hints_from_json, hints_json, schedule_when_ok
from flows.cli import app
from flows.runs import ingest_without_prefect
from tests.fixture_server import FixtureServer, Route
from tests.outlet import sources_file
from tests.policies import cadence_policy
from warehouse.state import PollSchedule

NOW = datetime(2026, 12, 3, 10, 15, tzinfo=UTC)  # a Thursday
POLICY = cadence_policy(interval=1800.0, min_interval=1800.0, max_interval=86400.0, history_days=28.0)
HOUR = timedelta(hours=1)


def when(hints: PollHints, history: PublishingHistory | None = None, **kept: Any) -> PollSchedule:
    return schedule_when_ok(NOW, hints, history, POLICY, **kept)


def test_cache_headers_and_ttl_of_a_day_wait_a_day() -> None:
    hints = PollHints(max_age=86400, expires=NOW + 24 * HOUR, date=NOW, feed=FeedHints(ttl_minutes=1440))
    assert when(hints) == PollSchedule(NOW + 24 * HOUR, "cache-control")


def test_the_longest_hint_wins_and_none_waits_more_than_a_day() -> None:
    assert when(PollHints(max_age=600, feed=FeedHints(ttl_minutes=120))) == PollSchedule(NOW + 2 * HOUR, "ttl")
    assert when(PollHints(max_age=7 * 86400)) == PollSchedule(NOW + 24 * HOUR, "cache-control")
    weekly = PollHints(feed=FeedHints(update_period="weekly"))
    assert when(weekly) == PollSchedule(NOW + 24 * HOUR, "sy:updatePeriod")
    twice_daily = PollHints(feed=FeedHints(update_period="daily", update_frequency=2))
    assert when(twice_daily) == PollSchedule(NOW + 12 * HOUR, "sy:updatePeriod")


def test_a_wait_within_our_interval_leaves_the_source_to_the_next_run() -> None:
    assert when(PollHints(feed=FeedHints(ttl_minutes=5))) == PollSchedule()
    assert when(PollHints(max_age=1800)) == PollSchedule()
    assert when(PollHints(feed=FeedHints(update_period="hourly", update_frequency=2))) == PollSchedule()
    assert when(PollHints()) == PollSchedule()


def test_expires_is_read_against_the_servers_date_and_max_age_overrides_it() -> None:
    slow_clock = PollHints(expires=NOW + 2 * HOUR, date=NOW - HOUR)
    assert when(slow_clock) == PollSchedule(NOW + 3 * HOUR, "expires")
    assert when(PollHints(expires=NOW + 5 * HOUR)) == PollSchedule(NOW + 5 * HOUR, "expires")
    assert when(PollHints(expires=NOW - HOUR, date=NOW)) == PollSchedule()
    assert when(PollHints(max_age=0, expires=NOW + 5 * HOUR, date=NOW)) == PollSchedule()


def test_no_store_drops_the_headers_wait_but_not_the_feeds() -> None:
    assert when(PollHints(max_age=86400, no_store=True)) == PollSchedule()
    hints = PollHints(max_age=86400, no_store=True, feed=FeedHints(ttl_minutes=180))
    assert when(hints) == PollSchedule(NOW + 3 * HOUR, "ttl")


def test_a_304_uses_the_hints_kept_from_the_last_feed_read() -> None:
    kept = FeedHints(ttl_minutes=240)
    assert when(PollHints(), feed=kept) == PollSchedule(NOW + 4 * HOUR, "ttl")
    assert when(PollHints(feed=FeedHints(ttl_minutes=60)), feed=kept) == PollSchedule(NOW + HOUR, "ttl")
    assert hints_from_json(hints_json(FeedHints(3, "daily", 2, (0, 23), ("Sunday",)))) == FeedHints(
        3, "daily", 2, (0, 23), ("Sunday",)
    )
    assert hints_from_json("not json") is None
    assert hints_from_json(None) is None


def test_skip_hours_covering_now_defer_to_the_first_hour_outside_them() -> None:
    skipping = PollHints(feed=FeedHints(skip_hours=(10, 11)))
    assert when(skipping) == PollSchedule(datetime(2026, 12, 3, 12, tzinfo=UTC), "skipHours")
    # a wait that ends inside the skipped hours is moved past them too
    later = PollHints(feed=FeedHints(ttl_minutes=120, skip_hours=(12, 13)))
    assert when(later) == PollSchedule(datetime(2026, 12, 3, 14, tzinfo=UTC), "skipHours")
    # hours that do not cover the time change nothing
    assert when(PollHints(feed=FeedHints(ttl_minutes=120, skip_hours=(3,)))) == PollSchedule(NOW + 2 * HOUR, "ttl")
    # a feed that skips every hour has asked for nothing usable
    assert when(PollHints(feed=FeedHints(skip_hours=tuple(range(24))))) == PollSchedule()


def test_skip_days_defer_to_the_next_day_allowed_within_a_day() -> None:
    thursday = PollHints(feed=FeedHints(skip_days=("Thursday",)))
    assert when(thursday) == PollSchedule(datetime(2026, 12, 4, tzinfo=UTC), "skipDays")
    two_days = PollHints(feed=FeedHints(skip_days=("Thursday", "Friday")))
    assert when(two_days) == PollSchedule(NOW + 24 * HOUR, "skipDays")  # held to the longest interval


def test_the_publishing_rate_sets_its_own_interval_within_the_bounds() -> None:
    assert when(PollHints(), PublishingHistory(entries=56, days=28)) == PollSchedule(NOW + 12 * HOUR, "adaptive")
    assert when(PollHints(), PublishingHistory(entries=0, days=28)) == PollSchedule(NOW + 24 * HOUR, "adaptive")
    busy = PublishingHistory(entries=2800, days=28)  # 100 a day: held to the shortest interval, our own
    assert when(PollHints(), busy) == PollSchedule()
    assert when(PollHints(), PublishingHistory(entries=3, days=0.5)) == PollSchedule()  # too little history
    bounded = cadence_policy(interval=1800.0, min_interval=4 * 3600.0, max_interval=8 * 3600.0, history_days=28.0)
    assert schedule_when_ok(NOW, PollHints(), busy, bounded) == PollSchedule(NOW + 4 * HOUR, "adaptive")
    quiet = PublishingHistory(entries=1, days=28)
    assert schedule_when_ok(NOW, PollHints(), quiet, bounded) == PollSchedule(NOW + 8 * HOUR, "adaptive")


def test_the_rate_and_the_server_each_say_not_before_the_longer_wins() -> None:
    twice_daily = PublishingHistory(entries=56, days=28)
    assert when(PollHints(feed=FeedHints(ttl_minutes=60)), twice_daily) == PollSchedule(NOW + 12 * HOUR, "adaptive")
    assert when(PollHints(max_age=86400), twice_daily) == PollSchedule(NOW + 24 * HOUR, "cache-control")


# Whole runs: the pipeline without Prefect against a real local server and a real warehouse.


def rss(channel: str = "") -> bytes:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{channel}</channel></rss>'.encode()


def serve(body: bytes, **headers: str) -> FixtureServer:
    route = Route(body=body, headers={"Content-Type": "application/rss+xml", **headers}, conditional=True)
    return FixtureServer({"/feed": route})


def schedule(db: Path) -> tuple[Any, ...]:
    with duckdb.connect(str(db), read_only=True) as conn:
        row = conn.execute("SELECT next_poll_at, wait_reason FROM source_state WHERE source = 'outlet'").fetchone()
    assert row is not None
    return row


@pytest.fixture
def cached() -> Iterator[FixtureServer]:
    """A feed that asks, three ways, not to be read again for a day."""
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    server = serve(
        rss("<ttl>1440</ttl>"), **{"Cache-Control": "max-age=86400", "Expires": format_datetime(tomorrow, usegmt=True)}
    )
    yield server
    server.close()


def test_a_feed_that_asks_for_a_day_is_not_polled_by_the_next_run_but_is_with_force(
    tmp_path: Path, cached: FixtureServer
) -> None:
    sources, db = sources_file(tmp_path, cached), tmp_path / "w.duckdb"
    before = datetime.now(UTC)
    assert ingest_without_prefect(sources, str(db)).sources_ok == ["outlet"]
    next_at, reason = schedule(db)
    assert reason == "cache-control"
    assert before + timedelta(hours=23, minutes=59) < next_at <= datetime.now(UTC) + timedelta(days=1)

    second = ingest_without_prefect(sources, str(db))
    assert len(cached.requests_for("/feed")) == 1, "the next run must not ask for the feed"
    assert second.sources_ok == []
    assert second.sources_waiting["outlet"].startswith("cache-control until ")

    forced = ingest_without_prefect(sources, str(db), force=True)
    assert len(cached.requests_for("/feed")) == 2
    assert forced.sources_ok == ["outlet"]
    # The forced poll was answered 304 with the same headers, so the wait is set again.
    assert schedule(db)[1] == "cache-control"


def test_a_feed_with_a_short_ttl_is_polled_again_as_usual(tmp_path: Path) -> None:
    server = serve(rss("<ttl>5</ttl>"), **{"Cache-Control": "max-age=300"})
    try:
        sources, db = sources_file(tmp_path, server), tmp_path / "w.duckdb"
        ingest_without_prefect(sources, str(db))
        assert schedule(db) == (None, None)
        second = ingest_without_prefect(sources, str(db))
        assert len(server.requests_for("/feed")) == 2
        assert second.sources_ok == ["outlet"]
        assert second.sources_waiting == {}
    finally:
        server.close()


def test_a_ttl_kept_from_the_last_feed_read_still_counts_after_a_304(tmp_path: Path) -> None:
    server = serve(rss("<ttl>240</ttl>"))
    try:
        sources, db = sources_file(tmp_path, server), tmp_path / "w.duckdb"
        ingest_without_prefect(sources, str(db))
        assert schedule(db)[1] == "ttl"
        ingest_without_prefect(sources, str(db), force=True)  # answered 304: no feed read this time
        assert [s.path for s in server.seen] == ["/feed", "/feed"]
        assert schedule(db)[1] == "ttl"
    finally:
        server.close()


def test_skip_hours_covering_the_current_hour_defer_the_feed(tmp_path: Path) -> None:
    hour = datetime.now(UTC).hour
    # the next hour too, so the test holds when it runs across the turn of an hour
    hours = "".join(f"<hour>{h}</hour>" for h in (hour, (hour + 1) % 24))
    server = serve(rss(f"<skipHours>{hours}</skipHours>"))
    try:
        sources, db = sources_file(tmp_path, server), tmp_path / "w.duckdb"
        ingest_without_prefect(sources, str(db))
        next_at, reason = schedule(db)
        assert reason == "skipHours"
        assert next_at.astimezone(UTC).hour not in (hour, (hour + 1) % 24)
        assert next_at.minute == 0
        second = ingest_without_prefect(sources, str(db))
        assert len(server.requests_for("/feed")) == 1
        assert second.sources_waiting["outlet"].startswith("skipHours until ")
    finally:
        server.close()


def test_a_source_that_posts_four_times_a_day_is_polled_every_six_hours(tmp_path: Path) -> None:
    server = serve(rss())
    try:
        sources, db = sources_file(tmp_path, server), tmp_path / "w.duckdb"
        ingest_without_prefect(sources, str(db))
        assert schedule(db) == (None, None)  # no history yet: every run
        now = datetime.now(UTC)
        # Its first landing 20 days ago (a backlog, not counted), then four entries a day since.
        history = [("outlet", "first", now - timedelta(days=20))] + [
            ("outlet", f"e{n}", now - timedelta(days=20) + timedelta(hours=6 * (n + 1))) for n in range(80)
        ]
        with duckdb.connect(str(db)) as conn:
            conn.executemany("INSERT INTO entries (source, entry_key, first_seen_at) VALUES (?, ?, ?)", history)
        started = datetime.now(UTC)
        ingest_without_prefect(sources, str(db))
        next_at, reason = schedule(db)
        assert reason == "adaptive"
        assert started + timedelta(hours=5, minutes=55) < next_at < started + timedelta(hours=6, minutes=5)
        third = ingest_without_prefect(sources, str(db))
        assert len(server.requests_for("/feed")) == 2
        assert third.sources_waiting["outlet"].startswith("adaptive until ")
    finally:
        server.close()


def test_status_shows_each_sources_next_poll_and_why(tmp_path: Path, cached: FixtureServer) -> None:
    sources, db = sources_file(tmp_path, cached), tmp_path / "w.duckdb"
    ingest_without_prefect(sources, str(db))
    runner = CliRunner()
    result = runner.invoke(app, ["status", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    row = next(r for r in json.loads(result.stdout)["sources"] if r["source"] == "outlet")
    assert row["wait_reason"] == "cache-control"
    assert row["next_poll_at"] is not None
    result = runner.invoke(app, ["status", "--db", str(db)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "outlet" in line)
    assert "cache-control" in line
    assert " UTC (in 23 h " in line
    seed = next(line for line in result.stdout.splitlines() if "seed" in line)
    assert "next run" in seed
