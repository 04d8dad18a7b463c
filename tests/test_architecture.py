"""The tree shows the architecture: imports point one way (flows → extractors, warehouse)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "extractors": {"prefect", "flows", "warehouse"},
    "warehouse": {"prefect", "flows", "extractors"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layers_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (REPO / package).rglob("*.py")
        if imported_roots(path) & FORBIDDEN[package]
    }
    assert offenders == {}, f"{package}/ must not import {sorted(FORBIDDEN[package])}"


def test_modules_stay_small() -> None:
    big = {
        str(p.relative_to(REPO)): n
        for pkg in ("flows", "extractors", "warehouse")
        for p in (REPO / pkg).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 800
    }
    assert big == {}, "split modules over 800 lines by responsibility"
