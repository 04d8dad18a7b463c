"""Every setting tealeaves reads, in one place (environment prefix TEALEAVES_)."""

from __future__ import annotations

import os
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from extractors.fetch import FetchPolicy
from extractors.politeness import PolitenessPolicy
from flows.pipeline import RunLimits
from warehouse.state import BackoffPolicy

__version__ = version("tealeaves")
# Where a site operator who sees tealeaves in their logs finds who runs it and how to reach them.
CONTACT_URL = "https://github.com/tealeaves/tealeaves"
USER_AGENT = f"tealeaves/{__version__} (+{CONTACT_URL}; commentary reader)"
# Shipped inside the extractors package, so an installed wheel finds them whatever the working folder.
PACKAGE_DATA = resources.files("extractors") / "data"
RELEASE_EVERY = 16 * 2**20  # bytes of raw pages landed between two returns of DuckDB's memory to the system


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
    connect_timeout: float = Field(10.0, description="Seconds to establish a connection.")
    read_timeout: float = Field(20.0, description="Seconds to wait for the next bytes of an answer.")
    deadline: float = Field(60.0, description="Overall seconds for one request, redirects and body included.")
    max_bytes: int = Field(15 * 1024 * 1024, description="Cap on a decoded response body, in bytes.")
    max_redirects: int = Field(5, description="Redirect hops followed per request.")
    page_concurrency: int = Field(4, description="Pages fetched at once per source.")
    extraction_processes: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        description="Processes that extract pages (default: one per core; 0: extract in the fetching threads).",
    )
    host_concurrency: int = Field(2, description="Requests in flight to one host at a time (all sources together).")
    host_delay: float = Field(1.0, description="Minimum seconds between the starts of two requests to one host.")
    max_crawl_delay: float = Field(
        30.0, description="A robots.txt Crawl-delay longer than this many seconds is held to it."
    )
    robots_ttl: float = Field(
        24 * 3600.0, description="Seconds a fetched robots.txt is trusted before it is read again (RFC 9309: a day)."
    )
    max_new_per_source: int = Field(200, description="New entries fetched per source and run; the rest wait.")
    sources_in_flight: int = Field(
        32, description="Sources between poll and landing at once in one run (polls overlap when little is new)."
    )
    pages_in_flight: int = Field(
        400, description="New pages those sources may hold between them (a source with more starts alone)."
    )
    task_retries: int = Field(2, description="Retries of a feed poll after a transient error (timeout, 5xx).")
    retry_delay: float = Field(5.0, description="Seconds between those retries.")
    backoff_base: float = Field(
        900.0, description="Seconds a source waits after its first failure; doubles with each failure in a row."
    )
    backoff_cap: float = Field(24 * 3600.0, description="The longest wait of a failing source, in seconds.")
    backoff_jitter: float = Field(
        0.2, description="Fraction by which a backoff varies either way, so sources that failed together part."
    )
    pause_after: int = Field(10, description="Failures in a row after which a source is paused.")
    paused_retry: float = Field(
        24 * 3600.0, description="Seconds between tries of a paused source; one success un-pauses it."
    )
    max_retry_after: float = Field(
        7 * 24 * 3600.0, description="A server's Retry-After further away than this many seconds is held to it."
    )
    lock_wait: float = Field(30.0, description="Seconds a run waits for another writer before giving up.")
    poll_interval: float = Field(
        1800.0, description="Seconds between scheduled ingest runs (keep equal to the schedule in prefect.yaml)."
    )

    def run_limits(self) -> RunLimits:
        """How much of an ingest run is in flight at once."""
        return RunLimits(
            sources_in_flight=self.sources_in_flight,
            pages_in_flight=self.pages_in_flight,
            max_new_per_source=self.max_new_per_source,
            release_every=RELEASE_EVERY,
        )

    def fetch_policy(self, allow_hosts: frozenset[str]) -> FetchPolicy:
        """How every request behaves; ``allow_hosts`` (from sources.toml) skip the address guard."""
        return FetchPolicy(
            user_agent=self.user_agent,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline=self.deadline,
            max_bytes=self.max_bytes,
            max_redirects=self.max_redirects,
            allow_hosts=allow_hosts,
            extra_headers=(),
        )

    def politeness_policy(self) -> PolitenessPolicy:
        """How gently one host is treated."""
        return PolitenessPolicy(
            per_host=self.host_concurrency,
            min_delay=self.host_delay,
            max_crawl_delay=self.max_crawl_delay,
            robots_ttl=self.robots_ttl,
        )

    def backoff_policy(self) -> BackoffPolicy:
        """How long a failing source waits before its next poll."""
        return BackoffPolicy(
            base=self.backoff_base,
            cap=self.backoff_cap,
            jitter=self.backoff_jitter,
            pause_after=self.pause_after,
            paused_retry=self.paused_retry,
            max_retry_after=self.max_retry_after,
        )
