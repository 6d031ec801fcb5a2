"""What every measurement records: wall time, process CPU, the longest event-loop stall, peak RSS.

:func:`measured` wraps the timed part of a scenario inside the contender's own process. CPU is
``time.process_time()`` (every thread of the process, user + system), so work a contender moves
to a worker thread is still counted. The stall is measured by :class:`StallMonitor`.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

__all__ = ("Measurement", "StallMonitor", "measured", "peak_rss", "reset_peak_rss")

TICK = 0.001
"""The stall monitor's period in seconds: it expects to run every millisecond."""


class StallMonitor:
    """The longest time the event loop kept a 1 ms periodic timer waiting past its due time.

    A chain of ``loop.call_at`` callbacks, one per millisecond: each notes how late it runs
    (``loop.time()`` now minus when it was due) and schedules the next one a millisecond later.
    That lateness is exactly what a game server's tick or any other timer-driven task on the same
    loop would suffer: the longest stretch the loop spent in callbacks, waiting for the GIL, or
    descheduled, without coming back to its timers. A bare callback is cheaper than the task
    wake-up an ``asyncio.sleep`` loop costs; a tick that wakes an otherwise idle loop still costs
    an ``epoll`` round trip (tens of µs on this machine), which every contender pays alike per
    second of its run. The resolution is set by ``epoll``, which rounds its timeout up to whole
    milliseconds (an idle loop reads up to ~1 ms late). :meth:`stop` takes a last reading, so a
    stall that ends the operation (parsing a large body just before it returns) is not missed.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None
        self.longest = 0.0
        """The longest lateness seen so far, in seconds."""

    def start(self) -> None:
        """Begin ticking."""
        self._due = self._loop.time() + TICK
        self._handle = self._loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        now = self._loop.time()
        self.longest = max(self.longest, now - self._due)
        self._due = now + TICK
        self._handle = self._loop.call_at(self._due, self._tick)

    def stop(self) -> float:
        """Stop ticking; return the longest stall in seconds."""
        self.longest = max(self.longest, self._loop.time() - self._due)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        return self.longest


@dataclass
class Measurement:
    """What :func:`measured` saw: wall seconds, CPU seconds, the longest loop stall in ms."""

    monitor: StallMonitor
    """The running stall monitor (read ``monitor.longest`` to split the stall by phase)."""
    wall_s: float = 0.0
    cpu_s: float = 0.0
    stall_ms: float = 0.0


@asynccontextmanager
async def measured() -> AsyncIterator[Measurement]:
    """Time the body: wall clock, process CPU and the longest loop stall (filled in on exit)."""
    monitor = StallMonitor(asyncio.get_running_loop())
    result = Measurement(monitor)
    monitor.start()
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        yield result
    finally:
        result.wall_s = time.perf_counter() - wall
        result.cpu_s = time.process_time() - cpu
        result.stall_ms = monitor.stop() * 1000


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def reset_peak_rss() -> int:
    """Reset the peak-RSS mark (``VmHWM``) to the current RSS; return the RSS in bytes.

    ``getrusage``'s ``ru_maxrss`` cannot serve alone: it cannot be reset, and Linux carries the
    parent's peak across fork and exec. Writing ``5`` to ``/proc/self/clear_refs`` resets
    ``VmHWM`` (Linux ≥ 4.0); where that is refused, the growth is measured from process start.
    """
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass
    return _status_kib("VmRSS") * 1024


def peak_rss() -> int:
    """Return this process's peak RSS since the last reset (``VmHWM``) in bytes."""
    own = _status_kib("VmHWM") * 1024
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return min(own, usage)
