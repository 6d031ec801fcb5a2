"""Scenarios 1-3: ``builds_v3_get_build`` one at a time and 64 in flight; a 10,000-build page.

The raw contender is what a careful user writes by hand: one ``aiohttp.ClientSession``, the same
headers, ``json.loads`` of the body into dicts, a status check and nothing else. Each driver
warms up outside the timed part, then returns one round's sample: the rate, the CPU the process
spent per call and the longest event-loop stall (see :mod:`benchmarks._probe`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from ._fixtures import BUILD_ID, ORG_ID, TOKEN
from ._probe import measured

if TYPE_CHECKING:
    from hathora_cloud import HathoraCloudCore

Call = Callable[[], Awaitable[object]]
Sample = dict[str, float]
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
PAGE_SIZE = 10_000


def sdk_calls(core: HathoraCloudCore) -> tuple[Call, Call]:
    """Return the SDK's get-build and get-builds calls on ``core``."""
    from hathora_cloud import Ok
    from hathora_cloud.funcs import builds_v3_get_build, builds_v3_get_builds

    async def get_build() -> object:
        result = await builds_v3_get_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        return result.value

    async def get_builds() -> object:
        result = await builds_v3_get_builds(core)
        assert isinstance(result, Ok), result
        assert len(result.value.builds) == PAGE_SIZE
        return result.value

    return get_build, get_builds


def raw_calls(session: aiohttp.ClientSession, url: str) -> tuple[Call, Call]:
    """Return hand-written aiohttp get-build and get-builds calls decoding into dicts."""
    build_url = f"{url}/builds/v3/builds/{BUILD_ID}?orgId={ORG_ID}"
    page_url = f"{url}/builds/v3/builds?orgId={ORG_ID}"

    async def fetch(target: str) -> Any:
        async with session.get(target, headers=HEADERS) as response:
            if response.status != 200:
                raise RuntimeError(f"unexpected status {response.status}")
            return json.loads(await response.read())

    async def get_build() -> object:
        return await fetch(build_url)

    async def get_builds() -> object:
        data = await fetch(page_url)
        assert len(data["builds"]) == PAGE_SIZE
        return data

    return get_build, get_builds


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


async def serial(call: Call, calls: int) -> Sample:
    """Make ``calls`` calls one after another: calls/s, CPU µs per call, p50/p99 ms, stall."""
    for _ in range(min(200, calls)):
        await call()
    latencies = []
    clock = time.perf_counter
    async with measured() as m:
        for _ in range(calls):
            t = clock()
            await call()
            latencies.append(clock() - t)
    return {
        "calls_per_s": calls / m.wall_s,
        "cpu_us_per_call": m.cpu_s / calls * 1e6,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "stall_ms": m.stall_ms,
    }


async def concurrent(call: Call, calls: int, in_flight: int = 64) -> Sample:
    """Make ``calls`` calls, ``in_flight`` at a time: calls/s, CPU µs per call, stall."""

    async def run(n: int) -> None:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    await run(min(500, calls))
    async with measured() as m:
        await run(calls)
    return {
        "calls_per_s": calls / m.wall_s,
        "cpu_us_per_call": m.cpu_s / calls * 1e6,
        "stall_ms": m.stall_ms,
    }


async def page(call: Call, calls: int) -> Sample:
    """Fetch the 10,000-build page ``calls`` times after one warm-up: ms and CPU ms per call."""
    await call()
    async with measured() as m:
        for _ in range(calls):
            await call()
    return {
        "ms_per_call": m.wall_s * 1000 / calls,
        "cpu_ms_per_call": m.cpu_s * 1000 / calls,
        "stall_ms": m.stall_ms,
    }
