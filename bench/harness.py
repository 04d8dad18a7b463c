"""What the ingest benchmark runs its scenarios in: a Prefect server, a benchmark world, and fresh child
processes watched for their peak memory (and stopped if they run away)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http(url: str, method: str = "GET", timeout: float = 30.0) -> bytes:
    """The body of a plain request (never through a proxy)."""
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=timeout) as response:
        return bytes(response.read())


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds of a running process and its reaped children (Linux /proc), or None."""
    fields = _stat(pid)
    if fields is None:
        return None
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _group(pgid: int) -> list[list[str]]:
    members = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                fields = _stat(int(entry.name))
                if fields is not None and len(fields) > 22 and fields[2] == str(pgid):
                    members.append(fields)
    return members


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in process group ``pgid`` (Linux /proc; 0 elsewhere)."""
    return sum(int(fields[21]) * _PAGE_KB for fields in _group(pgid)) / 1024  # rss is in pages


class PrefectServer:
    """A Prefect API server on 127.0.0.1 for the benchmark's flow runs, in a private PREFECT_HOME."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.proc: subprocess.Popen[bytes] | None = None
        self.startup_s = 0.0
        self._launched = 0.0

    def env(self) -> dict[str, str]:
        """What a client process needs to use this server."""
        return {
            "PREFECT_HOME": str(self.home),
            "PREFECT_API_URL": self.url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }

    def start(self) -> PrefectServer:
        """Start the server and wait until it answers."""
        return self.launch().wait()

    def launch(self) -> PrefectServer:
        """Start the server without waiting for it (``wait`` does)."""
        prefect = Path(sys.executable).with_name("prefect")
        command = [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        env = {**os.environ, **self.env(), "PREFECT_SERVER_API_HOST": "127.0.0.1"}
        env.pop("PREFECT_API_URL")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=(self.home / "server.log").open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._launched = started
        return self

    def wait(self) -> PrefectServer:
        """Wait until the launched server answers."""
        assert self.proc is not None, "launch() first"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the Prefect server stopped at start; see {self.home / 'server.log'}")
            with contextlib.suppress(OSError):
                if http(self.url + "/health", timeout=2).strip() == b"true":
                    self.startup_s = time.perf_counter() - self._launched
                    return self
            time.sleep(0.5)
        raise SystemExit("the Prefect server did not answer within 180 s")

    def cpu_seconds(self) -> float | None:
        """CPU the server has used so far."""
        return cpu_seconds(self.proc.pid) if self.proc else None

    def stop(self) -> None:
        """Stop the server and the processes it started (its own process group), nothing else."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class WorldProcess:
    """``bench/world.py`` in its own process (so serving does not share the measured process's GIL)."""

    def __init__(self, feeds: int, articles: int, seed: int, workdir: Path) -> None:
        command = [sys.executable, str(BENCH / "world.py"), "--feeds", str(feeds), "--articles", str(articles)]
        self.proc = subprocess.Popen(
            [*command, "--seed", str(seed), "--json", "--until-stdin-closes"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(workdir / f"world-{feeds}x{articles}.log").open("wb"),
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the benchmark world did not start; see {workdir}")
        self.info: dict[str, Any] = json.loads(line)
        self.control: str = self.info["control"]
        self.sources = workdir / f"sources-{feeds}x{articles}.toml"
        self.sources.write_bytes(http(self.control + "/sources.toml"))

    def stats(self) -> dict[str, float]:
        """Requests served since the last reset, by kind and status; the server's CPU seconds."""
        return dict(json.loads(http(self.control + "/stats")))

    def reset_stats(self) -> None:
        http(self.control + "/reset-stats", "POST")

    def grow(self, k: int) -> list[str]:
        """Publish k new articles; their links."""
        return list(json.loads(http(self.control + f"/grow?k={k}", "POST"))["added"])

    def reset(self) -> None:
        """Back to the first state."""
        http(self.control + "/reset", "POST")

    def urls(self) -> list[str]:
        """Every article link the feeds list now."""
        return [link for _, link in json.loads(http(self.control + "/urls"))]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Run:
    """One scenario's figures, from the child and from outside it."""

    wall_s: float
    peak_rss_mb: float  # the child process itself (wait4: exact)
    tree_rss_mb: float  # the child with the processes it started (sampled every 0.2 s)
    figures: dict[str, Any]
    requests: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None  # why the watchdog stopped it, if it did


@dataclass(frozen=True)
class Limits:
    """When the watchdog stops a child: after ``seconds``, or above ``rss_mb`` for its process tree."""

    seconds: float = 900.0
    rss_mb: float = 6000.0


def run_process(
    command: Sequence[str],
    env: dict[str, str],
    workdir: Path,
    result: Path | None,
    *,
    json_stdout: bool = False,
    limits: Limits = Limits(),
) -> Run:
    """Run ``command`` in its own process group to its end (or until ``limits`` stop it). Peak RSS comes
    from wait4; figures from ``result`` (a JSON file) or, with ``json_stdout``, from its last line."""
    log = workdir / "child.log"
    printed = workdir / "child.out"
    started = time.perf_counter()
    stopped = None
    tree_peak = 0.0
    with log.open("ab") as err, (printed if json_stdout else Path(os.devnull)).open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree_peak = max(tree_peak, group_rss_mb(proc.pid))
            elapsed = time.perf_counter() - started
            if stopped is None and (elapsed > limits.seconds or tree_peak > limits.rss_mb):
                stopped = (
                    f"stopped after {elapsed:.0f} s"
                    if elapsed > limits.seconds
                    else f"stopped above {limits.rss_mb:.0f} MB"
                )
                os.killpg(proc.pid, signal.SIGKILL)  # the child and what it started: its own process group
            time.sleep(0.2)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if _group(proc.pid):  # worker processes it left behind, if any (its group, so only what it started)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    outside = time.perf_counter() - started
    peak = usage.ru_maxrss / 1024
    if stopped is None and proc.returncode != 0:
        stopped = f"failed with exit status {proc.returncode} (see child.log)"
        print(f"{' '.join(command[:4])} … {stopped}", file=sys.stderr)
    if stopped is not None:
        return Run(outside, peak, max(tree_peak, peak), {}, stopped=stopped)
    figures: dict[str, Any] = {}
    if result is not None:
        figures = json.loads(result.read_text())
    elif json_stdout:
        figures = json.loads(printed.read_text().strip().splitlines()[-1])
    return Run(figures.get("wall_s", outside), peak, max(tree_peak, peak), figures)
