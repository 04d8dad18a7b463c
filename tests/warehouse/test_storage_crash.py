"""Crashes and full disks during a write, in real processes: after kill -9 or ENOSPC/EFBIG the warehouse
reopens, every committed batch is whole, the interrupted one is all or nothing, and a re-run fills the
gap without a duplicate."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from tests.hardening.processes import Worker, run_worker
from tests.hardening.worker import COMMENTS_PER_DOC, DOCS_PER_BATCH, SOURCE, batch, prepare
from tests.invariants import assert_invariants_hold
from warehouse import load
from warehouse.db import open_writer, snapshot_path
from warehouse.errors import LandingError, SnapshotError
from warehouse.snapshot import refresh_snapshot

pytestmark = pytest.mark.slow


def batches_present(conn: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, ...]]:
    """Batch number -> rows stored for it in (documents, comments, raw_pages, entries, fetches)."""
    batch_of = "split_part(url, '/', 4)::INTEGER"
    counts: dict[int, list[int]] = {}
    queries = [
        f"SELECT {batch_of}, count(*) FROM documents WHERE source = ? GROUP BY 1",
        f"SELECT {batch_of}, count(*) FROM comments JOIN documents USING (doc_id) WHERE source = ? GROUP BY 1",
        f"SELECT {batch_of}, count(*) FROM raw_pages WHERE url LIKE 'https://crashy.example/%' AND ? <> '' GROUP BY 1",
        f"SELECT {batch_of}, count(*) FROM entries WHERE source = ? GROUP BY 1",
        f"SELECT {batch_of}, count(*) FROM fetches WHERE source = ? GROUP BY 1",
    ]
    for column, query in enumerate(queries):
        for number, count in conn.execute(query, [SOURCE]).fetchall():
            counts.setdefault(number, [0] * len(queries))[column] = count
    return {number: tuple(row) for number, row in counts.items()}


STORED_ONCE = (DOCS_PER_BATCH, DOCS_PER_BATCH * COMMENTS_PER_DOC, DOCS_PER_BATCH, DOCS_PER_BATCH)


def check_whole(conn: duckdb.DuckDBPyConnection) -> dict[int, tuple[int, ...]]:
    """Every batch present is whole: its rows stored exactly once, and its fetch log appended whole
    each time it landed (a re-run records its requests again, as a real re-run would make them)."""
    present = batches_present(conn)
    partial = {
        n: counts
        for n, counts in present.items()
        if counts[:4] != STORED_ONCE or counts[4] == 0 or counts[4] % DOCS_PER_BATCH
    }
    assert partial == {}, f"half-written batches: {partial}"
    assert_invariants_hold(conn)
    unique = conn.execute("SELECT count(*) = count(DISTINCT doc_id) FROM documents").fetchone()
    assert unique == (True,)
    return present


def test_kill_9_mid_write_then_a_rerun_leaves_no_gap_and_no_duplicate(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    chance = random.Random(20250312)
    start = 0
    for _cycle in range(3):
        worker = Worker("land", db, str(start), str(start + 1000))
        committed: list[int] = []
        for _ in range(chance.randint(2, 6)):
            committed.append(int(worker.expect("committed").split()[1]))
        time.sleep(chance.uniform(0.0, 0.05))  # somewhere inside the next batch's transaction
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.kill()
        assert worker.proc.returncode == -signal.SIGKILL

        with open_writer(db, wait=5.0) as conn:  # the dead writer's locks are gone with it
            present = check_whole(conn)
            assert set(committed) <= set(present), "a batch reported committed is missing"
            in_flight = max(committed) + 1
            assert set(present) - set(range(in_flight + 1)) == set()  # nothing beyond the interrupted one
            # The re-run: this cycle's batches up to one past the crash, and the very first batch again;
            # only what is missing is new.
            prepare(conn)
            for number in sorted({0, *range(start, in_flight + 2)}):
                landed = load.land_batch(conn, "rerun", batch(number))
                assert len(landed.new_doc_ids) == (0 if number in present else DOCS_PER_BATCH)
            after = check_whole(conn)
            assert sorted(after) == list(range(in_flight + 2))
        start = in_flight + 2


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``where`` for the test (needs root and mount(2); the test is skipped,
    saying so, otherwise: the unprivileged EFBIG test below covers the same code path)."""
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a full disk is simulated with a small tmpfs, which needs root; the EFBIG test still runs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); the EFBIG test still runs")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "small", "2m") as mounted:
        yield mounted


def test_disk_full_rolls_the_batch_back_says_so_and_the_file_reopens(small_tmpfs: Path) -> None:
    db = small_tmpfs / "w.duckdb"
    landed: list[int] = []
    with open_writer(db) as conn:
        prepare(conn)
        with pytest.raises(LandingError) as info:  # noqa: PT012  (the disk fills at an unknown batch)
            for number in range(1000):
                load.land_batch(conn, "r", batch(number, filler=50_000))
                landed.append(number)
        message = str(info.value)
        assert "No space left on device" in message
        assert "rolled back" in message
        assert landed, "at least one batch fitted before the disk filled"
        assert sorted(check_whole(conn)) == landed  # usable still, the failed batch absent
    with open_writer(db) as conn:
        assert sorted(check_whole(conn)) == landed


def test_a_full_disk_keeps_the_previous_snapshot_and_the_warehouse_usable(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "32m") as disk:
        db = disk / "w.duckdb"
        with open_writer(db) as conn:
            prepare(conn)
            load.land_batch(conn, "r", batch(0))
            refresh_snapshot(conn, db)
            load.land_batch(conn, "r", batch(1))
            conn.execute("CHECKPOINT")
            filler = disk / "filler"
            with open(filler, "wb") as fill, contextlib.suppress(OSError):
                while True:  # take every byte the copy would need
                    fill.write(b"\0" * 65536)
                    fill.flush()
            with pytest.raises(SnapshotError, match=r"previous one is kept.*No space left on device"):
                refresh_snapshot(conn, db)
            assert not list(disk.glob("*.partial"))
            with duckdb.connect(str(snapshot_path(db)), read_only=True) as old:
                assert old.execute("SELECT count(*) FROM documents").fetchone() == (DOCS_PER_BATCH,)
            assert conn.execute("SELECT count(*) FROM documents").fetchone() == (2 * DOCS_PER_BATCH,)
            filler.unlink()
            refresh_snapshot(conn, db)
        with duckdb.connect(str(snapshot_path(db)), read_only=True) as new:
            assert new.execute("SELECT count(*) FROM documents").fetchone() == (2 * DOCS_PER_BATCH,)


def test_file_size_limit_mid_write_rolls_back_and_the_file_reopens(tmp_path: Path) -> None:
    """The unprivileged twin of the full-disk test: RLIMIT_FSIZE makes the next write fail with EFBIG."""
    db = tmp_path / "w.duckdb"
    code, out, err = run_worker("fill", db, str(2 * 1024 * 1024))
    assert code == 0, err
    lines = out.splitlines()
    committed = [int(line.split()[1]) for line in lines if line.startswith("committed")]
    failed = [line for line in lines if line.startswith("failed")]
    assert committed
    assert len(failed) == 1
    assert "File too large" in failed[0]
    assert "rolled back" in failed[0]
    assert f"still usable {len(committed) * DOCS_PER_BATCH}" in lines
    assert f"reopened {len(committed) * DOCS_PER_BATCH}" in lines
    with open_writer(db) as conn:
        assert sorted(check_whole(conn)) == committed
