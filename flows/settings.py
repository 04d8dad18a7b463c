"""Every setting tealeaves reads, in one place (environment prefix TEALEAVES_)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from extractors.fetch import FetchPolicy
from extractors.politeness import PolitenessPolicy
from flows.pipeline import RunLimits

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
        "tealeaves/0.1 (commentary reader; polite: one feed poll per 30 min)",
        description="User-Agent sent with every request.",
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
    max_new_per_source: int = Field(200, description="New entries fetched per source and run; the rest wait.")
    sources_in_flight: int = Field(
        32, description="Sources between poll and landing at once in one run (polls overlap when little is new)."
    )
    pages_in_flight: int = Field(
        400, description="New pages those sources may hold between them (a source with more starts alone)."
    )
    task_retries: int = Field(2, description="Retries of a feed poll after a transient error (timeout, 5xx).")
    retry_delay: float = Field(5.0, description="Seconds between those retries.")
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
        """How every request behaves."""
        return FetchPolicy(
            user_agent=self.user_agent,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            deadline=self.deadline,
            max_bytes=self.max_bytes,
            max_redirects=self.max_redirects,
            allow_hosts=allow_hosts,
        )

    def politeness_policy(self) -> PolitenessPolicy:
        """How gently one host is treated."""
        return PolitenessPolicy(per_host=self.host_concurrency, min_delay=self.host_delay)
