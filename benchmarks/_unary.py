"""Scenarios 1-3: ``builds_v3_get_build`` one at a time and 64 in flight; a 10,000-build page.

The raw contender is what a careful user writes by hand: one ``aiohttp.ClientSession``, the same
headers, ``json.loads`` of the body into dicts, a status check and nothing else.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from hathora_cloud import HathoraCloudCore, Ok
from hathora_cloud.funcs.builds_v3_get_build import builds_v3_get_build
from hathora_cloud.funcs.builds_v3_get_builds import builds_v3_get_builds

from ._harness import percentile
from ._server import BUILD_ID, ORG_ID, TOKEN

Call = Callable[[], Awaitable[object]]
_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


def sdk_calls(core: HathoraCloudCore) -> tuple[Call, Call]:
    """Return the SDK's get-build and get-builds calls."""

    async def get_build() -> object:
        result = await builds_v3_get_build(core, BUILD_ID)
        assert isinstance(result, Ok), result
        return result.value

    async def get_builds() -> object:
        result = await builds_v3_get_builds(core)
        assert isinstance(result, Ok), result
        assert len(result.value.builds) == 10_000
        return result.value

    return get_build, get_builds


def raw_calls(session: aiohttp.ClientSession, url: str) -> tuple[Call, Call]:
    """Return hand-written aiohttp get-build and get-builds calls decoding into dicts."""
    build_url = f"{url}/builds/v3/builds/{BUILD_ID}?orgId={ORG_ID}"
    page_url = f"{url}/builds/v3/builds?orgId={ORG_ID}"

    async def fetch(target: str) -> Any:
        async with session.get(target, headers=_HEADERS) as response:
            if response.status != 200:
                raise RuntimeError(f"unexpected status {response.status}")
            return json.loads(await response.read())

    async def get_build() -> object:
        return await fetch(build_url)

    async def get_builds() -> object:
        data = await fetch(page_url)
        assert len(data["builds"]) == 10_000
        return data

    return get_build, get_builds


async def serial(call: Call, calls: int) -> dict[str, float]:
    """Make ``calls`` calls one after another; return calls/s and p50/p99 latency in ms."""
    for _ in range(min(200, calls)):
        await call()
    latencies = []
    clock = time.perf_counter
    start = clock()
    for _ in range(calls):
        t = clock()
        await call()
        latencies.append(clock() - t)
    elapsed = clock() - start
    return {
        "calls_per_s": calls / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }


async def concurrent(call: Call, calls: int, in_flight: int = 64) -> dict[str, float]:
    """Make ``calls`` calls with ``in_flight`` at a time; return calls/s."""

    async def run(n: int) -> None:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    await run(min(500, calls))
    start = time.perf_counter()
    await run(calls)
    return {"calls_per_s": calls / (time.perf_counter() - start)}


async def page(call: Call, calls: int) -> dict[str, float]:
    """Fetch the 10,000-build page ``calls`` times after one warm-up; return ms per call."""
    await call()
    start = time.perf_counter()
    for _ in range(calls):
        await call()
    return {"ms_per_call": (time.perf_counter() - start) * 1000 / calls}
