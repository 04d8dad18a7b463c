"""The wheel, as a new user gets it: built from the repo, installed into a fresh virtualenv, run from another
folder, it lands the seed corpus it carries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert proc.returncode == 0, f"{' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def clean_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a new user: none of our settings, Prefect at home in tmp_path and offline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEALEAVES_", "PREFECT_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        PREFECT_HOME=str(tmp_path / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        # A fresh Prefect home migrates its database first; on a busy machine that outlasts the default 20 s.
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        COLUMNS="200",
    )
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding only the wheel; its dependencies come from this venv (nothing downloaded)."""
    if not UV.exists():
        pytest.fail(f"uv is not installed beside {sys.executable}: run `make install`")
    root = tmp_path_factory.mktemp("wheel")
    # No build isolation: the pinned hatchling of the dev group builds it, so nothing is fetched.
    run(UV, "build", "--wheel", "--offline", "--no-build-isolation", "--python", sys.executable, "-o", root, cwd=REPO)
    [wheel] = root.glob("tealeaves-*.whl")
    venv = root / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    run(UV, "pip", "install", "--offline", "--no-deps", "--python", python, wheel, cwd=root)
    # A path line in a .pth only adds the directory: the editable install's own .pth there is not read, so
    # flows/, extractors/ and warehouse/ come from the wheel alone.
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root).strip())
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv


@pytest.mark.slow
def test_the_wheel_carries_its_data_and_imports_from_the_new_venv(installed: Path, tmp_path: Path) -> None:
    where = json.loads(
        run(
            installed / "bin" / "python",
            "-c",
            "import json, flows, extractors, warehouse; from flows.settings import Settings; s = Settings(); "
            "print(json.dumps([flows.__file__, extractors.__file__, warehouse.__file__, str(s.seed_dir), "
            "str(s.seed_manifest), str(s.gazetteer)]))",
            cwd=tmp_path,
            env=clean_env(tmp_path),
        )
    )
    assert all(Path(p).is_relative_to(installed) for p in where), where
    seed_dir, manifest, gazetteer = map(Path, where[3:])
    assert len(list(seed_dir.glob("*.txt"))) == 5
    assert manifest.is_file()
    assert gazetteer.is_file()


@pytest.mark.slow
def test_ingest_from_another_folder_lands_the_seed_corpus(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text("# no sources: only the seed corpus lands\n", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    out = run(installed / "bin" / "tealeaves", "ingest", "--db", db, "--json", cwd=tmp_path, env=clean_env(tmp_path))
    assert json.loads(out)["seeds_new"] == 5
    with duckdb.connect(str(db), read_only=True) as conn:
        seeds = conn.execute("SELECT count(*) FROM documents WHERE origin = 'seed'").fetchone()
        entities = conn.execute("SELECT count(*) FROM gazetteer").fetchone()  # the analysis read the gazetteer
    assert seeds == (5,)
    assert entities is not None
    assert entities[0] > 0
