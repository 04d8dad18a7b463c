"""When a source that answered is polled next: as its server asks, and as often as it posts.

The server's hints (Cache-Control max-age, Expires, RSS <ttl>, sy:updatePeriod / sy:updateFrequency) each
say "not before"; the longest wins. The source's publishing rate over the last weeks gives an interval of its
own (a day divided by its entries per day, within the settings' bounds). The longer of the two is the wait,
held to the longest interval; a wait no longer than the runs' own interval leaves the source to the next
run. skipHours / skipDays then move that time out of the hours and days the feed asks to be left alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from extractors.models import FeedHints, PollHints
from warehouse.state import PollSchedule

DAY = 24 * 3600.0
# Seconds in each sy:updatePeriod (the syndication module's own words; a month and a year as a calendar's).
PERIODS = {"hourly": 3600.0, "daily": DAY, "weekly": 7 * DAY, "monthly": 30 * DAY, "yearly": 365 * DAY}


@dataclass(frozen=True)
class CadencePolicy:
    """How often a source that answered is polled; built by ``Settings.cadence_policy``."""

    interval: float  # seconds between runs: a shorter wait is no wait (the next run polls)
    min_interval: float  # the publishing rate never asks for polls closer than this
    max_interval: float  # the longest wait, whatever the server or the rate says
    history_days: float  # how far back the publishing rate is counted


@dataclass(frozen=True)
class PublishingHistory:
    """How much a source posted lately: entries first seen over ``days`` days of watching."""

    entries: int
    days: float


def server_wait(now: datetime, hints: PollHints, feed: FeedHints | None) -> tuple[float, str] | None:
    """The longest "not before" among the server's hints, in seconds, with its name (None: no hint)."""
    waits: list[tuple[float, str]] = []
    if not hints.no_store:
        if hints.max_age is not None:
            waits.append((hints.max_age, "cache-control"))
        elif hints.expires is not None:  # max-age overrides Expires (RFC 9111, 5.3)
            # Read against the server's own clock when it gave one, so a skewed clock does not shift it.
            waits.append(((hints.expires - (hints.date or now)).total_seconds(), "expires"))
    if feed is not None:
        if feed.ttl_minutes:
            waits.append((feed.ttl_minutes * 60.0, "ttl"))
        if feed.update_period:
            waits.append((PERIODS[feed.update_period] / (feed.update_frequency or 1), "sy:updatePeriod"))
    waits = [w for w in waits if w[0] > 0]
    return max(waits, key=lambda w: w[0]) if waits else None


def adaptive_wait(history: PublishingHistory | None, policy: CadencePolicy) -> float | None:
    """A day divided by the entries per day, within the bounds (None: less than a day of history)."""
    if history is None or history.days < 1:
        return None
    per_day = history.entries / history.days
    wait = DAY / per_day if per_day > 0 else policy.max_interval
    return min(policy.max_interval, max(policy.min_interval, wait))


def _skipped(when: datetime, feed: FeedHints) -> str | None:
    if when.strftime("%A") in feed.skip_days:
        return "skipDays"
    if when.hour in feed.skip_hours:
        return "skipHours"
    return None


def _out_of_skips(when: datetime, feed: FeedHints) -> tuple[datetime, str | None]:
    """The first time at or after ``when`` outside the feed's skipped hours and days (GMT)."""
    reason = _skipped(when, feed)
    if reason is None or len(feed.skip_hours) >= 24 or len(feed.skip_days) >= 7:
        return when, None  # a feed that skips every hour or every day has asked for nothing usable
    hour = when.replace(minute=0, second=0, microsecond=0)
    while _skipped(hour, feed):
        hour += timedelta(hours=1)
    return hour, reason


def schedule_when_ok(
    now: datetime,
    hints: PollHints,
    history: PublishingHistory | None,
    policy: CadencePolicy,
    *,
    feed: FeedHints | None = None,
) -> PollSchedule:
    """The next poll of a source whose poll succeeded at ``now`` (UTC), and why.

    ``feed`` stands in for ``hints.feed`` when the answer was a 304 (the hints of the last feed read)."""
    feed = hints.feed or feed
    waits = [server_wait(now, hints, feed)]
    if (adaptive := adaptive_wait(history, policy)) is not None:
        waits.append((adaptive, "adaptive"))
    wait, reason = max((w for w in waits if w), key=lambda w: w[0], default=(0.0, None))
    wait = min(wait, policy.max_interval)
    when = now + timedelta(seconds=wait) if wait > policy.interval else now
    if feed is not None:
        when, skip = _out_of_skips(when, feed)
        if skip:
            when, reason = min(when, now + timedelta(seconds=policy.max_interval)), skip
    if when <= now:
        return PollSchedule()
    return PollSchedule(when, reason)


def hints_json(feed: FeedHints) -> str:
    """A feed's polling hints as the warehouse keeps them."""
    return json.dumps(asdict(feed), sort_keys=True)


def hints_from_json(kept: str | None) -> FeedHints | None:
    """Polling hints kept by ``hints_json`` (None when none were kept or they no longer read)."""
    if not kept:
        return None
    try:
        values = json.loads(kept)
        return FeedHints(
            ttl_minutes=values.get("ttl_minutes"),
            update_period=values.get("update_period") if values.get("update_period") in PERIODS else None,
            update_frequency=values.get("update_frequency"),
            skip_hours=tuple(int(h) for h in values.get("skip_hours", ())),
            skip_days=tuple(str(d) for d in values.get("skip_days", ())),
        )
    except (ValueError, TypeError, AttributeError):
        return None  # written by another version: the next feed read replaces it
