"""The docs cannot drift: the CLI reference (docs/cli.md) names every command of the app, every command's help
shows an example, and every link between the README, docs/, bench/RESULTS.md and CHANGELOG.md resolves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app

ROOT = Path(__file__).resolve().parents[1]
CLI_REFERENCE = ROOT / "docs" / "cli.md"
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "RESULTS.md", *sorted(ROOT.glob("docs/*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group under ``command``, with the words that invoke it."""
    yield path, command
    if isinstance(command, typer.core.TyperGroup):
        for name, sub in command.commands.items():
            if not sub.hidden:
                yield from walk(sub, (*path, name))


COMMANDS = [path for path, _ in walk(typer.main.get_command(app))]
LEAVES = [path for path, command in walk(typer.main.get_command(app)) if not isinstance(command, typer.core.TyperGroup)]


def test_the_app_is_walked_into_its_groups() -> None:
    assert ("sources", "list") in COMMANDS
    assert ("ingest",) in LEAVES
    assert ("sources",) not in LEAVES


def test_every_command_has_its_help_in_the_cli_reference() -> None:
    text = CLI_REFERENCE.read_text(encoding="utf-8")
    documented = re.findall(r"^## `tealeaves ?(.*)`$", text, re.M)
    fix = "regenerate it with `make docs`"
    assert sorted(documented) == sorted(" ".join(p) for p in COMMANDS), f"docs/cli.md is stale: {fix}"
    for path in COMMANDS:
        usage = " ".join(["Usage: tealeaves", *path]) + " ["
        assert usage in text, f"docs/cli.md lacks the --help of `tealeaves {' '.join(path)}`: {fix}"


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_shows_an_example_of_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], prog_name="tealeaves", env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    examples = re.findall(r"^\s*Example: (tealeaves .*?)\s*$", result.output, re.M)
    command = " ".join(["tealeaves", *path])
    assert [e for e in examples if e == command or e.startswith(command + " ")], (
        f"`{command} --help` shows no example of itself: end its docstring with 'Example: {command} ...'"
    )


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``page``: lower case, punctuation dropped, spaces as hyphens."""
    # Fenced blocks go first: a line of a shell or Python block may start with '#' and is no heading.
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def broken_links(page: Path) -> list[str]:
    """The relative links of ``page`` whose file, or heading within it, does not exist."""
    broken = []
    for target in LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.is_file() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    return broken


def test_anchors_are_spelled_as_github_spells_them() -> None:
    assert "scheduled-runs-make-serve-and-make-stop" in anchors(ROOT / "docs" / "operations.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_resolves(page: Path) -> None:
    broken = broken_links(page)
    assert broken == [], f"{page.relative_to(ROOT)} links to files or headings that do not exist: {broken}"
