"""What the run prints: the machine, the method, the measurements and the targets."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import textwrap
from collections.abc import Callable

from . import _node
from ._checks import Verdict
from ._harness import ROOT, Config, Outcome, median

METHOD = """\
Method. A local aiohttp.web server in its own process serves pre-serialized bodies on 127.0.0.1.
Every contender runs in a process of its own: the SDK and raw aiohttp (what a careful user writes
by hand: one session, json.loads into dicts) each in a long-lived worker that keeps its session
(allocator warmed, each round warmed up untimed); uploads and directory packing in a fresh Python
process each time; the TS SDK in a fresh Node process per round. In every round the SDK and its
raw aiohttp baseline run back to back, interleaved in blocks whose order alternates (A B, B A,
...): get_build {serial} blocks of {serial_calls:,} calls, 64 in flight {concurrent} of
{concurrent_calls:,}, the page one fetch per block, the log {logs} read(s) each, the upload
{logs} each; a burst of load from elsewhere then falls on both alike. The TS SDK and aiohttp's
line iterator run once per round, before or after that group. Every ratio is computed inside one
round (SDK vs the baseline of the same round) and the targets table shows the median of the
per-round values and their min-max.

CPU: process_time() over the timed part (user + system, every thread of the contender's process).

Loop stall: a chain of 1 ms loop.call_at ticks runs on the contender's loop during the timed part;
the stall is the longest lateness of a tick, i.e. how long any timer-driven task on that loop
waited (callbacks, GIL waits, and OS preemption on this shared machine: compare with raw aiohttp;
an idle loop reads up to ~1 ms from epoll's rounding). Node uses the same 1 ms tick chain. Target
{stall:g} ms, one 60 Hz frame. Peak RSS growth: VmHWM, reset just before the operation.

SDK overhead (row 8): get_build through aiohttp sessions whose connector answers in memory with
the server's exact reply, so aiohttp and the SDK run unmodified with no syscalls and no server
competing for the CPU; the SDK and raw aiohttp alternate in blocks inside one process (same
conditions), and a round's value is the median over adjacent block pairs of SDK CPU/call minus
raw CPU/call. Rows 1-2 show the same difference measured live against the server, a noisier
cross-check (socket syscalls dominate the cost of a call). MiB = 2^20 bytes.\
"""


def method(cfg: Config, stall: float) -> str:
    """Return the methodology paragraph for this configuration."""
    concurrent = max(1, cfg.blocks // 2)
    text = METHOD.format(
        serial=cfg.blocks,
        serial_calls=cfg.serial_calls // cfg.blocks,
        concurrent=concurrent,
        concurrent_calls=cfg.concurrent_calls // concurrent,
        logs=max(1, cfg.blocks // 4),
        stall=stall,
    )
    return "\n".join(textwrap.fill(" ".join(p.split()), 100) for p in text.split("\n\n"))


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
    except OSError:
        return "unknown"
    return f"{head}{' (uncommitted changes)' if dirty else ''}" if head else "unknown"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rounds(cfg: Config) -> str:
    """Return the line saying how many rounds each scenario ran."""
    return (
        f"Rounds: {cfg.rounds} per scenario ({cfg.pack_rounds} for the SDK-only packing scenario, "
        f"{cfg.import_runs} runs of the cold import){'; --quick' if cfg.quick else ''}"
    )


def machine(cfg: Config) -> str:
    """Return the lines describing the machine and the software measured."""
    import aiohttp

    from hathora_cloud import __version__

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    ts = _node.versions() if cfg.ts else "TS SDK not run (--no-ts)"
    return (
        f"Machine: {_cpu_model()}, {os.cpu_count()} cores ({usable} usable), "
        f"{platform.system()} {platform.release()}; load average {load} at start\n"
        f"Software: Python {platform.python_version()}, aiohttp {aiohttp.__version__}, "
        f"hathora-cloud {__version__} (git {_git()}); {ts}"
    )


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


Extra = Callable[[Outcome, str], str]


def _m(outcome: Outcome, who: str, metric: str) -> float:
    return median(outcome.values(who, metric))


def _latency(o: Outcome, who: str) -> str:
    return f"p50 {_fmt(_m(o, who, 'p50_ms'))} / p99 {_fmt(_m(o, who, 'p99_ms'))} ms"


def _rss(o: Outcome, who: str) -> str:
    return f"peak RSS +{_fmt(_m(o, who, 'rss_growth_mib'))} MiB"


def _packing(o: Outcome, who: str) -> str:
    return (
        f"packing {_fmt(_m(o, who, 'packing_s'))} s (stall {_fmt(_m(o, who, 'packing_stall_ms'))}"
        f" ms), tar.gz {_fmt(_m(o, who, 'tar_mib'))} MiB, " + _rss(o, who)
    )


# Per scenario: the rate metric and its unit, the CPU metric and its unit, the extra column.
_COLUMNS: dict[str, tuple[str, str, str, str, Extra | None]] = {
    "1": ("calls_per_s", "calls/s", "cpu_us_per_call", "µs/call", _latency),
    "2": ("calls_per_s", "calls/s", "cpu_us_per_call", "µs/call", None),
    "3": ("ms_per_call", "ms/call", "cpu_ms_per_call", "ms/call", None),
    "4": ("mib_per_s", "MiB/s", "cpu_s_per_gib", "s/GiB", None),
    "5": ("mib_per_s", "MiB/s", "cpu_s_per_gib", "s/GiB", _rss),
    "6": ("ms", "ms", "", "", None),
    "7": ("seconds", "s", "cpu_s", "s", _packing),
    "8": ("", "", "stub_cpu_us_per_call", "µs/call", None),
}


def _contenders(outcome: Outcome) -> list[str]:
    seen: list[str] = []
    for samples in outcome.rounds:
        seen += [name for name in samples if name not in seen]
    return seen


def _measurement_rows(outcome: Outcome) -> list[list[str]]:
    rate, rate_unit, cpu, cpu_unit, extra = _COLUMNS[outcome.key]
    rows = []
    for i, who in enumerate(_contenders(outcome)):
        stalls = outcome.values(who, "stall_ms")
        rows.append([
            f"{outcome.key} {outcome.title}" if i == 0 else "",
            who if outcome.key != "6" else ("SDK's own" if i == 0 else "dependencies"),
            f"{_fmt(_m(outcome, who, rate))} {rate_unit}" if rate else "",
            f"{_fmt(_m(outcome, who, cpu))} {cpu_unit}" if cpu else "",
            f"{_fmt(median(stalls))} (worst {_fmt(max(stalls))})" if stalls else "",
            extra(outcome, who) if extra else "",
        ])  # fmt: skip
    return rows


def _table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def measurements(outcomes: list[Outcome]) -> str:
    """The medians over rounds of every contender's throughput, CPU and loop stall."""
    head = ["scenario", "contender", "throughput", "CPU", "loop stall ms", "other"]
    rows = [row for outcome in outcomes for row in _measurement_rows(outcome)]
    return "Measurements (medians over the rounds)\n" + _table(head, rows)


def targets(rows: list[Verdict]) -> str:
    """One line per check: median of per-round values, their spread, the target, the result."""
    head = ["row", "check", "median", "spread (min-max)", "target", "result"]
    table = []
    for v in rows:
        spread = f"{_fmt(min(v.values))}-{_fmt(max(v.values))}" if len(v.values) > 1 else ""
        value = (
            "-" if math.isnan(v.value) else f"{_fmt(v.value)}{'' if v.unit == 'x' else ' '}{v.unit}"
        )
        target = v.target.text if v.target else ""
        table.append([v.key, v.label, value, spread, target, v.result])
    return "Targets (per-round values: median, spread)\n" + _table(head, table)


def notes(outcomes: list[Outcome], ts_error: str | None) -> str:
    """Everything that did not go to plan, one line each."""
    lines = [f"  {o.key}: {n}" for o in outcomes for n in dict.fromkeys(o.notes)]
    if ts_error:
        lines.append(f"  TS SDK columns unavailable: {ts_error}")
    return "Notes\n" + "\n".join(lines) if lines else ""
