"""CPU time and peak memory of a process tree, sampled from ``/proc`` (Linux).

A local Flink job is a Python process whose child is the gateway JVM that runs the mini-cluster; both
exit at the end of a bounded run, so their counters are read while they run. :class:`TreeSampler`
polls every ``interval_s`` and keeps, per process id, the last CPU time seen (user + system) and the
peak resident set (``VmHWM``, the kernel's own high-water mark, so no peak between samples is missed).
CPU used in the last interval before a process exits is lost: at most ``interval_s`` per process.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ProcSample", "TreeSampler", "TreeStats", "children_of", "read_sample"]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcSample:
    """One process at one moment: CPU seconds so far, peak and current resident memory in bytes."""

    pid: int
    name: str
    cpu_s: float
    peak_rss: int
    rss: int


def read_sample(pid: int) -> ProcSample | None:
    """The counters of ``pid`` now, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name is in parentheses and may hold spaces: split after the last ')'.
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    memory = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            memory[key] = int(value.split()[0]) * 1024
    return ProcSample(
        pid, name, (utime + stime) / _CLOCK_TICKS, memory.get("VmHWM", 0), memory.get("VmRSS", 0)
    )


def children_of(pid: int) -> list[int]:
    """Every descendant of ``pid`` (children, grandchildren, ...) alive now."""
    found: list[int] = []
    queue = [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = Path(f"/proc/{parent}/task").iterdir()
            kids: list[int] = []
            for task in tasks:
                text = (task / "children").read_text().split()
                kids.extend(int(k) for k in text)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        found.extend(kids)
        queue.extend(kids)
    return found


@dataclass
class TreeStats:
    """What a sampler saw: per process id, the last sample."""

    last: dict[int, ProcSample] = field(default_factory=dict)

    @property
    def cpu_s(self) -> float:
        """CPU seconds used by the whole tree."""
        return sum(s.cpu_s for s in self.last.values())

    def peak_rss(self, name: str | None = None) -> int:
        """The largest peak resident set of a process (named ``name``, e.g. ``java``, if given)."""
        return max((s.peak_rss for s in self.last.values() if name is None or s.name == name), default=0)


class TreeSampler:
    """Samples ``pid`` and its descendants in a background thread until :meth:`stop`."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.stats = TreeStats()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"sampler-{pid}", daemon=True)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def sample_once(self) -> None:
        """Record the counters of the tree now."""
        for pid in [self.pid, *children_of(self.pid)]:
            sample = read_sample(pid)
            if sample is not None:
                self.stats.last[pid] = sample

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample_once()
            self._stop.wait(self.interval_s)

    def stop(self) -> TreeStats:
        self._stop.set()
        self._thread.join()
        return self.stats
