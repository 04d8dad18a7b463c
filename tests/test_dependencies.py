"""Every third-party import is declared in pyproject.toml: the packages' in dependencies, the tests' and
benchmarks' in dependencies or the dev group."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# Folders whose modules are checked, and the pyproject lists their imports must be declared in.
CHECKED = {
    "flows": ("dependencies",),
    "extractors": ("dependencies",),
    "warehouse": ("dependencies",),
    "tests": ("dependencies", "dev"),
    "bench": ("dependencies", "dev"),
}


def normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(lists: tuple[str, ...]) -> set[str]:
    """The distributions named in those lists of pyproject.toml (``dependencies`` or a dependency group)."""
    requirements: list[str] = []
    for name in lists:
        if name == "dependencies":
            requirements += PYPROJECT["project"]["dependencies"]
        else:
            requirements += [r for r in PYPROJECT["dependency-groups"][name] if isinstance(r, str)]
    names = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
        assert match, f"pyproject.toml: cannot read the distribution name of {requirement!r}"
        names.add(normalized(match.group()))
    return names


def imported_roots(path: Path) -> set[str]:
    """The top-level names of every absolute import in a module, wherever in the module it stands."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def first_party(root: str, path: Path) -> bool:
    """A package of this repo, or a module beside the importing one (benchmarks run as scripts)."""
    return any((folder / root).is_dir() or (folder / f"{root}.py").is_file() for folder in (REPO, path.parent))


def undeclared(files: list[Path], allowed: set[str]) -> dict[str, str]:
    """Import -> what is wrong with it, for every third-party import of ``files`` not in ``allowed``."""
    providers = packages_distributions()
    problems: dict[str, str] = {}
    for path in files:
        where = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
        for root in sorted(imported_roots(path)):
            if root in sys.stdlib_module_names or first_party(root, path) or root in problems:
                continue
            distributions = providers.get(root, [])
            if not distributions:
                problems[root] = f"imported by {where}, but no installed distribution provides it"
            elif not {normalized(d) for d in distributions} & allowed:
                problems[root] = f"imported by {where}, from {' or '.join(sorted(set(distributions)))}"
    return problems


@pytest.mark.parametrize("folder", sorted(CHECKED))
def test_every_third_party_import_is_declared(folder: str) -> None:
    problems = undeclared(sorted((REPO / folder).rglob("*.py")), declared(CHECKED[folder]))
    lists = " and ".join(CHECKED[folder])
    assert problems == {}, f"declare in pyproject.toml ({lists}), pinned as uv.lock resolves them: {problems}"


def test_the_check_names_what_is_undeclared(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("", encoding="utf-8")
    module = tmp_path / "module.py"
    module.write_text(
        "import json\nimport duckdb\nimport helper\nfrom flows import cli\n"
        "def later():\n    import yaml\n    import no_such_distribution_anywhere\n",
        encoding="utf-8",
    )
    problems = undeclared([module], {"duckdb"})
    assert problems == {
        "yaml": "imported by module.py, from PyYAML",
        "no_such_distribution_anywhere": "imported by module.py, but no installed distribution provides it",
    }
