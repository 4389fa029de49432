"""Resident memory and CPU time of the current process, sampled from a thread.

Each sample is (wall time, process CPU time of all threads, VmRSS, VmHWM from /proc/self/status).
CPU seconds matter on a shared machine: unlike wall time they barely grow when other
processes compete for the cores. VmHWM is the kernel's
high-water mark, so a peak that falls between two samples is still caught: a time window
in which VmHWM rose peaked at the VmHWM it ended with.
"""
from __future__ import annotations

import bisect
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


class MemorySampler:
    """Samples this process's memory every ``interval`` seconds until stopped."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.times: list[float] = []
        self.cpu_s: list[float] = []
        self.rss_kib: list[int] = []
        self.hwm_kib: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def _sample(self) -> None:
        rss, hwm = read_status_kib()
        self.times.append(time.time())
        self.cpu_s.append(time.process_time())
        self.rss_kib.append(rss)
        self.hwm_kib.append(hwm)

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
