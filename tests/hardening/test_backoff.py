"""Failing sources back off, honour Retry-After and pause; one success resets them. Which errors are
worth retrying at all is decided by the error tree, checked here against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb
import pytest

from extractors import errors
from extractors.fetch import Fetcher
from extractors.harvest import poll_feed
from tests.fixture_server import FixtureServer, Route
from tests.policies import backoff_policy, fetch_policy
from warehouse import load, state
from warehouse.db import open_writer
from warehouse.records import SourceBatch
from warehouse.sqlfiles import sql
from warehouse.state import next_poll

NOW = datetime(2025, 3, 12, 8, tzinfo=UTC)
POLICY = backoff_policy()


def seconds(schedule: state.PollSchedule) -> float:
    assert schedule.next_poll_at is not None
    return (schedule.next_poll_at - NOW).total_seconds()


def test_a_success_means_the_next_run() -> None:
    assert next_poll(NOW, 0, policy=POLICY) == state.PollSchedule()


def test_backoff_doubles_with_jitter_and_stops_at_the_cap() -> None:
    for failures in range(1, POLICY.pause_after):
        nominal = min(POLICY.cap, POLICY.base * 2 ** (failures - 1))
        low = seconds(next_poll(NOW, failures, rand=lambda: 0.0, policy=POLICY))
        high = seconds(next_poll(NOW, failures, rand=lambda: 0.999999, policy=POLICY))
        assert low == pytest.approx(nominal * (1 - POLICY.jitter))
        assert high == pytest.approx(nominal * (1 + POLICY.jitter), rel=1e-5)
    assert seconds(next_poll(NOW, 9, rand=lambda: 0.5, policy=POLICY)) == POLICY.cap
    assert next_poll(NOW, 3, policy=POLICY).reason == "backoff"
    assert not next_poll(NOW, 3, policy=POLICY).paused


def test_retry_after_is_a_floor_the_jitter_cannot_undercut() -> None:
    schedule = next_poll(NOW, 1, retry_after=7200, rand=lambda: 0.0, policy=POLICY)
    assert seconds(schedule) == 7200
    assert schedule.reason == "retry_after"
    far = next_poll(NOW, 1, retry_after=10 * 365 * 24 * 3600.0, policy=POLICY)
    assert seconds(far) == POLICY.max_retry_after  # "come back in ten years" is held to a week
    shorter = next_poll(NOW, 1, retry_after=5, rand=lambda: 0.5, policy=POLICY)
    assert shorter.reason == "backoff"  # shorter than the backoff


def test_a_source_that_keeps_failing_is_paused() -> None:
    schedule = next_poll(NOW, POLICY.pause_after, rand=lambda: 0.0, policy=POLICY)
    assert schedule.paused
    assert schedule.reason == "paused"
    assert seconds(schedule) >= POLICY.paused_retry


@pytest.fixture(scope="module")
def _busy_site() -> Iterator[FixtureServer]:
    later = format_datetime(datetime.now(UTC) + timedelta(hours=3), usegmt=True)
    srv = FixtureServer(
        {
            "/busy-seconds": Route(status=503, body=b"later", headers={"Retry-After": "5400"}),
            "/busy-date": Route(status=429, body=b"slow down", headers={"Retry-After": later}),
            "/gone": Route(status=404, body=b"no"),
            "/html": Route(body=b"<!DOCTYPE html><html><body>hi</body></html>"),
            "/feed": Route(body=b'<rss version="2.0"><channel><title>ok</title></channel></rss>'),
        }
    )
    yield srv
    srv.close()


@pytest.fixture
def busy_site(_busy_site: FixtureServer) -> FixtureServer:
    _busy_site.seen.clear()
    return _busy_site


def run(conn: duckdb.DuckDBPyConnection, server: FixtureServer, path: str, now: datetime) -> state.PollSchedule | None:
    """One scheduled run for the source 's': skipped when not due, else poll, land and schedule."""
    if "s" in state.not_due(conn, ["s"], now=now):
        return None
    with Fetcher(fetch_policy()) as fetcher:
        try:
            poll_feed(fetcher, server.url(path), etag=None, last_modified=None)
        except errors.ExtractorError as exc:
            load.land_batch(conn, "r", SourceBatch(source="s", feed_status="failed", error=str(exc)))
            return state.schedule_after_poll(
                conn, "s", policy=POLICY, retry_after=getattr(exc, "retry_after", None), now=now
            )
    load.land_batch(conn, "r", SourceBatch(source="s", feed_status="ok"))
    return state.schedule_after_poll(conn, "s", policy=POLICY, now=now)


@pytest.mark.parametrize(("path", "wait"), [("/busy-seconds", 5400), ("/busy-date", 3 * 3600)])
def test_no_request_before_the_time_the_server_gave(
    busy_site: FixtureServer, tmp_path: Path, path: str, wait: int
) -> None:
    now = datetime.now(UTC)
    with open_writer(tmp_path / "w.duckdb") as conn:
        state.register_sources(conn, [("s", busy_site.url(path), None)])
        first = run(conn, busy_site, path, now)
        assert first is not None
        assert first.reason == "retry_after"
        assert first.next_poll_at is not None
        assert first.next_poll_at >= now + timedelta(seconds=wait - 120)
        for minutes in (30, 60, wait // 60 - 2):  # the runs every 30 minutes until then do not ask
            assert run(conn, busy_site, path, now + timedelta(minutes=minutes)) is None
        assert len(busy_site.requests_for(path)) == 1
        assert run(conn, busy_site, path, first.next_poll_at + timedelta(seconds=1)) is not None
        assert len(busy_site.requests_for(path)) == 2


def test_paused_after_n_failures_shown_in_status_and_one_success_resets(
    busy_site: FixtureServer, tmp_path: Path
) -> None:
    db = tmp_path / "w.duckdb"
    policy = backoff_policy(pause_after=3)
    with open_writer(db) as conn:
        state.register_sources(conn, [("s", busy_site.url("/gone"), None)])
        for _ in range(3):
            load.land_batch(conn, "r", SourceBatch(source="s", feed_status="failed", error="404"))
            schedule = state.schedule_after_poll(conn, "s", now=NOW, policy=policy)
        assert schedule.paused
        assert state.not_due(conn, ["s"], now=NOW + timedelta(hours=12))["s"].paused
        status = conn.execute(sql("health/source_status")).fetchall()
        assert [(r[0], r[1], r[4], r[6]) for r in status] == [("s", "paused", 3, "paused")]
        load.land_batch(conn, "r", SourceBatch(source="s", feed_status="ok"))
        assert state.schedule_after_poll(conn, "s", now=NOW, policy=policy) == state.PollSchedule()
        row = conn.execute("SELECT consecutive_failures, next_poll_at, paused_at FROM source_state").fetchone()
        assert row == (0, None, None)
        assert conn.execute(sql("health/source_status")).fetchone()[1] == "ok"  # type: ignore[index]


def test_resume_clears_a_pause(tmp_path: Path) -> None:
    with open_writer(tmp_path / "w.duckdb") as conn:
        state.register_sources(conn, [("s", "https://s/feed", None)])
        for _ in range(POLICY.pause_after):
            load.land_batch(conn, "r", SourceBatch(source="s", feed_status="failed", error="x"))
        state.schedule_after_poll(conn, "s", policy=POLICY, now=NOW)
        assert "s" in state.not_due(conn, ["s"], now=NOW)
        state.resume(conn, "s")
        assert state.not_due(conn, ["s"], now=NOW) == {}
        assert state.source_state(conn, "s").consecutive_failures == 0


@pytest.mark.parametrize(
    ("path", "transient"),
    [("/busy-seconds", True), ("/busy-date", True), ("/gone", False), ("/html", False)],
)
def test_transient_errors_are_retryable_and_permanent_ones_are_not(
    busy_site: FixtureServer, path: str, transient: bool
) -> None:
    with (
        Fetcher(fetch_policy()) as fetcher,
        pytest.raises(errors.ExtractorError) as info,
    ):
        poll_feed(fetcher, busy_site.url(path), etag=None, last_modified=None)
    assert info.value.transient is transient
    assert isinstance(info.value, errors.TransientError if transient else errors.PermanentError)
