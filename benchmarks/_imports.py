"""Scenario 6: cold import time, each measurement in a fresh interpreter.

One child imports the dependencies (aiohttp, attrs, cattrs, anyio) and then
``hathora_cloud.funcs.builds_v3_get_build``, timing both steps: the second is the package's own
cost on top of its dependencies'. ``python -X importtime`` shows where the time goes.
"""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import json, time
t0 = time.perf_counter()
import aiohttp, attrs, cattrs, anyio
t1 = time.perf_counter()
import hathora_cloud.funcs.builds_v3_get_build
t2 = time.perf_counter()
print(json.dumps({"deps_ms": (t1 - t0) * 1000, "own_ms": (t2 - t1) * 1000}))
"""


def measure_once() -> dict[str, float]:
    """Return the dependencies' and the package's own import time (ms) in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], check=True, capture_output=True, text=True, timeout=60
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result
