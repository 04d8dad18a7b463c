"""Every setting is documented in the README (the user's manual)."""

from __future__ import annotations

from pathlib import Path

from flows.settings import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


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
    assert str(settings.db) == "/tmp/x.duckdb" and settings.page_concurrency == 7
