"""Every setting is documented in the README (the user's manual) with its allowed range; every policy is built
from the settings; a value out of range is refused, naming the variable, before a command or flow does any work."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from extractors.errors import ConfigError
from extractors.fetch import Fetcher, FetchPolicy
from extractors.politeness import PoliteFetcher, PolitenessPolicy
from flows.cli import app
from flows.settings import CONTACT_URL, Settings, SettingsError, __version__
from tests.conftest import write_sources
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


NUMERIC = [name for name, field in Settings.model_fields.items() if field.annotation in (int, float)]


def _allowed(name: str) -> str:
    extra = Settings.model_fields[name].json_schema_extra
    assert isinstance(extra, dict), f"{name}: give it bounds with _whole/_seconds/_finite in flows/settings.py"
    return str(extra["allowed"])


def _bounds(name: str) -> dict[str, float]:
    """The field's constraints as {"gt": …, "le": …}, read off what pydantic enforces."""
    found: dict[str, float] = {}
    for item in Settings.model_fields[name].metadata:
        for bound in ("gt", "ge", "lt", "le"):
            if hasattr(item, bound):
                found[bound] = getattr(item, bound)
    return found


def _refusal(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> str:
    monkeypatch.setenv(f"TEALEAVES_{name.upper()}", value)
    with pytest.raises(SettingsError) as refused:
        Settings()
    return str(refused.value)


@pytest.mark.parametrize("name", NUMERIC)
def test_every_numeric_setting_has_a_lower_and_an_upper_bound(name: str) -> None:
    bounds = _bounds(name)
    assert bounds.keys() & {"gt", "ge"}, f"{name} has no lower bound"
    assert bounds.keys() & {"lt", "le"}, f"{name} has no upper bound"
    assert _allowed(name) in (Settings.model_fields[name].description or "")


@pytest.mark.parametrize("name", NUMERIC)
def test_the_readme_states_each_allowed_range(name: str) -> None:
    row = next(line for line in README.splitlines() if line.startswith(f"| `TEALEAVES_{name.upper()}` |"))
    assert f"| {_allowed(name)} |" in row, f"README.md: the allowed column of TEALEAVES_{name.upper()}"


@pytest.mark.parametrize("name", NUMERIC)
def test_values_at_the_bounds_pass_and_beyond_them_are_refused(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    whole = Settings.model_fields[name].annotation is int
    step = 1 if whole else 0.5
    bounds = _bounds(name)
    inside = [bounds[b] for b in ("ge", "le") if b in bounds]
    outside = [bounds[b] for b in ("gt", "lt") if b in bounds]
    outside += [bounds["ge"] - step] if "ge" in bounds else []
    outside += [bounds["le"] + step] if "le" in bounds else []
    for value in inside:
        monkeypatch.setenv(f"TEALEAVES_{name.upper()}", str(value))
        assert getattr(Settings(), name) == value
    refused: list[object] = [*outside, *([] if whole else ["nan", "inf", "-inf"]), "", "ten"]
    for bad in refused:
        message = _refusal(monkeypatch, name, str(bad))
        assert message.startswith(f"TEALEAVES_{name.upper()}={bad}: must be {_allowed(name)}"), message


def test_one_line_per_bad_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEALEAVES_LOCK_WAIT", "-1")
    monkeypatch.setenv("TEALEAVES_MAX_REDIRECTS", "-1")
    monkeypatch.setenv("TEALEAVES_PAGE_CONCURRENCY", "4")
    with pytest.raises(SettingsError) as refused:
        Settings()
    assert refused.value.problems == (
        "TEALEAVES_MAX_REDIRECTS=-1: must be a whole number from 0 to 20; unset it for the default, 5",
        "TEALEAVES_LOCK_WAIT=-1: must be a number of seconds ≥ 0 and ≤ 86400 (finite); unset it for the default, 30",
    )
    assert str(refused.value) == "\n".join(refused.value.problems)
    assert isinstance(refused.value, ConfigError)


# The cases of the hardening issue: each of them once ran (or hung) instead of being refused.
ISSUE_CASES = [
    ("LOCK_WAIT", "-1"),
    ("LOCK_WAIT", "nan"),
    ("DEADLINE", "nan"),
    ("DEADLINE", "inf"),
    ("DEADLINE", "0"),
    ("DEADLINE", "-5"),
    ("CONNECT_TIMEOUT", "-1"),
    ("MAX_BYTES", "-1"),
    ("MAX_BYTES", "0"),
    ("MAX_REDIRECTS", "-1"),
    ("PAGE_CONCURRENCY", "four"),
]


def _refused_by_the_cli(result: Result, variable: str, value: str) -> None:
    assert result.exit_code == 2, result.output
    expected = f"error: TEALEAVES_{variable}={value}: must be {_allowed(variable.lower())}"
    assert expected in result.stderr, result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("variable", "value"), ISSUE_CASES)
def test_ingest_refuses_a_bad_setting_before_any_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, site: FixtureServer, variable: str, value: str
) -> None:
    monkeypatch.setenv(f"TEALEAVES_{variable}", value)
    sources = write_sources(tmp_path / "sources.toml", site)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(app, ["ingest", "--sources", str(sources), "--db", str(db)])
    _refused_by_the_cli(result, variable, value)
    assert not db.exists()
    assert site.seen == []


COMMANDS = [
    ["query", "SELECT 1"],
    ["status"],
    ["sources", "resume", "capital"],
    ["sources", "list"],
    ["analyze"],
    ["trends"],
    ["search", "Riyadh"],
    ["new"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, site: FixtureServer, command: list[str]
) -> None:
    monkeypatch.setenv("TEALEAVES_LOCK_WAIT", "nan")
    monkeypatch.setenv("TEALEAVES_DB", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("TEALEAVES_SOURCES", str(write_sources(tmp_path / "sources.toml", site)))
    result = CliRunner().invoke(app, command)
    _refused_by_the_cli(result, "LOCK_WAIT", "nan")
    assert not (tmp_path / "w.duckdb").exists()


def test_each_bad_variable_gets_its_own_error_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEALEAVES_DEADLINE", "inf")
    monkeypatch.setenv("TEALEAVES_MAX_BYTES", "0")
    result = CliRunner().invoke(app, ["status", "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2
    assert [line.split(":")[0:2] for line in result.stderr.splitlines()] == [
        ["error", " TEALEAVES_DEADLINE=inf"],
        ["error", " TEALEAVES_MAX_BYTES=0"],
    ]


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("flow", ["ingest", "analyze"])
def test_a_flow_run_with_a_bad_setting_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, site: FixtureServer, flow: str
) -> None:
    monkeypatch.setenv("TEALEAVES_DEADLINE", "nan")
    db = tmp_path / "w.duckdb"
    if flow == "ingest":
        from flows.ingest import ingest

        state: Any = ingest(sources_path=str(write_sources(tmp_path / "s.toml", site)), db=str(db), return_state=True)
    else:
        from flows.analyze import analyze

        state = analyze(db=str(db), return_state=True)
    assert state.is_failed(), state
    assert f"TEALEAVES_DEADLINE=nan: must be {_allowed('deadline')}" in (state.message or "")
    assert not db.exists()
    assert site.seen == []
