"""The scenarios: who competes in each, and how one round of each contender is run.

Each function returns an :class:`~benchmarks._harness.Outcome` holding every round's samples;
:mod:`benchmarks._checks` turns them into per-round ratios and verdicts.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import _imports, _node, _pack, _upload
from ._harness import (
    ChildError,
    Config,
    Contender,
    Outcome,
    Part,
    Sample,
    Worker,
    collect,
    run_child,
)

SDK, SDK_BATCHES, RAW, LINES, TS = "SDK", "SDK batches", "raw aiohttp", "aiohttp lines", "TS SDK"


@dataclass
class Context:
    """What every scenario needs: the configuration, the server, the workers, a temp dir."""

    cfg: Config
    url: str
    workers: dict[str, Worker]
    ts_error: str | None
    tmp: Path


def _totals(parts: list[Part]) -> tuple[float, float, float, float]:
    count = sum(p["count"] for p in parts)
    wall = sum(p["wall_s"] for p in parts)
    return count, wall, sum(p["cpu_s"] for p in parts), max(p["stall_ms"] for p in parts)


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def merge_calls(parts: list[Part]) -> Sample:
    """A round of get_build blocks: calls/s, CPU µs per call, the longest stall, p50/p99 ms."""
    calls, wall, cpu, stall = _totals(parts)
    sample = {"calls_per_s": calls / wall, "cpu_us_per_call": cpu / calls * 1e6, "stall_ms": stall}
    latencies = [ms for p in parts for ms in p.get("latencies_ms", ())]
    if latencies:
        sample |= {"p50_ms": _percentile(latencies, 50), "p99_ms": _percentile(latencies, 99)}
    return sample


def merge_page(parts: list[Part]) -> Sample:
    """A round of page fetches: ms and CPU ms per call, the longest stall."""
    calls, wall, cpu, stall = _totals(parts)
    return {
        "ms_per_call": wall * 1000 / calls,
        "cpu_ms_per_call": cpu * 1000 / calls,
        "stall_ms": stall,
    }


def merge_log(parts: list[Part]) -> Sample:
    """A round of log reads: MiB/s, CPU seconds per GiB, the longest stall."""
    mib, wall, cpu, stall = _totals(parts)
    return {"mib_per_s": mib / wall, "cpu_s_per_gib": cpu / (mib / 1024), "stall_ms": stall}


def merge_upload(parts: list[Part]) -> Sample:
    """A round of uploads: MiB/s, CPU seconds per GiB, the longest stall, the largest RSS growth."""
    return merge_log(parts) | {"rss_growth_mib": max(p["rss_growth_mib"] for p in parts)}


def _ts(ctx: Context, outcome: Outcome, scenario: str, calls: int, in_flight: int = 1) -> Contender:
    """The TS SDK contender; a failed Node run leaves that round's cell empty, with a note."""

    def run(_: int, __: int) -> Part | None:
        try:
            return _node.run(scenario, ctx.url, calls, in_flight)
        except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            outcome.notes.append(f"TS SDK round failed: {exc}"[:300])
            return None

    return run


def _blocks(worker: Worker, op: str, **args: object) -> Contender:
    """A worker contender measured in blocks; the first block of each round warms up first."""
    return lambda _, block: worker.request(op, warm=block == 0, **args)


def _pair(ctx: Context, op: str, **args: object) -> dict[str, Contender]:
    return {
        SDK: _blocks(ctx.workers["sdk"], op, **args),
        RAW: _blocks(ctx.workers["raw"], op, **args),
    }


def _with_ts(ctx: Context, contenders: dict[str, Contender], ts: Contender) -> None:
    if ctx.cfg.ts and ctx.ts_error is None:
        contenders[TS] = ts


