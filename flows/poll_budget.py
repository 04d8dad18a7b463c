"""How long one source's feed poll may take in a run, and which failures are worth another try.

A feed that trickles its answer would otherwise hold a run for the request deadline once per attempt; the
budget covers every attempt of a source together, and a timeout is tried again at most once."""

from __future__ import annotations

import dataclasses
import time

from extractors import errors
from extractors.fetch import Fetcher, FetchPolicy
from extractors.harvest import FeedPoll, poll_feed
from extractors.sources import Source


def retry_worth_it(exc: BaseException, attempts: int) -> bool:
    """Whether a poll that failed with ``exc`` after ``attempts`` tries should be tried again now."""
    if isinstance(exc, errors.SourceOutOfTime) or not isinstance(exc, errors.TransientError):
        return False
    if isinstance(exc, errors.ServerBusy):
        # The server said when to come back: the source's schedule waits for that, not a quick retry.
        return exc.retry_after is None
    # A server too slow once is likely slow again: one more try, not one per configured retry.
    return not (isinstance(exc, errors.FetchTimeout) and attempts >= 2)


def poll_within_budget(
    source: Source,
    policy: FetchPolicy,
    etag: str | None,
    last_modified: str | None,
    *,
    ends_at: float,
    budget: float,
) -> FeedPoll:
    """One attempt at ``source``'s feed, its deadline shortened to what is left of the budget (``ends_at``
    is a ``time.time()``: it holds across Prefect's retries of the task, which may run on another thread)."""
    left = ends_at - time.time()
    if left <= 0:
        raise _out_of_time(source, budget)
    shortened = policy.deadline > left
    attempt_policy = dataclasses.replace(policy, deadline=left) if shortened else policy
    try:
        with Fetcher(attempt_policy) as fetcher:
            return poll_feed(fetcher, source.feed, etag=etag, last_modified=last_modified)
    except errors.FetchTimeout as exc:
        if shortened:
            spent = _out_of_time(source, budget)
            spent.hops = exc.hops  # the requests made are recorded all the same
            raise spent from exc
        raise


def _out_of_time(source: Source, budget: float) -> errors.SourceOutOfTime:
    return errors.SourceOutOfTime(
        f"{source.feed}: no complete answer within the source's {budget:g} s for this run (polls and retries "
        "together); it backs off and is tried again later. If the feed is just slow, raise "
        "TEALEAVES_SOURCE_BUDGET.",
        url=source.feed,
    )
