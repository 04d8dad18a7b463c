"""Where a run's CPU goes, by stage: a sampler thread reads every thread's CPU clock every few
milliseconds and books what each thread used since the last look to the stage its Python stack is in.

A statistical profile, not a trace: a stage that runs in short bursts between samples is booked to
whatever the thread was doing at the sample, so figures below a few tens of milliseconds are noise.
Extraction runs in worker processes (children of a fork server, so not in this process's ``RUSAGE_CHILDREN``):
their CPU is read from /proc for every other process of this process group, the last figure seen of each."""

from __future__ import annotations

import os
import sys
import threading
import time
from types import FrameType

# The first rule that matches anywhere in a thread's stack names its stage; the order settles stacks that
# hold two (Prefect's client sends events over HTTP, so "events" is tested before "prefect client").
RULES = (
    ("fetch", ("extractors/fetch.py", "extractors/politeness.py", "extractors/robots.py", "flows/fetching.py")),
    ("feeds", ("extractors/harvest.py", "extractors/feeds.py", "/feedparser/")),
    ("extract in threads", ("extractors/article.py", "extractors/comments.py", "/trafilatura/")),
    ("landing", ("warehouse/", "flows/store.py", "flows/batches.py")),
    ("events", ("flows/reporting.py", "/prefect/events/")),
    ("prefect client", ("/prefect/",)),
)


def stage_of(frame: FrameType | None) -> str:
    files = []
    while frame is not None:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    for stage, needles in RULES:
        if any(needle in name for name in files for needle in needles):
            return stage
    return "other (pipeline, waits)"


class StageSampler:
    """Books the CPU of every thread but its own to stages until ``stop()``; ``figures()`` in seconds."""

    def __init__(self, every: float = 0.005) -> None:
        self.every = every
        self.cpu: dict[str, float] = {}
        self._last: dict[int, float] = {}
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stage-sampler", daemon=True)
        self._group_cpu: dict[int, float] = {}

    def start(self) -> StageSampler:
        self._thread.start()
        return self

    def _run(self) -> None:
        mine = threading.get_ident()
        ticks = 0
        while not self._stopping.wait(self.every):
            ticks += 1
            if ticks % 20 == 0:
                self._read_group()
            for ident, frame in sys._current_frames().items():
                if ident == mine:
                    continue
                try:
                    now = time.clock_gettime(time.pthread_getcpuclockid(ident))
                except (OSError, ProcessLookupError):
                    continue  # the thread ended between the two calls
                used = now - self._last.get(ident, now)
                self._last[ident] = now
                if used > 0:
                    stage = stage_of(frame)
                    self.cpu[stage] = self.cpu.get(stage, 0.0) + used

    def _read_group(self) -> None:
        """CPU seconds so far of every other process in this process group (the extraction workers)."""
        me, group, hz = os.getpid(), os.getpgid(0), os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # ended, or not ours to read
            if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ..., utime (11), stime (12)
                self._group_cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / hz

    def stop(self) -> dict[str, float]:
        """Stop sampling; the CPU seconds per stage, the other processes' of the group as ``extract (workers)``."""
        self._stopping.set()
        self._thread.join()
        self._read_group()  # workers that ended since the last look keep the last figure read of them
        return {**self.cpu, "extract (workers)": sum(self._group_cpu.values())}
