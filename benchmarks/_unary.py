"""Scenarios 1-3: ``builds_v3_get_build`` one at a time and 64 in flight; a 10,000-build page.

The raw contender is what a careful user writes by hand: one ``aiohttp.ClientSession``, the same
headers, ``json.loads`` of the body into dicts, a status check and nothing else. Each driver
times one block of calls (warming up first when asked) and returns what adds up across blocks:
calls, wall and CPU seconds, the longest event-loop stall (see :mod:`benchmarks._probe`).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp

from ._fixtures import BUILD_ID, ORG_ID, TOKEN
from ._probe import Measurement, measured

if TYPE_CHECKING:
    from hathora_cloud import HathoraCloudCore

Call = Callable[[], Awaitable[object]]
Part = dict[str, Any]
"""One block's measurements: ``count``, ``wall_s``, ``cpu_s``, ``stall_ms`` (and latencies)."""
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


def _part(calls: int, m: Measurement) -> Part:
    return {"count": calls, "wall_s": m.wall_s, "cpu_s": m.cpu_s, "stall_ms": m.stall_ms}


async def serial(call: Call, calls: int, warm: bool) -> Part:
    """Make ``calls`` calls one after another (after 200 untimed ones when ``warm``).

    Returns a block's additive measurements plus every call's latency in ms; the parent merges
    the blocks of a round into calls/s, CPU µs per call, p50/p99 and the longest stall.
    """
    for _ in range(200 if warm else 0):
        await call()
    latencies = []
    clock = time.perf_counter
    async with measured() as m:
        for _ in range(calls):
            t = clock()
            await call()
            latencies.append((clock() - t) * 1000)
    return _part(calls, m) | {"latencies_ms": latencies}


async def concurrent(call: Call, calls: int, in_flight: int, warm: bool) -> Part:
    """Make ``calls`` calls, ``in_flight`` at a time (after 500 untimed ones when ``warm``)."""

    async def run(n: int) -> None:
        remaining = n

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        await asyncio.gather(*(worker() for _ in range(in_flight)))

    if warm:
        await run(500)
    async with measured() as m:
        await run(calls)
    return _part(calls, m)


async def page(call: Call, calls: int, warm: bool) -> Part:
    """Fetch the 10,000-build page ``calls`` times (after one untimed fetch when ``warm``)."""
    if warm:
        await call()
    async with measured() as m:
        for _ in range(calls):
            await call()
    return _part(calls, m)
