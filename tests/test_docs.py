"""The CLI reference (docs/cli.md) names every command of the app, and every command's help shows an example."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from flows.cli import app

CLI_REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


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
    assert ("sources", "list") in COMMANDS and ("ingest",) in LEAVES and ("sources",) not in LEAVES


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