def serial(ctx: Context) -> Outcome:
    """1: ``get_build`` one call at a time."""
    n, blocks = ctx.cfg.serial_calls, ctx.cfg.blocks
    outcome = Outcome("1", f"get_build serial, {n:,} calls")
    contenders = _pair(ctx, "serial", calls=n // blocks)
    _with_ts(ctx, contenders, _ts(ctx, outcome, "serial", n))
    return collect(
        outcome, contenders, ctx.cfg.rounds, extras=(TS,), blocks=blocks, merge=merge_calls
    )


def concurrent(ctx: Context) -> Outcome:
    """2: ``get_build`` with 64 calls in flight."""
    n, k, blocks = ctx.cfg.concurrent_calls, ctx.cfg.in_flight, max(1, ctx.cfg.blocks // 2)
    outcome = Outcome("2", f"get_build {k} in flight, {n:,} calls")
    contenders = _pair(ctx, "concurrent", calls=n // blocks, in_flight=k)
    _with_ts(ctx, contenders, _ts(ctx, outcome, "concurrent", n, k))
    return collect(
        outcome, contenders, ctx.cfg.rounds, extras=(TS,), blocks=blocks, merge=merge_calls
    )


def page(ctx: Context) -> Outcome:
    """3: ``get_builds`` returning a 10,000-build page, one fetch per block."""
    n = ctx.cfg.page_calls
    outcome = Outcome("3", f"get_builds, a 10,000-build page, {n} fetches")
    contenders = _pair(ctx, "page", calls=1)
    _with_ts(ctx, contenders, _ts(ctx, outcome, "page", n))
    return collect(outcome, contenders, ctx.cfg.rounds, extras=(TS,), blocks=n, merge=merge_page)


def logs(ctx: Context) -> Outcome:
    """4: a ``run_build`` log read as lines (and as batches, row 4b)."""
    size, blocks = ctx.cfg.log_mib, max(1, ctx.cfg.blocks // 4)
    outcome = Outcome("4", f"run_build log, {size} MiB as str lines, read {blocks}x a round")

    def read(worker: str, op: str, first: bool) -> Part:
        # Only the very first read is preceded by an untimed one, like any warm service.
        return ctx.workers[worker].request(op, size_mib=size, warm=first)

    def log(worker: str, op: str) -> Contender:
        return lambda r, b: read(worker, op, r == b == 0)

    # Raw aiohttp's splitter sits between the two SDK readers: both ratios are of neighbours.
    # aiohttp's line iterator is an extra, run once per round: its one read is merged here.
    contenders = {
        SDK: log("sdk", "log_lines"),
        RAW: log("raw", "log_split"),
        SDK_BATCHES: log("sdk", "log_batches"),
        LINES: lambda r, _: merge_log([read("raw", "log_aiohttp", r == 0)]),
    }
    _with_ts(ctx, contenders, _ts(ctx, outcome, "logs", 1))
    return collect(
        outcome, contenders, ctx.cfg.rounds, extras=(LINES, TS), blocks=blocks, merge=merge_log
    )


def upload(ctx: Context) -> Outcome:
    """5: upload a tarball from the page cache, 8 MiB parts, 4 in flight (fresh processes)."""
    mib = ctx.cfg.upload_mib
    shown = f"{mib} MiB" if mib < 1024 else f"{mib / 1024:g} GiB"
    blocks = max(1, ctx.cfg.blocks // 4)
    outcome = Outcome("5", f"upload {shown}, 8 MiB parts x 4 in flight, {blocks}x a round")
    if not _upload.is_available():
        outcome.notes.append("builds_v3_upload_build is not in this checkout")
        return outcome
    path = ctx.tmp / "bench.tgz"
    _upload.make_file(str(path), mib << 20)

    def child(mode: str) -> Contender:
        argv = [sys.executable, "-m", "benchmarks._upload", mode, ctx.url, str(path)]
        return lambda _, __: run_child(argv)

    try:
        contenders = {SDK: child("sdk"), RAW: child("raw")}
        return collect(outcome, contenders, ctx.cfg.rounds, blocks=blocks, merge=merge_upload)
    finally:
        path.unlink()


def pack(ctx: Context) -> Outcome:
    """7: upload a ~300 MB build directory, packing included (SDK only, fresh processes)."""
    with tempfile.TemporaryDirectory(prefix="tree-", dir=ctx.tmp) as tree:
        size = _pack.make_tree(Path(tree), ctx.cfg.pack_scale)
        outcome = Outcome("7", f"upload_build of a {size / 1e6:.0f} MB directory (pack + upload)")
        argv = [sys.executable, "-m", "benchmarks._pack", ctx.url, tree]
        return collect(outcome, {SDK: lambda _, __: run_child(argv)}, ctx.cfg.pack_rounds)


def cpu(ctx: Context) -> Outcome:
    """8: CPU per ``get_build`` with the network stubbed out (an in-memory connector).

    Both contenders run in the SDK worker, in alternating blocks (see :mod:`benchmarks._micro`):
    the SDK overhead is a difference of two CPU costs, best taken under the same conditions.
    """
    n = ctx.cfg.micro_calls
    outcome = Outcome("8", f"get_build CPU, network stubbed, {n:,} calls")
    for number in range(ctx.cfg.rounds):
        both = ctx.workers["sdk"].request("micro", calls=n, flip=number % 2 == 1)
        outcome.rounds.append({
            SDK: {"stub_cpu_us_per_call": both["sdk_us"], "overhead_us": both["overhead_us"]},
            RAW: {"stub_cpu_us_per_call": both["raw_us"]},
        })  # fmt: skip
    return outcome


def imports(cfg: Config) -> Outcome:
    """6: cold import of one operation, in a fresh interpreter per run."""
    outcome = Outcome("6", "cold import of builds_v3_get_build")
    for _ in range(cfg.import_runs):
        try:
            sample = _imports.measure_once()
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            outcome.notes.append(f"import run failed: {exc}"[:300])
            continue
        outcome.rounds.append({SDK: {"ms": sample["own_ms"]}, RAW: {"ms": sample["deps_ms"]}})
    return outcome


NEEDS_WORKERS = frozenset("12348")
NEEDS_SERVER = frozenset("123457")
NEEDS_NODE = frozenset("1234")
SCENARIOS: dict[str, tuple[str, Callable[[Context], Outcome]]] = {
    "1": ("serial", serial),
    "2": ("concurrent", concurrent),
    "3": ("page", page),
    "4": ("logs", logs),
    "5": ("upload", upload),
    "7": ("pack", pack),
    "8": ("cpu", cpu),
}
ALIASES = {name: key for key, (name, _) in SCENARIOS.items()} | {"import": "6"}


def run_safely(run: Callable[[Context], Outcome], ctx: Context, key: str) -> Outcome:
    """Run one scenario; a contender process that fails leaves a note instead of a crash."""
    try:
        return run(ctx)
    except (ChildError, OSError, ValueError, subprocess.SubprocessError) as exc:
        return Outcome(key, SCENARIOS[key][0], notes=[f"scenario failed: {exc}"[:500]])
