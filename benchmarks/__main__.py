"""Run the benchmark scenarios and print the measurements and the targets: ``python -m benchmarks``.

Scenarios (``--only`` takes numbers or names, comma-separated): 1 serial, 2 concurrent, 3 page,
4 logs, 5 upload, 6 import, 7 pack, 8 cpu. ``--quick`` is a smoke run (well under a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

from . import _checks, _node, _report, _scenarios
from ._harness import Config, Outcome, serve, workers
from ._scenarios import ALIASES, NEEDS_NODE, NEEDS_SERVER, NEEDS_WORKERS, SCENARIOS, Context

ORDER = ("1", "2", "3", "4", "5", "6", "7", "8")


def _selection(text: str | None) -> list[str]:
    if text is None:
        return list(ORDER)
    wanted = set()
    for item in text.replace(" ", "").split(","):
        key = ALIASES.get(item.lower(), item)
        if key not in ORDER:
            raise SystemExit(f"--only: unknown scenario {item!r} (1-8 or {', '.join(ALIASES)})")
        wanted.add(key)
    return [key for key in ORDER if key in wanted]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", metavar="LIST", help="scenarios to run, e.g. 1,3 or page,upload")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 9; quick 2)")
    parser.add_argument("--upload-mib", type=int, help="upload size (default 256; 1024 = 1 GiB)")
    parser.add_argument("--no-ts", action="store_true", help="leave out the TypeScript SDK")
    parser.add_argument("--json", metavar="PATH", help="also write every sample to PATH")
    return parser


def _run(cfg: Config, selected: list[str], ts_error: str | None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hathora-bench-")))
        server = stack.enter_context(serve(cfg.log_mib)) if set(selected) & NEEDS_SERVER else None
        url = server.url if server else ""
        pool = stack.enter_context(workers(url)) if set(selected) & NEEDS_WORKERS else {}
        if server:
            server.wait_ready()
        ctx = Context(cfg, url, pool, ts_error, tmp)
        for key in selected:
            name = SCENARIOS[key][0] if key in SCENARIOS else "import"
            print(f"running {key} {name} ...", end="", file=sys.stderr, flush=True)
            started = time.perf_counter()
            if key == "6":
                outcome = _scenarios.imports(cfg)
            else:
                outcome = _scenarios.run_safely(SCENARIOS[key][1], ctx, key)
            outcome.seconds = time.perf_counter() - started
            print(f" {outcome.seconds:.0f} s", file=sys.stderr, flush=True)
            outcomes.append(outcome)
    return outcomes


def _write_json(
    path: str, cfg: Config, outcomes: list[Outcome], rows: list[_checks.Verdict]
) -> None:
    data = {
        "config": asdict(cfg),
        "outcomes": [asdict(o) for o in outcomes],
        "checks": [
            {"row": v.key, "check": v.label, "values": v.values, "value": v.value,
             "unit": v.unit, "target": v.target.text if v.target else "", "result": v.result}
            for v in rows
        ],
    }  # fmt: skip
    Path(path).write_text(json.dumps(data, indent=1, default=str))


def main() -> None:
    """Parse the command line, run the scenarios and print the report."""
    args = _parser().parse_args()
    ts = False if args.no_ts else None
    cfg = Config.make(args.quick, rounds=args.rounds, upload_mib=args.upload_mib, ts=ts)
    if cfg.rounds < 1:
        raise SystemExit("--rounds must be at least 1")
    selected = _selection(args.only)
    started = time.perf_counter()
    print(f"$ python -m benchmarks {shlex.join(sys.argv[1:])}".rstrip())
    # Installed first, so the header names the versions that will run.
    ts_error = _node.ensure_installed() if cfg.ts and set(selected) & NEEDS_NODE else None
    print(_report.machine(cfg), flush=True)
    outcomes = _run(cfg, selected, ts_error)
    rows = _checks.verdicts(outcomes)
    print()
    print(_report.rounds(cfg))
    print(_report.method(cfg, _checks.STALL_MS))
    print()
    print(_report.measurements(outcomes))
    print()
    print(_report.targets(rows))
    extra = _report.notes(outcomes, ts_error)
    if extra:
        print()
        print(extra)
    if args.json:
        _write_json(args.json, cfg, outcomes, rows)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    quick = " (--quick)" if cfg.quick else ""
    each = ", ".join(f"{o.key}: {o.seconds:.0f} s" for o in outcomes)
    total = time.perf_counter() - started
    print(f"\nTotal {total:.0f} s{quick} ({each}); load average {load} at the end.")


if __name__ == "__main__":
    main()
