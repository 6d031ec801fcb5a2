"""Run every benchmark scenario and print one table of ratios: ``python -m benchmarks``.

Options: ``--quick`` (a smoke run, well under 40 s) and ``--only N`` (one scenario, 1-6).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable

import aiohttp

from hathora_cloud import HathoraCloudCore

from . import _imports, _logs, _node, _unary, _upload
from ._harness import Config, Row, Server, median, rotations, serve, verdict
from ._server import ORG_ID, TOKEN

SDK, RAW, LINES, TS = "SDK", "raw aiohttp", "aiohttp lines", "TS SDK"
SDK_BATCHES = "SDK line batches"  # a row of its own (4b), shown in the SDK column
COLUMNS = (SDK, RAW, LINES, TS)
Samples = dict[str, dict[str, list[float]]]
Runner = Callable[[str], Awaitable[dict[str, float]]]

METHODOLOGY = """\
Methodology: one aiohttp.web server process on 127.0.0.1 serves pre-serialized bodies; the SDK and
raw aiohttp run in this process (one event loop, one session each, allocator warmed first), the TS
SDK (@hathora/cloud-sdk-typescript 2.25.6, Node {node}) in a fresh Node process per round, uploads
in a fresh Python process per round (peak RSS: /proc VmHWM, reset at start). Contenders alternate
in rotated order; each value is the median of {rounds} round(s). 2 shared cores: server and client
each get about one. Ratios are SDK / baseline: higher is better for throughput, lower for time."""


_TS_FAILURES: list[str] = []


async def _ts(scenario: str, url: str, calls: int, concurrency: int = 1) -> dict[str, float]:
    """Run a TS SDK scenario in Node; a failure leaves the TS cell empty instead of crashing."""
    try:
        return await asyncio.to_thread(_node.run, scenario, url, calls, concurrency)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as exc:
        _TS_FAILURES.append(f"{scenario}: {exc}")
        return {}


async def _collect(names: list[str], rounds: int, run: Runner, samples: Samples) -> None:
    for order in rotations(names, rounds):
        for name in order:
            for key, value in (await run(name)).items():
                samples[name][key].append(value)


def _value(samples: Samples, name: str, key: str) -> float | None:
    values = samples.get(name, {}).get(key)
    return median(values) if values else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def _row(samples: Samples, scenario: str, metric: str, key: str, names: list[str]) -> Row:
    return Row(scenario, metric, {n: _value(samples, n, key) for n in names})


async def _unary_rows(
    server: Server, cfg: Config, ts_error: str | None, wanted: set[int]
) -> list[Row]:
    names = [SDK, RAW] + ([] if ts_error else [TS])
    n1, n2, n3 = cfg.serial_calls, cfg.concurrent_calls, cfg.page_calls
    s1: Samples = defaultdict(lambda: defaultdict(list))
    s2: Samples = defaultdict(lambda: defaultdict(list))
    s3: Samples = defaultdict(lambda: defaultdict(list))
    core = HathoraCloudCore(hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=server.url)
    async with core, aiohttp.ClientSession() as session:
        build = {SDK: _unary.sdk_calls(core), RAW: _unary.raw_calls(session, server.url)}

        async def serial(name: str) -> dict[str, float]:
            if name == TS:
                return await _ts("serial", server.url, n1)
            return await _unary.serial(build[name][0], n1)

        async def concurrent(name: str) -> dict[str, float]:
            if name == TS:
                return await _ts("concurrent", server.url, n2, 64)
            return await _unary.concurrent(build[name][0], n2)

        async def page(name: str) -> dict[str, float]:
            if name == TS:
                return await _ts("page", server.url, n3)
            return await _unary.page(build[name][1], n3)

        for number, run, samples in ((1, serial, s1), (2, concurrent, s2), (3, page, s3)):
            if number in wanted:
                await _collect(names, cfg.rounds, run, samples)
    rows = []
    if 1 in wanted:
        row = _row(s1, f"1 get_build serial ({n1})", "calls/s", "calls_per_s", names)
        rows += [
            _vs_raw(row, 0.85),
            _row(s1, "", "p50 ms", "p50_ms", names),
            _row(s1, "", "p99 ms", "p99_ms", names),
        ]
    if 2 in wanted:
        row = _row(s2, f"2 get_build 64 in flight ({n2})", "calls/s", "calls_per_s", names)
        rows.append(_vs_raw(row, 0.80))
    if 3 in wanted:
        rows.append(
            _page_row(_row(s3, "3 get_builds 10,000 builds", "ms/call", "ms_per_call", names))
        )
    return rows


def _page_row(row: Row) -> Row:
    row.ratio_label, row.target = "SDK/raw time", "<= 2.5x; TS/SDK >= 3x"
    row.ratio = _ratio(row.values[SDK], row.values[RAW])
    row.passed = verdict(row.ratio, lambda r: r <= 2.5)
    ts_speedup = _ratio(row.values.get(TS), row.values[SDK])
    if ts_speedup is not None:
        row.notes.append(f"TS/SDK time {ts_speedup:.2f}x")
        row.passed = bool(row.passed) and ts_speedup >= 3
    return row


def _vs_raw(row: Row, floor: float) -> Row:
    row.ratio_label, row.target = "SDK/raw", f">= {floor:.2f}x, > TS"
    row.ratio = _ratio(row.values[SDK], row.values[RAW])
    row.passed = verdict(row.ratio, lambda r: r >= floor)
    ts = row.values.get(TS)
    if ts is not None:
        row.notes.append(f"SDK/TS {_ratio(row.values[SDK], ts) or 0:.2f}x")
        row.passed = bool(row.passed) and (row.values[SDK] or 0) > ts
    return row


async def _log_rows(server: Server, cfg: Config, ts_error: str | None) -> list[Row]:
    names = [SDK, SDK_BATCHES, RAW, LINES] + ([] if ts_error else [TS])
    samples: Samples = defaultdict(lambda: defaultdict(list))
    core = HathoraCloudCore(hathora_dev_token=TOKEN, org_id=ORG_ID, server_url=server.url)
    async with core, aiohttp.ClientSession() as session:
        chunks, lines = _logs.raw_consumers(session, server.url)
        consumers = {
            SDK: _logs.sdk_consumer(core),
            SDK_BATCHES: _logs.sdk_batch_consumer(core),
            RAW: chunks,
            LINES: lines,
        }

        async def run(name: str) -> dict[str, float]:
            if name == TS:
                return await _ts("logs", server.url, 1)
            return await _logs.measure(consumers[name], cfg.log_mb)

        for consume in consumers.values():  # one untimed pass each
            await consume()
        await _collect(names, cfg.rounds, run, samples)
    row = _row(samples, f"4 run_build log, {cfg.log_mb} MB as lines", "MB/s", "mb_per_s", names)
    row.ratio_label, row.target = "SDK/raw chunks", ">= 0.80x; >= 1.5x lines"
    row.ratio = _ratio(row.values[SDK], row.values[RAW])
    over_lines = _ratio(row.values[SDK], row.values[LINES])
    row.notes.append(f"SDK/aiohttp-lines {over_lines or 0:.2f}x")
    row.passed = verdict(row.ratio, lambda r: r >= 0.80) and (over_lines or 0) >= 1.5
    batches = Row("4b the same, iter_line_batches()", "MB/s", {
        SDK: _value(samples, SDK_BATCHES, "mb_per_s"), RAW: row.values[RAW]
    })  # fmt: skip
    batches.ratio_label, batches.target = "SDK/raw chunks", ">= 0.80x"
    batches.ratio = _ratio(batches.values[SDK], batches.values[RAW])
    batches.passed = verdict(batches.ratio, lambda r: r >= 0.80)
    return [row, batches]


def _sparse_file(path: str, size: int) -> None:
    """Create a sparse file of ``size`` bytes: the disk is then never the bottleneck."""
    with open(path, "wb") as handle:
        handle.truncate(size)


async def _upload_rows(server: Server, cfg: Config) -> list[Row]:
    if not _upload.is_available():
        row = Row("5 upload", "MB/s", {SDK: None, RAW: None})
        row.notes.append("builds_v3_upload_build is not in this checkout yet")
        return [row]
    names = [SDK, RAW]
    samples: Samples = defaultdict(lambda: defaultdict(list))
    with tempfile.TemporaryDirectory(prefix="hathora-bench-") as tmp:
        path = os.path.join(tmp, "bench.tgz")
        _sparse_file(path, cfg.upload_mb << 20)

        async def run(name: str) -> dict[str, float]:
            mode = "sdk" if name == SDK else "raw"
            argv = [sys.executable, "-m", "benchmarks._upload", mode, server.url, path]
            done = await asyncio.to_thread(
                subprocess.run, argv, check=True, capture_output=True, text=True, timeout=300
            )
            result: dict[str, float] = json.loads(done.stdout)
            return result

        await _collect(names, cfg.rounds, run, samples)
    size = f"{cfg.upload_mb} MiB" if cfg.upload_mb < 1024 else f"{cfg.upload_mb >> 10} GiB"
    row = _row(samples, f"5 upload {size}, 8 MiB parts x4", "MB/s", "mb_per_s", names)
    row.ratio_label, row.target = "SDK/raw", ">= 0.80x"
    row.ratio = _ratio(row.values[SDK], row.values[RAW])
    row.passed = verdict(row.ratio, lambda r: r >= 0.80)
    rss = _row(samples, "", "peak RSS growth MiB", "rss_growth_mib", names)
    rss.ratio_label, rss.target = "SDK MiB", "<= 32 MiB"
    rss.ratio = rss.values[SDK]
    rss.passed = verdict(rss.ratio, lambda r: r <= 32)
    worst = max(samples[SDK]["rss_growth_mib"], default=float("nan"))
    rss.notes.append(f"SDK peak RSS growth, worst round: {worst:.1f} MiB")
    return [row, rss]


def _import_rows(cfg: Config) -> list[Row]:
    own, deps = [], []
    for _ in range(cfg.import_runs):
        sample = _imports.measure_once()
        own.append(sample["own_ms"])
        deps.append(sample["deps_ms"])
    row = Row("6 cold import of builds_v3_get_build", "ms", {SDK: median(own), RAW: median(deps)})
    row.notes.append("raw column = aiohttp+attrs+cattrs+anyio alone; SDK = its own extra cost")
    row.ratio_label, row.target = "own/deps", "<= 0.25"
    row.ratio = _ratio(median(own), median(deps))
    row.passed = verdict(row.ratio, lambda r: r <= 0.25)
    return [row]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"


def _print_table(rows: list[Row], ts_note: str) -> None:
    head = ["scenario", "metric", *COLUMNS, "ratio", "value", "target", "result"]
    table = [head]
    for r in rows:
        result = "" if r.passed is None and not r.target else ("PASS" if r.passed else "FAIL")
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}"
        cells = [_fmt(r.values[c]) if c in r.values else "" for c in COLUMNS]
        table.append([r.scenario, r.metric, *cells, r.ratio_label, ratio, r.target, result])
    widths = [max(len(line[i]) for line in table) for i in range(len(head))]
    for i, line in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    notes = [f"  {r.scenario.split(' ')[0] or '.'}: {n}" for r in rows for n in r.notes]
    if notes or ts_note:
        print("\nNotes:")
        if notes:
            print("\n".join(notes))
        if ts_note:
            print(f"  TS column unavailable: {ts_note}")


def _node_version() -> str:
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.SubprocessError):
        return "n/a"
    return done.stdout.strip()


def _warm_allocator() -> None:
    """Allocate and free a million small objects, as any long-running service already has.

    A fresh process maps new arenas for every burst of small objects (each 256 KiB of log
    split into lines is ~4,000 strings); once the allocator holds spare arenas the same loop
    runs ~40 % faster. Without this, results depend on which scenarios ran before.
    """
    junk = [str(i) * 3 for i in range(1_000_000)]
    del junk


async def _run(cfg: Config, wanted: set[int]) -> tuple[list[Row], str]:
    _warm_allocator()
    ts_error = _node.ensure_installed() if wanted & {1, 2, 3, 4} else None
    rows: list[Row] = []
    with serve(cfg.log_mb) as server:
        if wanted & {1, 2, 3}:
            rows += await _unary_rows(server, cfg, ts_error, wanted)
        if 4 in wanted:
            rows += await _log_rows(server, cfg, ts_error)
        if 5 in wanted:
            rows += await _upload_rows(server, cfg)
    if 6 in wanted:
        rows += _import_rows(cfg)
    return rows, "; ".join(filter(None, [ts_error or "", *_TS_FAILURES]))[:800]


def main() -> None:
    """Parse the command line, run the scenarios and print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", type=int, choices=range(1, 7), help="run one scenario")
    args = parser.parse_args()
    cfg = Config.make(args.quick)
    wanted = set(range(1, 7)) if args.only is None else {args.only}
    started = time.perf_counter()
    rows, ts_note = asyncio.run(_run(cfg, wanted))
    print(METHODOLOGY.format(node=_node_version(), rounds=cfg.rounds))
    print()
    _print_table(rows, ts_note)
    print(f"\nTotal {time.perf_counter() - started:.0f} s{' (--quick)' if cfg.quick else ''}.")


if __name__ == "__main__":
    main()
