"""Every setting tealeaves reads, in one place (environment prefix TEALEAVES_)."""

from __future__ import annotations

import os
import sys
import tomllib
from collections.abc import Sequence
from importlib import resources
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, ModelWrapValidatorHandler, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from extractors.errors import ConfigError

if TYPE_CHECKING:  # the builders import what they build: every command reads the settings first, cheaply
    from extractors.fetch import FetchPolicy
    from extractors.politeness import PolitenessPolicy
    from flows.cadence import CadencePolicy
    from flows.pipeline import RunLimits
    from warehouse.state import BackoffPolicy
from warehouse.query import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT

__version__ = version("tealeaves")
# Where a site operator who sees tealeaves in their logs finds who runs it and how to reach them.
CONTACT_URL = "https://github.com/tealeaves/tealeaves"
USER_AGENT = f"tealeaves/{__version__} (+{CONTACT_URL}; commentary reader)"
# Shipped inside the extractors package, so an installed wheel finds them whatever the working folder.
PACKAGE_DATA = resources.files("extractors") / "data"
RELEASE_EVERY = 16 * 2**20  # bytes of raw pages landed between two returns of DuckDB's memory to the system
HOUR = 3600.0
DAY = 24 * HOUR
KIB, MIB, GIB = 2**10, 2**20, 2**30


