"""A source's time budget per run and which failed polls are tried again, on a real server that stalls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from extractors import errors
from extractors.sources import Source
from flows.ingest import poll_feed_task, prefect_poller
from flows.poll_budget import retry_worth_it
from flows.runs import ingest_without_prefect, plain_poller
from flows.settings import Settings
from tests.fixture_server import FixtureServer, Route
from tests.flows.test_plan import ITEMS, outlet
from tests.outlet import rows
from tests.policies import fetch_policy

RSS = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


def _stall(handler: BaseHTTPRequestHandler) -> None:
    """Headers, then one byte of the body every 0.2 s: each byte comes well inside the read timeout."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    try:
        for _ in range(1000):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.2)
    except OSError:
        return  # the client gave up, as it should


@pytest.fixture
def web() -> Iterator[FixtureServer]:
    server = FixtureServer({"/slow.xml": _stall, "/busy.xml": Route(RSS, status=503), "/ok.xml": Route(RSS)})
    yield server
    server.close()


def _requests(web: FixtureServer, path: str) -> int:
    return sum(seen.path == path for seen in web.seen)


def test_a_stalling_feed_is_stopped_at_the_source_budget_with_that_reason(web: FixtureServer) -> None:
    """Deadline 1.5 s, budget 2.5 s: the first try times out, the second gets what is left, then the source is
    out of time; without the budget the three configured tries would take 4.5 s."""
    policy = fetch_policy(deadline=1.5)
    with ThreadPoolExecutor(2) as pool:
        poll = plain_poller(lambda _: policy, pool, retries=2, retry_delay=0, budget=2.5)
        started = time.monotonic()
        with pytest.raises(errors.SourceOutOfTime) as info:
            poll(Source("slow", web.url("/slow.xml")), None, None).result()
        took = time.monotonic() - started
    assert 2.4 < took < 4.0
    assert _requests(web, "/slow.xml") == 2
    assert info.value.kind == "source_budget"
    assert "no complete answer within the source's 2.5 s for this run" in str(info.value)
    assert "TEALEAVES_SOURCE_BUDGET" in str(info.value)
    assert info.value.hops, "the requests made are recorded as any failed poll's are"


def test_a_timeout_is_tried_again_once_however_many_retries_are_set(web: FixtureServer) -> None:
    policy = fetch_policy(deadline=0.6)
    with ThreadPoolExecutor(2) as pool:
        poll = plain_poller(lambda _: policy, pool, retries=5, retry_delay=0, budget=60)
        with pytest.raises(errors.FetchTimeout) as info:
            poll(Source("slow", web.url("/slow.xml")), None, None).result()
    assert not isinstance(info.value, errors.SourceOutOfTime)
    assert _requests(web, "/slow.xml") == 2


def test_a_busy_server_is_retried_as_configured_and_an_answer_ends_the_poll(web: FixtureServer) -> None:
    with ThreadPoolExecutor(2) as pool:
        poll = plain_poller(lambda _: fetch_policy(), pool, retries=2, retry_delay=0, budget=60)
        with pytest.raises(errors.ServerBusy):
            poll(Source("busy", web.url("/busy.xml")), None, None).result()
        assert poll(Source("ok", web.url("/ok.xml")), None, None).result().status == 200
    assert (_requests(web, "/busy.xml"), _requests(web, "/ok.xml")) == (3, 1)


@pytest.mark.parametrize(
    ("error", "attempts", "again"),
    [
        (errors.FetchTimeout("t"), 1, True),
        (errors.FetchTimeout("t"), 2, False),
        (errors.SourceOutOfTime("t"), 1, False),
        (errors.ServerBusy("b", status=503, retry_after=None), 2, True),
        (errors.ServerBusy("b", status=429, retry_after=30.0), 1, False),
        (errors.ConnectionFailed("c"), 3, True),
        (errors.NotAFeed("n"), 1, False),
        (ValueError("a bug"), 1, False),
    ],
)
def test_which_failures_are_tried_again(error: BaseException, attempts: int, again: bool) -> None:
    assert retry_worth_it(error, attempts) is again


@pytest.mark.usefixtures("prefect_harness")
def test_the_poll_feed_task_keeps_the_same_rules_and_is_named_after_its_source(web: FixtureServer) -> None:
    """Prefect's retries of the task: a timeout tried once more, then the source is out of its budget."""
    from prefect import flow

    settings = Settings(task_retries=3, retry_delay=0, source_budget=2.0)
    poll = prefect_poller(settings, lambda _: fetch_policy(deadline=0.8))

    @flow
    def one_poll() -> bool:
        future = poll(Source("slow", web.url("/slow.xml")), None, None)
        future.wait()  # type: ignore[attr-defined]
        return bool(future.state.is_failed())  # type: ignore[attr-defined]

    started = time.monotonic()
    assert one_poll() is True
    assert time.monotonic() - started < 10
    assert _requests(web, "/slow.xml") == 2
    assert poll_feed_task.task_run_name == "poll {source.name}"


def test_a_run_lands_the_other_sources_and_records_the_one_out_of_time(
    tmp_path: Path, web: FixtureServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stalled source fails with its reason and backs off; the source beside it lands its piece."""
    server = outlet(ITEMS[:1])
    path = tmp_path / "sources.toml"
    path.write_text(
        '[settings]\nallow_hosts = ["127.0.0.1"]\n\n'
        f'[[source]]\nname = "stalled"\nfeed = "{web.url("/slow.xml")}"\n\n'
        f'[[source]]\nname = "open"\nfeed = "{server.url("/feed")}"\n',
        encoding="utf-8",
    )
    for name, value in {"DEADLINE": "1", "SOURCE_BUDGET": "1.5", "RETRY_DELAY": "0"}.items():
        monkeypatch.setenv(f"TEALEAVES_{name}", value)
    db = tmp_path / "w.duckdb"
    try:
        summary = ingest_without_prefect(str(path), str(db))
    finally:
        server.close()
    assert summary.documents_new == 1
    assert rows(db, "SELECT source, stage, kind FROM failures") == [("stalled", "feed", "source_budget")]
    assert rows(db, "SELECT source FROM documents WHERE source <> 'seed'") == [("open",)]
    [(failures, next_poll_later)] = rows(
        db, "SELECT consecutive_failures, next_poll_at > now() FROM source_state WHERE source = 'stalled'"
    )
    assert (failures, next_poll_later) == (1, True)
