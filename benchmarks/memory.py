"""Resident memory and CPU time of the current process and its descendants, sampled from a thread.

Each sample is (wall time, process CPU time of all threads, VmRSS, VmHWM from /proc/self/status),
with the process's descendants added: the loader's reading workers (forked from a
forkserver, so grandchildren) do part of the run's work. Their proportional memory (Pss:
the pages they share with each other counted once in all) is added to both VmRSS and VmHWM
as sampled (a descendant's spike between two samples is not seen), and
their CPU time as last read for each process, so a worker that has exited still counts.
CPU seconds matter on a shared machine: unlike wall time they barely grow when other
processes compete for the cores. VmHWM is the kernel's
high-water mark, so a peak that falls between two samples is still caught: a time window
in which VmHWM rose peaked at the VmHWM it ended with.
"""
from __future__ import annotations

import bisect
import os
import threading
import time

KIB_PER_MIB = 1024


def read_status_kib(pid: int | str = "self") -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB from /proc/<pid>/status."""
    rss = hwm = 0
    with open(f"/proc/{pid}/status", "rb") as fh:
        for line in fh:
            if line.startswith(b"VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith(b"VmHWM:"):
                hwm = int(line.split()[1])
    return rss, hwm


def proportional_kib(pid: int) -> int:
    """Pss from /proc/<pid>/smaps_rollup: resident memory with each page shared by n processes
    counted 1/n (the reading workers share the pages of the server they were forked from)."""
    with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
        for line in fh:
            if line.startswith(b"Pss:"):
                return int(line.split()[1])
    return 0


def descendants(pid: int | str = "self") -> list[int]:
    """Every process below ``pid`` (children, their children, ...)."""
    found, stack = [], [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", "rb") as fh:
                    children = [int(c) for c in fh.read().split()]
            except FileNotFoundError:
                continue
            found += children
            stack += children
    return found


def cpu_seconds(pid: int) -> tuple[int, float] | None:
    """(start time, user + system CPU seconds) of one process, or None when it is gone; the
    start time tells a process from a later one given the same pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return int(fields[19]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples this process's memory every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.times: list[float] = []
        self.cpu_s: list[float] = []
        self.rss_kib: list[int] = []
        self.hwm_kib: list[int] = []
        self._descendant_cpu: dict[tuple[int, int], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def _sample(self) -> None:
        rss, hwm = read_status_kib()
        others = 0
        for pid in descendants():
            try:
                others += proportional_kib(pid)
            except (FileNotFoundError, ProcessLookupError):
                continue
            found = cpu_seconds(pid)
            if found is not None:
                started, cpu = found
                self._descendant_cpu[(pid, started)] = cpu
        self.times.append(time.time())
        self.cpu_s.append(time.process_time() + sum(self._descendant_cpu.values()))
        self.rss_kib.append(rss + others)
        self.hwm_kib.append(hwm + others)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def start(self) -> "MemorySampler":
        self._sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak_mib(self, start: float, end: float) -> float | None:
        """Peak resident memory between two wall times (MiB), or None when nothing was sampled then."""
        first = bisect.bisect_left(self.times, start)
        last = bisect.bisect_right(self.times, end)
        if first >= last:
            # A window shorter than the interval: the nearest sample around it is the best evidence.
            nearest = min(max(first - 1, 0), len(self.times) - 1)
            return self.rss_kib[nearest] / KIB_PER_MIB if self.times else None
        peak = max(self.rss_kib[first:last])
        hwm_before = self.hwm_kib[first - 1] if first > 0 else 0
        # The high-water mark reached a new level inside the window: that level is the window's peak.
        if self.hwm_kib[last - 1] > hwm_before:
            peak = max(peak, self.hwm_kib[last - 1])
        return peak / KIB_PER_MIB

    def cpu_between(self, start: float, end: float) -> float | None:
        """CPU seconds the process used between two wall times, from the samples nearest to them."""
        if not self.times:
            return None
        first = min(bisect.bisect_left(self.times, start), len(self.times) - 1)
        last = max(bisect.bisect_right(self.times, end) - 1, 0)
        return max(self.cpu_s[last] - self.cpu_s[first], 0.0) if last >= first else 0.0

    @property
    def overall_peak_mib(self) -> float:
        return max(self.hwm_kib) / KIB_PER_MIB if self.hwm_kib else 0.0
