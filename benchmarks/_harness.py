"""Shared machinery: the configuration, the server and contender processes, round scheduling.

Every contender runs in a process of its own: the SDK and raw aiohttp each in a long-lived
:class:`Worker` (``benchmarks._worker``), uploads and packing in a fresh Python process per round,
the TypeScript SDK in a fresh Node process per round. The server has its own process too. The
parent only schedules: while a contender is measured, the parent and the other contenders sleep.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
"""The repository root: every child process runs from here, so ``benchmarks`` is importable."""

Sample = dict[str, float]
"""One contender's measurements in one round: metric name -> value."""

Part = dict[str, Any]
"""What a contender returns for one block of a round (merged into a :data:`Sample`)."""

Contender = Callable[[int, int], "Part | None"]
"""Runs one block: called with the round and block numbers; ``None`` when it could not run."""


@dataclass(frozen=True)
class Config:
    """How hard each scenario pushes; :meth:`make` gives the default or the ``--quick`` one."""

    quick: bool
    rounds: int
    serial_calls: int
    concurrent_calls: int
    page_calls: int
    log_mib: int
    upload_mib: int
    pack_scale: float
    pack_rounds: int
    micro_calls: int
    import_runs: int
    blocks: int
    """Blocks per round for get_build (half for 64 in flight, a quarter for log reads)."""
    in_flight: int = 64
    ts: bool = True

    @classmethod
    def make(cls, quick: bool, **overrides: Any) -> Config:
        """Return the full or the quick configuration with ``overrides`` (``None`` ignored)."""
        if quick:
            base = cls(True, 2, 300, 600, 1, 8, 32, 0.05, 1, 4000, 3, 2)
        else:
            base = cls(False, 9, 2000, 5000, 5, 50, 256, 1.0, 3, 10_000, 9, 8)
        return replace(base, **{k: v for k, v in overrides.items() if v is not None})


@dataclass
class Outcome:
    """One scenario's results: every round's samples per contender, and what went wrong."""

    key: str
    title: str
    rounds: list[dict[str, Sample]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """How long the scenario took to run, set-up included."""

    def values(self, contender: str, metric: str) -> list[float]:
        """Return ``metric`` of ``contender`` over the rounds that have it."""
        return [r[contender][metric] for r in self.rounds if metric in r.get(contender, {})]


def median(samples: Sequence[float]) -> float:
    """Return the median of ``samples`` (NaN when empty)."""
    return statistics.median(samples) if samples else float("nan")


def only(parts: list[Part]) -> Sample:
    """The merge for contenders measured in one block per round: that block's sample."""
    (part,) = parts
    return {key: float(value) for key, value in part.items()}


def _rotated(names: Sequence[str], by: int) -> list[str]:
    k = by % len(names) if names else 0
    return [*names[k:], *names[:k]]


def collect(
    outcome: Outcome,
    contenders: Mapping[str, Contender],
    rounds: int,
    *,
    extras: Collection[str] = (),
    blocks: int = 1,
    merge: Callable[[list[Part]], Sample] = only,
) -> Outcome:
    """Run ``rounds`` rounds into ``outcome``.

    The core contenders (those not in ``extras``) are the ones whose ratios carry targets: in
    every round they run back to back, interleaved in ``blocks`` blocks whose order alternates
    (A B, B A, A B, ...), so a burst of load from elsewhere falls on all of them alike; ``merge``
    turns a contender's blocks into the round's sample. The ``extras`` (informative contenders:
    the TS SDK, aiohttp's line iterator) run once per round, rotated, after the core group in even
    rounds and before it in odd ones.
    """
    core = [name for name in contenders if name not in extras]
    others = [name for name in contenders if name in extras]
    for number in range(rounds):
        samples: dict[str, Sample] = {}
        extra = _rotated(others, number)
        if number % 2:
            samples |= _run_extras(contenders, extra, number)
        parts: dict[str, list[Part]] = {name: [] for name in core}
        for block in range(blocks):
            for name in core if (number + block) % 2 == 0 else core[::-1]:
                part = contenders[name](number, block)
                if part is not None:
                    parts[name].append(part)
        samples |= {name: merge(got) for name, got in parts.items() if got}
        if number % 2 == 0:
            samples |= _run_extras(contenders, extra, number)
        outcome.rounds.append(samples)
    return outcome


def _run_extras(
    contenders: Mapping[str, Contender], names: list[str], number: int
) -> dict[str, Sample]:
    samples = {}
    for name in names:
        part = contenders[name](number, 0)
        if part is not None:
            samples[name] = only([part])
    return samples


class ChildError(RuntimeError):
    """A contender's process failed; the message ends with the tail of its stderr."""


class Worker:
    """A long-lived contender process (``benchmarks._worker``) answering JSON requests."""

    def __init__(self, kind: str, url: str) -> None:
        self.kind = kind
        # Lives as long as the worker: close() releases it.
        self._stderr: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._worker", kind, url],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )

    def wait_ready(self) -> None:
        """Block until the worker has set up its session (and warmed its allocator)."""
        self._read()

    def request(self, op: str, **args: Any) -> Part:
        """Ask for one measurement; raise :class:`ChildError` if the worker reports a failure."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._process.stdin.flush()
        reply = self._read()
        if "error" in reply:
            raise ChildError(str(reply["error"]))
        return reply

    def _read(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            tail = " ".join(self._stderr.read().split())[-400:]
            raise ChildError(f"the {self.kind} worker exited: {tail}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        """Close the worker's stdin (it exits), wait for it, release its pipes."""
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()


@contextmanager
def workers(url: str) -> Iterator[dict[str, Worker]]:
    """Start the SDK and the raw aiohttp workers (in parallel); stop them on exit."""
    started = {kind: Worker(kind, url) for kind in ("sdk", "raw")}
    try:
        for worker in started.values():
            worker.wait_ready()
        yield started
    finally:
        for worker in started.values():
            worker.close()


def run_child(argv: list[str], timeout: float = 600) -> Part:
    """Run a one-shot child process that prints one JSON object; return it."""
    done = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        tail = " ".join(done.stderr.split())[-400:]
        raise ChildError(f"{' '.join(argv[1:4])} failed: {tail}")
    result: Part = json.loads(done.stdout)
    return result


@dataclass
class Server:
    """The benchmark server process and its base URL."""

    url: str
    process: subprocess.Popen[str]

    def wait_ready(self) -> None:
        """Block until the server answers requests (its bodies are built)."""
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "READY":
            raise ChildError(f"benchmark server failed to start: {line!r}")


@contextmanager
def serve(log_mib: int) -> Iterator[Server]:
    """Start ``benchmarks._server`` in its own process; stop it on exit.

    The server listens at once and builds its bodies while the caller starts the workers; call
    :meth:`Server.wait_ready` before the first measurement.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._server", "--log-mb", str(log_mib)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise ChildError(f"benchmark server failed to start: {line!r}")
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