class SettingsError(ConfigError):
    """Raised when settings in the environment are outside their allowed ranges; one line per variable."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def _figure(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _shown(value: object) -> str:
    return _figure(value) if isinstance(value, int | float) else str(value)


def _bounded(allowed: str, description: str, **field: Any) -> Any:
    """A Field whose allowed range is stated in its description and kept for the error that names it."""
    return Field(description=f"{description} Allowed: {allowed}.", json_schema_extra={"allowed": allowed}, **field)


def _whole(description: str, *, low: int, high: int, noun: str = "a whole number", **field: Any) -> Any:
    """An integer setting from ``low`` to ``high``; ``field`` holds its default or default_factory."""
    return _bounded(f"{noun} from {_figure(low)} to {_figure(high)}", description, ge=low, le=high, **field)


def _finite(
    default: float,
    description: str,
    *,
    noun: str,
    gt: float | None = None,
    ge: float | None = None,
    le: float | None = None,
    lt: float | None = None,
) -> Any:
    """A float setting within the given bounds (one lower, one upper), never NaN or infinite."""
    lower = f"> {_figure(gt)}" if gt is not None else f"≥ {_figure(ge)}" if ge is not None else None
    upper = f"≤ {_figure(le)}" if le is not None else f"< {_figure(lt)}" if lt is not None else None
    if lower is None or upper is None:
        raise TypeError(f"{description!r} needs a lower bound (gt or ge) and an upper one (le or lt)")
    allowed = f"{noun} {lower} and {upper} (finite)"
    return _bounded(allowed, description, default=default, gt=gt, ge=ge, le=le, lt=lt, allow_inf_nan=False)


def _seconds(default: float, description: str, **bounds: float) -> Any:
    """A duration setting in seconds (see ``_finite``)."""
    return _finite(default, description, noun="a number of seconds", **bounds)


class Settings(BaseSettings):
    """tealeaves settings; each can be set as TEALEAVES_<NAME> in the environment."""

    model_config = SettingsConfigDict(env_prefix="TEALEAVES_", extra="ignore")

    db: Path = Field(Path("data/tealeaves.duckdb"), description="The warehouse file (flag --db).")
    sources: Path = Field(Path("sources.toml"), description="The sources file (flag --sources).")
    seed_dir: Path = Field(Path(str(PACKAGE_DATA / "seed-corpus")), description="Directory of the seed corpus texts.")
    seed_manifest: Path = Field(
        Path(str(PACKAGE_DATA / "seed-manifest.toml")),
        description="Dates and markers read off the seed texts by a person.",
    )
    gazetteer: Path = Field(
        Path(str(PACKAGE_DATA / "gazetteer.toml")),
        description="People, institutions and places counted as mentions, with their spellings (editable).",
    )
    user_agent: str = Field(
        USER_AGENT,
        description="User-Agent sent with every request; robots.txt rules are matched on its first word.",
    )
    connect_timeout: float = _seconds(10.0, "Seconds to establish a connection.", gt=0, le=DAY)
    read_timeout: float = _seconds(20.0, "Seconds to wait for the next bytes of an answer.", gt=0, le=DAY)
    deadline: float = _seconds(60.0, "Overall seconds for one request, redirects and body included.", gt=0, le=DAY)
    min_rate: int = _whole(
        "Bytes a second below which a body that is still arriving is given up: measured over "
        "TEALEAVES_MIN_RATE_WINDOW seconds at a time, so a server that trickles is let go long before the "
        "deadline (0: never).",
        low=0,
        high=GIB,
        noun="a whole number of bytes a second",
        default=1024,
    )
    min_rate_window: float = _seconds(10.0, "Seconds over which TEALEAVES_MIN_RATE is measured.", gt=0, le=HOUR)
    max_bytes: int = _whole(
        "Cap on a decoded response body, in bytes.", low=KIB, high=GIB, noun="a whole number of bytes", default=15 * MIB
    )
    max_redirects: int = _whole("Redirect hops followed per request.", low=0, high=20, default=5)
    page_concurrency: int = _whole("Pages fetched at once per source.", low=1, high=256, default=4)
    extraction_processes: int = _whole(
        "Processes that extract pages (default: one per core; 0: extract in the fetching threads).",
        low=0,
        high=256,
        default_factory=lambda: os.cpu_count() or 1,
    )
    host_concurrency: int = _whole(
        "Requests in flight to one host at a time (all sources together).", low=1, high=1024, default=2
    )
    host_delay: float = _seconds(1.0, "Minimum seconds between the starts of two requests to one host.", ge=0, le=HOUR)
    max_crawl_delay: float = _seconds(
        30.0, "A robots.txt Crawl-delay longer than this many seconds is held to it.", ge=0, le=DAY
    )
    robots_ttl: float = _seconds(
        DAY,
        "Seconds a fetched robots.txt is trusted before it is read again (RFC 9309: a day).",
        ge=0,
        le=30 * DAY,
    )
    max_new_per_source: int = _whole(
        "New entries fetched per source and run; the rest wait.", low=1, high=100_000, default=200
    )
    sources_in_flight: int = _whole(
        "Sources between poll and landing at once in one run (polls overlap when little is new).",
        low=1,
        high=1024,
        default=32,
    )
    pages_in_flight: int = _whole(
        "New pages those sources may hold between them (a source with more starts alone).",
        low=1,
        high=1_000_000,
        default=400,
    )
    task_retries: int = _whole(
        "Retries of a feed poll after a transient error (5xx; a timeout once at most).", low=0, high=20, default=2
    )
    retry_delay: float = _seconds(5.0, "Seconds between those retries.", ge=0, le=HOUR)
    source_budget: float = _seconds(
        90.0,
        "Seconds one source's feed poll may take in a run, retries and their waits included; past it the source "
        "is recorded as a `source_budget` failure and backs off. A timeout is retried at most once per run.",
        gt=0,
        le=DAY,
    )
    backoff_base: float = _seconds(
        900.0,
        "Seconds a source waits after its first failure; doubles with each failure in a row.",
        gt=0,
        le=30 * DAY,
    )
    backoff_cap: float = _seconds(DAY, "The longest wait of a failing source, in seconds.", gt=0, le=30 * DAY)
    # Below 1, so a backoff never shrinks to nothing.
    backoff_jitter: float = _finite(
        0.2,
        "Fraction by which a backoff varies either way, so sources that failed together part.",
        noun="a fraction",
        ge=0,
        lt=1,
    )
    pause_after: int = _whole("Failures in a row after which a source is paused.", low=1, high=10_000, default=10)
    paused_retry: float = _seconds(
        DAY, "Seconds between tries of a paused source; one success un-pauses it.", gt=0, le=30 * DAY
    )
    max_retry_after: float = _seconds(
        7 * DAY, "A server's Retry-After further away than this many seconds is held to it.", gt=0, le=30 * DAY
    )
    backfill_max_sitemaps: int = _whole(
        "Sitemap documents one backfill reads at most (indexes and the sitemaps they list).",
        low=1,
        high=10_000,
        default=100,
    )
    backfill_max_feed_pages: int = _whole(
        "Feed pages (?paged=N) one backfill reads at most, the feed itself included.", low=1, high=1000, default=20
    )
    lock_wait: float = _seconds(30.0, "Seconds a run waits for another writer before giving up.", ge=0, le=DAY)
    poll_interval: float = _seconds(
        1800.0,
        "Seconds between scheduled ingest runs (keep equal to the schedule in prefect.yaml).",
        gt=0,
        le=7 * DAY,
    )
    min_poll_interval: float = _seconds(
        1800.0,
        "Seconds: however often a source posts, its polls are never closer than this.",
        ge=60,
        le=7 * DAY,
    )
    max_poll_interval: float = _seconds(
        DAY,
        "Seconds: the longest a source that answers waits between polls, whatever its server "
        "(Cache-Control, Expires, <ttl>, sy:updatePeriod) or its publishing rate asks.",
        ge=60,
        le=7 * DAY,
    )
    poll_history_days: float = _finite(
        28.0,
        "Days of a source's entries over which its publishing rate (entries per day) is counted.",
        noun="a number of days",
        ge=1,
        le=366,
    )

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_bad_values(cls, data: Any, handler: ModelWrapValidatorHandler[Settings]) -> Settings:
        """Pydantic's report of bad values, turned into one line per variable with its allowed range."""
        try:
            return handler(data)
        except ValidationError as exc:
            raise SettingsError(_problems(exc)) from None

    extraction_timeout: float = _seconds(
        30.0,
        "Seconds one page's extraction may take in a worker process before the worker is stopped and the page "
        "recorded as a failure (raw page kept); not enforced with TEALEAVES_EXTRACTION_PROCESSES=0, where a "
        "thread cannot be stopped.",
        gt=0,
        le=HOUR,
    )
    query_timeout: float = _seconds(
        DEFAULT_TIMEOUT, "Seconds one `tealeaves query` may take, reading and printing its rows included.", gt=0, le=DAY
    )
    query_memory: str = Field(
        DEFAULT_MEMORY_LIMIT,
        pattern=r"^[1-9][0-9]{0,6}(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory limit for one `tealeaves query` (for example 512MB or 4GB).",
    )
    query_max_rows: int = _whole(
        "Rows `tealeaves query` prints at most; its --limit lowers this.", low=1, high=10**9, default=10_000
    )
    query_max_bytes: int = _whole(
        "Bytes of result `tealeaves query` prints at most (JSON or CSV as written, a table's cell text).",
        low=KIB,
        high=2**40,
        noun="a whole number of bytes",
        default=64 * MIB,
    )

    def run_limits(self) -> RunLimits:
        """How much of an ingest run is in flight at once."""
        from flows.pipeline import RunLimits

        return RunLimits(
            sources_in_flight=self.sources_in_flight,
            pages_in_flight=self.pages_in_flight,
            max_new_per_source=self.max_new_per_source,
            release_every=RELEASE_EVERY,
        )

    def fetch_policy(self, allow_hosts: frozenset[str]) -> FetchPolicy:
        """How every request behaves; ``allow_hosts`` (from sources.toml) skip the address guard."""
        from extractors.fetch import FetchPolicy

        return FetchPolicy(
            user_agent=self.user_agent,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline=self.deadline,
            min_rate=self.min_rate,
            min_rate_window=self.min_rate_window,
            max_bytes=self.max_bytes,
            max_redirects=self.max_redirects,
            allow_hosts=allow_hosts,
            extra_headers=(),
        )

    def politeness_policy(self) -> PolitenessPolicy:
        """How gently one host is treated."""
        from extractors.politeness import PolitenessPolicy

        return PolitenessPolicy(
            per_host=self.host_concurrency,
            min_delay=self.host_delay,
            max_crawl_delay=self.max_crawl_delay,
            robots_ttl=self.robots_ttl,
        )

    def cadence_policy(self) -> CadencePolicy:
        """How often a source that answers is polled."""
        from flows.cadence import CadencePolicy

        return CadencePolicy(
            interval=self.poll_interval,
            min_interval=self.min_poll_interval,
            max_interval=max(self.min_poll_interval, self.max_poll_interval),
            history_days=self.poll_history_days,
        )

    def backoff_policy(self) -> BackoffPolicy:
        """How long a failing source waits before its next poll."""
        from warehouse.state import BackoffPolicy

        return BackoffPolicy(
            base=self.backoff_base,
            cap=self.backoff_cap,
            jitter=self.backoff_jitter,
            pause_after=self.pause_after,
            paused_retry=self.paused_retry,
            max_retry_after=self.max_retry_after,
        )


def _problems(exc: ValidationError) -> list[str]:
    """``TEALEAVES_NAME=value: must be …`` for each bad setting, in the order of the errors."""
    problems: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        if name in problems:
            continue
        field = Settings.model_fields.get(name)
        extra = field.json_schema_extra if field else None
        allowed = extra.get("allowed") if isinstance(extra, dict) else None
        reason = f"must be {allowed}" if allowed else error["msg"]
        default = f"; unset it for the default, {_shown(field.get_default(call_default_factory=True))}" if field else ""
        problems[name] = f"TEALEAVES_{name.upper()}={error['input']}: {reason}{default}"
    return list(problems.values())


def prefect_api_url() -> str | None:
    """The Prefect API this process would talk to, without importing Prefect (seconds on a busy machine):
    Prefect's own settings when it is loaded already, else PREFECT_API_URL from the environment or from
    the active profile of Prefect's profiles file. None: no server is configured."""
    if "prefect.settings" in sys.modules:
        from prefect.settings import get_current_settings

        return get_current_settings().api.url or None
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    name = os.environ.get("PREFECT_PROFILE") or data.get("active")
    profile = data.get("profiles", {}).get(name, {}) if isinstance(name, str) else {}
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return url if isinstance(url, str) and url else None
