"""The ingest flow: the seed corpus, then every due source's feed → new pages → one transaction per source.

The pipeline itself is plain code (``flows.pipeline``); this module is its Prefect adapter: each feed poll
is a ``poll-feed`` task run (with its retries), new documents become events, and the run ends with the
completion event that triggers the analysis and the artifacts the UI shows.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from extractors.fetch import FetchPolicy
from extractors.harvest import FeedPoll
from extractors.sources import Source
from flows import reporting
from flows.pipeline import IngestSummary, Poller, PollFuture, Progress
from flows.poll_budget import poll_within_budget, retry_worth_it
from flows.runs import run_inputs
from flows.settings import Settings


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry as the plain poller does (flows/poll_budget.py): transient failures, a timeout once, within budget."""
    try:
        state.result()
    except Exception as exc:
        return retry_worth_it(exc, task_run.run_count)
    return False


@task(
    name="poll-feed",
    task_run_name="poll {source.name}",
    cache_policy=NO_CACHE,
    retry_condition_fn=_retry_transient,
)
def poll_feed_task(
    source: Source, policy: FetchPolicy, etag: str | None, last_modified: str | None, ends_at: float, budget: float
) -> FeedPoll:
    """Conditional GET of one feed, parsed unless 304, within what is left of the source's time budget."""
    return poll_within_budget(source, policy, etag, last_modified, ends_at=ends_at, budget=budget)


def prefect_poller(settings: Settings, policy_for: Callable[[Source], FetchPolicy]) -> Poller:
    """Polls as ``poll-feed`` task runs, retried after transient errors."""
    polling = poll_feed_task.with_options(retries=settings.task_retries, retry_delay_seconds=settings.retry_delay)
    budget = settings.source_budget

    def poll(source: Source, etag: str | None, last_modified: str | None) -> PollFuture:
        ends_at = time.time() + budget
        future: PollFuture = polling.submit(source, policy_for(source), etag, last_modified, ends_at, budget)
        return future

    return poll


class PrefectEvents:
    """Each new document as a ``tealeaves.document.landed`` event, sent as its source lands."""

    def documents_landed(self, documents: Any) -> None:
        """Emit one event per document."""
        reporting.emit_document_events(documents)


@flow(name="ingest", log_prints=True)
def ingest(
    sources_path: str | None = None,
    db: str | None = None,
    source_names: list[str] | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    """Load the seed corpus, poll every source that is due (all of them with ``force``), fetch new pages
    and land each source in one transaction."""
    settings = Settings()
    inputs = run_inputs(settings, sources_path, db, source_names)
    finished = inputs.run(
        run_id=str(flow_run.get_id() or uuid.uuid4()),
        force=force,
        poll=prefect_poller(settings, inputs.policy_for),
        events=PrefectEvents(),
        progress=progress,
        log=get_run_logger(),
    )
    reporting.emit_completed(finished.summary)
    reporting.publish_artifacts(finished.summary, finished.failures, finished.health, settings.poll_interval)
    return finished.summary


if __name__ == "__main__":
    ingest()
