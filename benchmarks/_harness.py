"""Shared machinery: the server subprocess, timing helpers, and the result rows of the table."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO


@dataclass(frozen=True)
class Config:
    """How hard each scenario pushes; ``quick`` shrinks everything for a smoke run."""

    quick: bool
    rounds: int
    serial_calls: int
    concurrent_calls: int
    page_calls: int
    log_mb: int
    upload_mb: int
    import_runs: int

    @classmethod
    def make(cls, quick: bool) -> Config:
        """Return the full or the quick configuration."""
        if quick:
            return cls(True, 1, 300, 1000, 2, 8, 128, 3)
        return cls(False, 5, 2000, 5000, 5, 50, 1024, 9)


@dataclass
class Row:
    """One line of the final table: a metric for each contender and the target's verdict."""

    scenario: str
    metric: str
    values: dict[str, float | None] = field(default_factory=dict)
    ratio_label: str = ""
    ratio: float | None = None
    target: str = ""
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)


def median(samples: Sequence[float]) -> float:
    """Return the median of ``samples`` (NaN when empty)."""
    return statistics.median(samples) if samples else float("nan")


def percentile(samples: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile (0-100) of ``samples`` by nearest rank."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def rotations(names: Sequence[str], rounds: int) -> Iterator[list[str]]:
    """Yield the contenders' order for each round, rotated so nobody always goes first."""
    for r in range(rounds):
        k = r % len(names)
        yield [*names[k:], *names[:k]]


@dataclass
class Server:
    """The benchmark server process and its base URL."""

    url: str
    process: subprocess.Popen[str]


@contextmanager
def serve(log_mb: int) -> Iterator[Server]:
    """Start ``benchmarks._server`` in its own process; stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._server", "--log-mb", str(log_mb)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        stdout: IO[str] | None = process.stdout
        assert stdout is not None
        line = stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"benchmark server failed to start: {line!r}")
        yield Server(f"http://127.0.0.1:{int(line.split()[1])}", process)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def verdict(ratio: float | None, check: Callable[[float], bool]) -> bool | None:
    """Apply a target's check, or return ``None`` when the ratio is unavailable."""
    return None if ratio is None or ratio != ratio else check(ratio)
