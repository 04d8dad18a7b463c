"""Start tests/hardening/worker.py as a real separate process and talk to it line by line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class Worker:
    """One worker process; ``expect`` reads its stdout, ``send`` writes a line to its stdin."""

    def __init__(self, *args: str | Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.hardening.worker", *map(str, args)],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def line(self) -> str:
        """The next line the worker prints (empty once it has exited)."""
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def expect(self, prefix: str) -> str:
        text = self.line()
        if not text.startswith(prefix):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=30)
            raise AssertionError(f"worker said {text!r}, expected {prefix!r}; stderr:\n{err}")
        return text

    def send(self, text: str = "go") -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out, err

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.communicate(timeout=30)


def run_worker(*args: str | Path, timeout: float = 120) -> tuple[int, str, str]:
    """Run a worker to the end: (exit code, stdout, stderr)."""
    return Worker(*args).finish(timeout)
