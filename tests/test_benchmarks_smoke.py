"""The benchmark harness still runs end to end and prints its report in the documented format.

Runs ``python -m benchmarks`` in its smallest form (one round of scenario 1, no Node) in a
subprocess: a server process, the SDK and raw aiohttp workers, the report. Nothing here judges
speed; only the shape of the output and of the ``--json`` samples is checked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_NUMBER = r"[\d,]+(?:\.\d+)?"


def test_quickest_benchmark_run_prints_measurements_and_targets(tmp_path: Path) -> None:
    """One round of get_build serial yields a machine line, a measurement row per contender,
    target rows with a verdict, and JSON samples with rate, CPU per call and loop stall."""
    report = tmp_path / "samples.json"
    argv = ["--quick", "--only", "1", "--rounds", "1", "--no-ts", "--json", str(report)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=os.environ | {"PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert re.search(r"^Machine: .+, \d+ cores \(\d+ usable\)", out, re.M)
    assert re.search(r"^Software: Python 3\.\d+\.\d+, aiohttp \d", out, re.M)
    for contender in ("SDK", "raw aiohttp"):
        row = rf"^(?:1 get_build serial, 300 calls)?\s+{contender}\s+{_NUMBER} calls/s\s+"
        row += rf"{_NUMBER} µs/call\s+{_NUMBER} \(worst {_NUMBER}\)\s+p50 "
        assert re.search(row, out, re.M), f"no measurement row for {contender}:\n{out}"
    assert re.search(rf"^1\s+SDK/raw calls/s\s+{_NUMBER}x\s+>= 0\.9x\s+(PASS|FAIL)$", out, re.M)
    assert re.search(rf"^1\s+SDK loop stall\s+{_NUMBER} ms\s+<= 16 ms\s+(PASS|FAIL)$", out, re.M)
    assert re.search(r"^Total \d+ s \(--quick\)", out, re.M)

    data = json.loads(report.read_text())
    (only_round,) = data["outcomes"][0]["rounds"]
    for sample in (only_round["SDK"], only_round["raw aiohttp"]):
        assert sample["calls_per_s"] > 0
        assert sample["cpu_us_per_call"] > 0
        assert sample["stall_ms"] >= 0
    results = {check["check"]: check["result"] for check in data["checks"]}
    assert results["SDK/raw calls/s"] in ("PASS", "FAIL")
