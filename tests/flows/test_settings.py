"""Every setting is documented in the README (the user's manual); every policy is built from the settings."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields
from importlib.metadata import version
from pathlib import Path

import pytest

from extractors.fetch import Fetcher, FetchPolicy
from extractors.politeness import PoliteFetcher, PolitenessPolicy
from flows.settings import CONTACT_URL, Settings, __version__
from tests.fixture_server import FixtureServer, Route
from warehouse.state import BackoffPolicy

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_readme() -> None:
    missing = [
        f"TEALEAVES_{name.upper()}" for name in Settings.model_fields if f"TEALEAVES_{name.upper()}" not in README
    ]
    assert missing == [], f"document these settings in README.md: {missing}"


def test_every_setting_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_environment_overrides(monkeypatch) -> None:
    monkeypatch.setenv("TEALEAVES_DB", "/tmp/x.duckdb")
    monkeypatch.setenv("TEALEAVES_PAGE_CONCURRENCY", "7")
    settings = Settings()
    assert str(settings.db) == "/tmp/x.duckdb"
    assert settings.page_concurrency == 7


def test_a_request_carries_the_project_its_version_and_a_contact_url() -> None:
    server = FixtureServer({"/ok": Route(body=b"ok")})
    try:
        with Fetcher(Settings().fetch_policy(frozenset({"127.0.0.1"}))) as fetcher:
            fetcher.get(server.url("/ok"))
    finally:
        server.close()
    sent = server.seen[0].headers["user-agent"]
    assert sent == f"tealeaves/{version('tealeaves')} (+{CONTACT_URL}; commentary reader)"
    assert CONTACT_URL == "https://github.com/tealeaves/tealeaves"
    assert __version__ == version("tealeaves")


def test_robots_txt_is_matched_on_the_product_token() -> None:
    settings = Settings()
    with PoliteFetcher(settings.fetch_policy(frozenset()), settings.politeness_policy()) as fetcher:
        assert fetcher.agent == "tealeaves"


@pytest.mark.parametrize("policy", [FetchPolicy, PolitenessPolicy, BackoffPolicy])
def test_a_policy_has_no_defaults_of_its_own(policy: type) -> None:
    defaulted = [f.name for f in fields(policy) if f.default is not MISSING or f.default_factory is not MISSING]
    assert defaulted == [], f"{policy.__name__}: give these a Field in flows/settings.py instead: {defaulted}"


def test_policies_are_built_by_the_settings_only() -> None:
    """Production and the tests send what a run sends: every policy comes from a Settings builder."""
    built_by_hand = re.compile(r"\b(FetchPolicy|PolitenessPolicy|BackoffPolicy)\(")
    offenders = [
        f"{path.relative_to(REPO)}:{number}"
        for package in ("flows", "extractors", "warehouse", "tests", "bench")
        for path in (REPO / package).rglob("*.py")
        if path != REPO / "flows" / "settings.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if built_by_hand.search(line)
    ]
    assert offenders == [], "build policies with Settings().fetch_policy() / politeness_policy() / backoff_policy()"


def test_the_builders_read_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("TEALEAVES_DEADLINE", "7")
    monkeypatch.setenv("TEALEAVES_ROBOTS_TTL", "60")
    monkeypatch.setenv("TEALEAVES_BACKOFF_BASE", "30")
    settings = Settings()
    assert settings.fetch_policy(frozenset({"a.example"})).deadline == 7.0
    assert settings.fetch_policy(frozenset({"a.example"})).allow_hosts == {"a.example"}
    assert settings.politeness_policy().robots_ttl == 60.0
    assert settings.backoff_policy().base == 30.0
