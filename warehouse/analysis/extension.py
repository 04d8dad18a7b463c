"""DuckDB's full-text-search extension, for its Snowball stemmer: from its PyPI package, else INSTALL."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

from warehouse.errors import AnalysisError


def packaged_fts() -> Path | None:
    """The fts extension file shipped by the ``duckdb-extension-fts`` package for this duckdb version."""
    spec = importlib.util.find_spec("duckdb_extension_fts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "extensions" / f"v{duckdb.__version__}" / "fts.duckdb_extension"
        if path.is_file():
            return path
    return None


def load_fts(conn: duckdb.DuckDBPyConnection) -> str:
    """Load fts into ``conn``; returns where it came from. Raises AnalysisError when neither works."""
    path = packaged_fts()
    packaged_error = f"no duckdb-extension-fts package for duckdb {duckdb.__version__}"
    if path is not None:
        try:
            # LOAD takes no parameters; the path is the installed package's own file, quoted for SQL.
            conn.execute("LOAD '" + str(path).replace("'", "''") + "'")
            return str(path)
        except duckdb.Error as exc:
            packaged_error = f"{path}: {exc}"
    try:
        conn.execute("INSTALL fts")
        conn.execute("LOAD fts")
        return "INSTALL fts"
    except duckdb.Error as exc:
        raise AnalysisError(
            f"cannot load DuckDB's fts extension: {packaged_error}; and INSTALL fts failed ({exc}). "
            f"Install duckdb-extension-fts=={duckdb.__version__} (it is in pyproject.toml: run `make install`)"
        ) from exc
